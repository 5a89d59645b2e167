import GroupKeyTypes

/// How acceptable an algorithm is today. Legacy ones still interoperate but should be replaced;
/// forbidden ones give no security and are refused.
public enum AlgorithmStrength: Sendable, Equatable {
    case recommended
    case legacy(String)
    case forbidden(String)
}

/// The one table from policy algorithm tokens to the numbers each protocol puts on the wire.
/// A nil number means that protocol cannot carry the algorithm in that place.
public enum AlgorithmCatalog {
    public struct EncryptionEntry: Sendable {
        /// IPsec DOI ESP transform ID in a GDOI SA TEK (RFC 2407 §4.4.4; RFC 6407 §5.5.1).
        public var gdoiTEK: IPsecESPTransformID?
        /// IKEv2 Transform Type 1 ID, for G-IKEv2 TEKs and the rekey SA (RFC 7296 §3.3.2).
        public var ikev2: IKEv2EncryptionID?
        /// GDOI KEK_ALGORITHM: DES, 3DES, AES (CBC) only (RFC 6407 §5.3.2).
        public var gdoiKEK: GDOIKEKAlgorithm?
        /// IKEv1 phase-1 encryption attribute (RFC 2409 App. A), for GDOI registration.
        public var ikev1: IKEv1EncryptionAlgorithm?
        public var isAEAD: Bool
        /// Counter-based IVs: several senders sharing a key need Sender-IDs (RFC 6054 §3).
        public var isCounterMode: Bool
        /// Allowed key lengths in bits; empty when the key length is fixed (no attribute).
        public var keyLengths: [Int]
        public var strength: AlgorithmStrength
    }

    private static let aesLengths = [128, 192, 256]

    public static func entry(_ algorithm: EncryptionAlgorithm) -> EncryptionEntry {
        switch algorithm {
        case .des:
            return EncryptionEntry(gdoiTEK: .des, ikev2: .des, gdoiKEK: .des, ikev1: .desCBC, isAEAD: false,
                                   isCounterMode: false, keyLengths: [],
                                   strength: .forbidden("DES has a 56-bit key"))
        case .tripleDES:
            return EncryptionEntry(gdoiTEK: .tripleDES, ikev2: .tripleDES, gdoiKEK: .tripleDES, ikev1: .tripleDESCBC,
                                   isAEAD: false, isCounterMode: false, keyLengths: [],
                                   strength: .legacy("3DES has a 64-bit block; use aes-gcm-16 or aes-cbc"))
        case .null:
            return EncryptionEntry(gdoiTEK: .null, ikev2: .null, gdoiKEK: nil, ikev1: nil, isAEAD: false,
                                   isCounterMode: false, keyLengths: [],
                                   strength: .forbidden("NULL encryption leaves traffic in clear"))
        case .aesCBC:
            return EncryptionEntry(gdoiTEK: .aesCBC, ikev2: .aesCBC, gdoiKEK: .aes, ikev1: .aesCBC, isAEAD: false,
                                   isCounterMode: false, keyLengths: aesLengths, strength: .recommended)
        case .aesCTR:
            return EncryptionEntry(gdoiTEK: .aesCTR, ikev2: .aesCTR, gdoiKEK: nil, ikev1: nil, isAEAD: false,
                                   isCounterMode: true, keyLengths: aesLengths, strength: .recommended)
        case .aesCCM8:
            return aead(gdoi: .aesCCM8, ikev2: .aesCCM8)
        case .aesCCM12:
            return aead(gdoi: .aesCCM12, ikev2: .aesCCM12)
        case .aesCCM16:
            return aead(gdoi: .aesCCM16, ikev2: .aesCCM16)
        case .aesGCM8:
            return aead(gdoi: .aesGCM8, ikev2: .aesGCM8)
        case .aesGCM12:
            return aead(gdoi: .aesGCM12, ikev2: .aesGCM12)
        case .aesGCM16:
            return aead(gdoi: .aesGCM16, ikev2: .aesGCM16)
        case .nullAuthAESGMAC:
            // Integrity-only ESP (RFC 4543); counts as AEAD for the transform rules.
            return aead(gdoi: .nullAuthAESGMAC, ikev2: .nullAuthAESGMAC)
        case .chacha20Poly1305:
            // RFC 7634: IKEv2 only; the IPsec DOI registry GDOI uses has no ChaCha20 entry.
            return EncryptionEntry(gdoiTEK: nil, ikev2: .chacha20Poly1305, gdoiKEK: nil, ikev1: nil, isAEAD: true,
                                   isCounterMode: true, keyLengths: [], strength: .recommended)
        }
    }

    private static func aead(gdoi: IPsecESPTransformID, ikev2: IKEv2EncryptionID) -> EncryptionEntry {
        EncryptionEntry(gdoiTEK: gdoi, ikev2: ikev2, gdoiKEK: nil, ikev1: nil, isAEAD: true, isCounterMode: true,
                        keyLengths: aesLengths, strength: .recommended)
    }

    public struct IntegrityEntry: Sendable {
        /// IPsec DOI Authentication Algorithm attribute in a GDOI SA TEK (RFC 2407 §4.5).
        public var gdoiTEK: IPsecAuthenticationAlgorithm?
        /// IKEv2 Transform Type 3 ID (RFC 7296 §3.3.2; RFC 4868 §2).
        public var ikev2: IKEv2IntegrityID?
        public var strength: AlgorithmStrength
    }

    public static func entry(_ algorithm: IntegrityAlgorithm) -> IntegrityEntry {
        switch algorithm {
        case .hmacMD5_96:
            return IntegrityEntry(gdoiTEK: .hmacMD5, ikev2: .hmacMD5_96, strength: .forbidden("MD5 integrity is broken"))
        case .hmacSHA1_96:
            return IntegrityEntry(gdoiTEK: .hmacSHA1, ikev2: .hmacSHA1_96,
                                  strength: .legacy("SHA-1; use hmac-sha2-256-128"))
        case .hmacSHA2_256_128:
            return IntegrityEntry(gdoiTEK: .hmacSHA2_256, ikev2: .hmacSHA2_256_128, strength: .recommended)
        case .hmacSHA2_384_192:
            return IntegrityEntry(gdoiTEK: .hmacSHA2_384, ikev2: .hmacSHA2_384_192, strength: .recommended)
        case .hmacSHA2_512_256:
            return IntegrityEntry(gdoiTEK: .hmacSHA2_512, ikev2: .hmacSHA2_512_256, strength: .recommended)
        }
    }

    public struct PRFEntry: Sendable {
        /// IKEv1 Hash attribute, whose HMAC is the phase-1 PRF (RFC 2409 §5).
        public var ikev1: IKEv1HashAlgorithm
        public var ikev2: IKEv2PRFID
        public var strength: AlgorithmStrength
    }

    public static func entry(_ algorithm: PRFAlgorithm) -> PRFEntry {
        switch algorithm {
        case .hmacMD5: return PRFEntry(ikev1: .md5, ikev2: .hmacMD5, strength: .forbidden("MD5 is broken"))
        case .hmacSHA1: return PRFEntry(ikev1: .sha1, ikev2: .hmacSHA1, strength: .legacy("SHA-1; use hmac-sha2-256"))
        case .hmacSHA2_256: return PRFEntry(ikev1: .sha2_256, ikev2: .hmacSHA2_256, strength: .recommended)
        case .hmacSHA2_384: return PRFEntry(ikev1: .sha2_384, ikev2: .hmacSHA2_384, strength: .recommended)
        case .hmacSHA2_512: return PRFEntry(ikev1: .sha2_512, ikev2: .hmacSHA2_512, strength: .recommended)
        }
    }

    public struct KeyExchangeEntry: Sendable {
        public var method: KeyExchangeMethodID
        /// IKEv1 Group Description carries the same number only up to 21 here; Curve25519 and
        /// Curve448 (RFC 8031) exist for IKEv2 alone.
        public var ikev1Capable: Bool
        public var strength: AlgorithmStrength
    }

    public static func entry(_ group: KeyExchangeGroup) -> KeyExchangeEntry {
        switch group {
        case .modp768: return KeyExchangeEntry(method: .modp768, ikev1Capable: true, strength: .forbidden("768-bit MODP"))
        case .modp1024:
            return KeyExchangeEntry(method: .modp1024, ikev1Capable: true, strength: .legacy("1024-bit MODP; use modp2048 or ecp256"))
        case .modp1536: return KeyExchangeEntry(method: .modp1536, ikev1Capable: true, strength: .recommended)
        case .modp2048: return KeyExchangeEntry(method: .modp2048, ikev1Capable: true, strength: .recommended)
        case .modp3072: return KeyExchangeEntry(method: .modp3072, ikev1Capable: true, strength: .recommended)
        case .modp4096: return KeyExchangeEntry(method: .modp4096, ikev1Capable: true, strength: .recommended)
        case .modp6144: return KeyExchangeEntry(method: .modp6144, ikev1Capable: true, strength: .recommended)
        case .modp8192: return KeyExchangeEntry(method: .modp8192, ikev1Capable: true, strength: .recommended)
        case .ecp256: return KeyExchangeEntry(method: .ecp256, ikev1Capable: true, strength: .recommended)
        case .ecp384: return KeyExchangeEntry(method: .ecp384, ikev1Capable: true, strength: .recommended)
        case .ecp521: return KeyExchangeEntry(method: .ecp521, ikev1Capable: true, strength: .recommended)
        case .curve25519: return KeyExchangeEntry(method: .curve25519, ikev1Capable: false, strength: .recommended)
        case .curve448: return KeyExchangeEntry(method: .curve448, ikev1Capable: false, strength: .recommended)
        }
    }

    /// Transform Type 13 ID (RFC 9838 §4.4.2.1.2) and the AES key size the wrap uses.
    public static func entry(_ algorithm: KeyWrapAlgorithm) -> (id: KeyWrapAlgorithmID, keyBits: Int) {
        switch algorithm {
        case .kw5649_128: return (.kw5649_128, 128)
        case .kw5649_192: return (.kw5649_192, 192)
        case .kw5649_256: return (.kw5649_256, 256)
        case .arxKW: return (.arx, 256)
        }
    }

    public struct SignatureEntry: Sendable {
        /// GDOI SIG_ALGORITHM and SIG_HASH_ALGORITHM values (RFC 6407 §5.3.6, §5.3.5): RSA is
        /// EMSA-PKCS1-v1_5 only, so RSA-PSS and EdDSA cannot be expressed.
        public var gdoi: (signature: UInt16, hash: UInt16)?
        /// Whether RFC 7427 App. A gives an AlgorithmIdentifier G-IKEv2 can send.
        public var ikev2: Bool
        public var strength: AlgorithmStrength
    }

    public static func entry(_ algorithm: SignatureAlgorithm) -> SignatureEntry {
        // RFC 6407 §5.3.5: SIG_HASH 1 MD5, 2 SHA1, 3 SHA256, 4 SHA384, 5 SHA512.
        // RFC 6407 §5.3.6: SIG_ALG 1 RSA, 4 ECDSA-256, 5 ECDSA-384, 6 ECDSA-521.
        switch algorithm {
        case .rsaPKCS1MD5: return SignatureEntry(gdoi: (1, 1), ikev2: false, strength: .forbidden("MD5 signatures are forgeable"))
        case .rsaPKCS1SHA1: return SignatureEntry(gdoi: (1, 2), ikev2: true, strength: .legacy("SHA-1 signatures; use rsa-pkcs1-sha256"))
        case .rsaPKCS1SHA256: return SignatureEntry(gdoi: (1, 3), ikev2: true, strength: .recommended)
        case .rsaPKCS1SHA384: return SignatureEntry(gdoi: (1, 4), ikev2: true, strength: .recommended)
        case .rsaPKCS1SHA512: return SignatureEntry(gdoi: (1, 5), ikev2: true, strength: .recommended)
        case .rsaPSSSHA256: return SignatureEntry(gdoi: nil, ikev2: true, strength: .recommended)
        case .ecdsaP256SHA256: return SignatureEntry(gdoi: (4, 3), ikev2: true, strength: .recommended)
        case .ecdsaP384SHA384: return SignatureEntry(gdoi: (5, 4), ikev2: true, strength: .recommended)
        case .ecdsaP521SHA512: return SignatureEntry(gdoi: (6, 5), ikev2: true, strength: .recommended)
        case .ed25519: return SignatureEntry(gdoi: nil, ikev2: true, strength: .recommended)
        }
    }
}
