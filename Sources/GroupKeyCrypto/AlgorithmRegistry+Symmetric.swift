import GroupKeyTypes

/// Symmetric algorithms of the registry. Protocol code parses a
/// transform or attribute, asks here, and gets either an algorithm it can key (whose
/// `parameters` say how much KEYMAT to take) or a typed refusal:
/// - `forbiddenAlgorithm`: the standards forbid it (DES in every form, NULL encryption,
///   DES-MAC, the _IIV ciphers in G-IKEv2), or it is legacy (3DES, HMAC-MD5-96) and the caller
///   did not pass `allowLegacy: true` (only the GDOI/IKEv1 side should).
/// - `unsupportedAlgorithm`: a number groupkey does not implement, or a Key Length attribute
///   that is missing where required or has a value the algorithm does not take.
///
/// Key Length attributes are in bits everywhere (RFC 7296 §3.3.5, RFC 2407 §4.5 class 6,
/// RFC 2409 App. A class 14, RFC 6407 §5.3.3). They are required for AES (RFC 7296 §3.3.5
/// names AES-CBC and AES-CTR; RFC 4106 §8.4 for ESP AES-GCM; RFC 3602 for AES-CBC in IKEv1)
/// and MUST NOT be sent for fixed-size ciphers (RFC 2407 §4.5); a fixed-size cipher's own size
/// is nevertheless accepted on input.
extension AlgorithmRegistry {
    // MARK: IKEv2 (also G-IKEv2 rekey and data-security SAs)

    /// IKEv2 Transform Type 1 (RFC 7296 §3.3.2) with its Key Length attribute, if present.
    public static func encryption(ikev2 id: IKEv2EncryptionID, keyLength: UInt16?, allowLegacy: Bool = false) throws -> EncryptionAlgorithm {
        let name = "ENCR \(id.rawValue)"
        switch id {
        case .desIV64, .des: throw CryptoError.forbiddenAlgorithm("ENCR_DES (RFC 8247 §5: MUST NOT)")
        case .null: throw CryptoError.forbiddenAlgorithm("ENCR_NULL (IKEv2 and G-IKEv2 SAs must be encrypted)")
        case .tripleDES:
            try requireLegacy(allowLegacy, "ENCR_3DES")
            try fixedKey(keyLength, bits: 192, name)
            return .cbc(.tripleDES)
        case .aesCBC: return .cbc(try CBCCipher.Algorithm(aesKeyLength: aesKeyOctets(keyLength, "ENCR_AES_CBC")))
        case .aesCTR: return .aesCTR(aesKeyLength: try aesKeyOctets(keyLength, "ENCR_AES_CTR"))
        case .aesGCM8: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ENCR_AES_GCM_8"), icvLength: 8))
        case .aesGCM12: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ENCR_AES_GCM_12"), icvLength: 12))
        case .aesGCM16: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ENCR_AES_GCM_16"), icvLength: 16))
        case .chacha20Poly1305:
            try fixedKey(keyLength, bits: 256, "ENCR_CHACHA20_POLY1305")  // RFC 7634 §3: no Key Length attribute
            return .aead(.chacha20Poly1305)
        case .aesCCM8, .aesCCM12, .aesCCM16: throw CryptoError.unsupportedAlgorithm("ENCR_AES_CCM (\(id.rawValue))")
        case .nullAuthAESGMAC: throw CryptoError.unsupportedAlgorithm("ENCR_NULL_AUTH_AES_GMAC")
        }
    }

    /// As `encryption(ikev2:...)` for a raw transform number, including ones with no case.
    public static func encryption(ikev2Number number: UInt16, keyLength: UInt16?, allowLegacy: Bool = false) throws -> EncryptionAlgorithm {
        if let id = IKEv2EncryptionID(rawValue: number) {
            return try encryption(ikev2: id, keyLength: keyLength, allowLegacy: allowLegacy)
        }
        switch number {
        case 29...31:  // ENCR_*_IIV (RFC 8750): not allowed in IKEv2, forbidden in every G-IKEv2 SA (RFC 9838 §2.7)
            throw CryptoError.forbiddenAlgorithm("ENCR \(number) (implicit-IV cipher) in a group SA")
        default:
            throw CryptoError.unsupportedAlgorithm("IKEv2 encryption transform \(number)")
        }
    }

    /// IKEv2 Transform Type 3 (RFC 7296 §3.3.2). `nil` for INTEG NONE (used with an AEAD).
    public static func integrity(ikev2 id: IKEv2IntegrityID, allowLegacy: Bool = false) throws -> IntegrityAlgorithm? {
        switch id {
        case .none: return nil
        case .hmacMD5_96:
            try requireLegacy(allowLegacy, "AUTH_HMAC_MD5_96")
            return .hmacMD5_96
        case .hmacSHA1_96: return .hmacSHA1_96
        case .hmacSHA2_256_128: return .hmacSHA2_256_128
        case .hmacSHA2_384_192: return .hmacSHA2_384_192
        case .hmacSHA2_512_256: return .hmacSHA2_512_256
        }
    }

    public static func integrity(ikev2Number number: UInt16, allowLegacy: Bool = false) throws -> IntegrityAlgorithm? {
        if let id = IKEv2IntegrityID(rawValue: number) { return try integrity(ikev2: id, allowLegacy: allowLegacy) }
        if number == 3 { throw CryptoError.forbiddenAlgorithm("AUTH_DES_MAC") }
        throw CryptoError.unsupportedAlgorithm("IKEv2 integrity transform \(number)")
    }

    /// IKEv2 Transform Type 13, key wrap (RFC 9838 §4.4.2.1.2).
    public static func keyWrap(_ id: KeyWrapAlgorithmID) throws -> AESKeyWrap.Algorithm {
        switch id {
        case .kw5649_128: return try AESKeyWrap.Algorithm(mode: .rfc5649, kekLength: 16)
        case .kw5649_192: return try AESKeyWrap.Algorithm(mode: .rfc5649, kekLength: 24)
        case .kw5649_256: return try AESKeyWrap.Algorithm(mode: .rfc5649, kekLength: 32)
        case .arx: throw CryptoError.unsupportedAlgorithm("KW_ARX (its specification was not available to implement from)")
        }
    }

    public static func keyWrap(number: UInt16) throws -> AESKeyWrap.Algorithm {
        guard let id = KeyWrapAlgorithmID(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("key wrap algorithm \(number)")
        }
        return try keyWrap(id)
    }

    // MARK: IPsec DOI (GDOI SA TEK, RFC 6407 §5.4.1; RFC 2407 §4.4.4, §4.5)

    /// An ESP transform ID with its Key Length attribute (class 6, bits).
    public static func encryption(esp id: IPsecESPTransformID, keyLength: UInt16?, allowLegacy: Bool = false) throws -> EncryptionAlgorithm {
        switch id {
        case .des: throw CryptoError.forbiddenAlgorithm("ESP_DES (RFC 8221 §5: MUST NOT)")
        case .null: throw CryptoError.forbiddenAlgorithm("ESP_NULL (group traffic must be encrypted)")
        case .tripleDES:
            try requireLegacy(allowLegacy, "ESP_3DES")
            try fixedKey(keyLength, bits: 192, "ESP_3DES")
            return .cbc(.tripleDES)
        case .aesCBC: return .cbc(try CBCCipher.Algorithm(aesKeyLength: aesKeyOctets(keyLength, "ESP_AES_CBC")))
        case .aesCTR: return .aesCTR(aesKeyLength: try aesKeyOctets(keyLength, "ESP_AES_CTR"))
        case .aesGCM8: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ESP_AES_GCM_8"), icvLength: 8))
        case .aesGCM12: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ESP_AES_GCM_12"), icvLength: 12))
        case .aesGCM16: return .aead(try .aesGCM(keyLength: aesKeyOctets(keyLength, "ESP_AES_GCM_16"), icvLength: 16))
        case .aesCCM8, .aesCCM12, .aesCCM16: throw CryptoError.unsupportedAlgorithm("ESP_AES_CCM (\(id.rawValue))")
        case .nullAuthAESGMAC: throw CryptoError.unsupportedAlgorithm("ESP_NULL_AUTH_AES_GMAC")
        }
    }

    public static func encryption(espNumber number: UInt8, keyLength: UInt16?, allowLegacy: Bool = false) throws -> EncryptionAlgorithm {
        if let id = IPsecESPTransformID(rawValue: number) {
            return try encryption(esp: id, keyLength: keyLength, allowLegacy: allowLegacy)
        }
        switch number {
        case 1, 9: throw CryptoError.forbiddenAlgorithm("ESP_DES_IV64/ESP_DES_IV32 (DES)")
        default: throw CryptoError.unsupportedAlgorithm("ESP transform \(number)")
        }
    }

    /// The SA attribute Authentication Algorithm (class 5); `nil` when the attribute is absent
    /// (only valid with an AEAD transform, which the caller checks).
    public static func integrity(ipsec id: IPsecAuthenticationAlgorithm?, allowLegacy: Bool = false) throws -> IntegrityAlgorithm? {
        guard let id else { return nil }
        switch id {
        case .hmacMD5:
            try requireLegacy(allowLegacy, "HMAC-MD5")
            return .hmacMD5_96
        case .hmacSHA1: return .hmacSHA1_96
        case .hmacSHA2_256: return .hmacSHA2_256_128  // RFC 4868 §4: Authentication Algorithm 5, 6, 7
        case .hmacSHA2_384: return .hmacSHA2_384_192
        case .hmacSHA2_512: return .hmacSHA2_512_256
        }
    }

    public static func integrity(ipsecNumber number: UInt16?, allowLegacy: Bool = false) throws -> IntegrityAlgorithm? {
        guard let number else { return nil }
        if let id = IPsecAuthenticationAlgorithm(rawValue: number) { return try integrity(ipsec: id, allowLegacy: allowLegacy) }
        if number == 3 { throw CryptoError.forbiddenAlgorithm("DES-MAC") }
        throw CryptoError.unsupportedAlgorithm("IPsec authentication algorithm \(number)")
    }

    // MARK: IKEv1 phase 1 (RFC 2409 App. A) and the GDOI KEK (RFC 6407 §5.3.2)

    /// Phase-1 Encryption Algorithm (class 1) with Key Length (class 14, bits). Always CBC.
    public static func encryption(ikev1 id: IKEv1EncryptionAlgorithm, keyLength: UInt16?, allowLegacy: Bool = false) throws -> CBCCipher.Algorithm {
        switch id {
        case .desCBC: throw CryptoError.forbiddenAlgorithm("DES-CBC")
        case .tripleDESCBC:
            try requireLegacy(allowLegacy, "3DES-CBC")
            try fixedKey(keyLength, bits: 192, "3DES-CBC")
            return .tripleDES
        case .aesCBC: return try CBCCipher.Algorithm(aesKeyLength: aesKeyOctets(keyLength, "AES-CBC"))
        }
    }

    public static func encryption(ikev1Number number: UInt16, keyLength: UInt16?, allowLegacy: Bool = false) throws -> CBCCipher.Algorithm {
        guard let id = IKEv1EncryptionAlgorithm(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("IKEv1 encryption algorithm \(number)")
        }
        return try encryption(ikev1: id, keyLength: keyLength, allowLegacy: allowLegacy)
    }

    /// KEK_ALGORITHM with KEK_KEY_LENGTH (bits, RFC 6407 §5.3.3, optional for fixed-size
    /// ciphers). The GROUPKEY-PUSH is CBC-encrypted (RFC 6407 §5.3.2: KEK_ALG_AES is AES-CBC).
    public static func kek(gdoi id: GDOIKEKAlgorithm, keyLength: UInt16?, allowLegacy: Bool = false) throws -> CBCCipher.Algorithm {
        switch id {
        case .des: throw CryptoError.forbiddenAlgorithm("KEK_ALG_DES")
        case .tripleDES:
            try requireLegacy(allowLegacy, "KEK_ALG_3DES")
            try fixedKey(keyLength, bits: 192, "KEK_ALG_3DES")
            return .tripleDES
        case .aes: return try CBCCipher.Algorithm(aesKeyLength: aesKeyOctets(keyLength, "KEK_ALG_AES"))
        }
    }

    public static func kek(gdoiNumber number: UInt16, keyLength: UInt16?, allowLegacy: Bool = false) throws -> CBCCipher.Algorithm {
        guard let id = GDOIKEKAlgorithm(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("GDOI KEK algorithm \(number)")
        }
        return try kek(gdoi: id, keyLength: keyLength, allowLegacy: allowLegacy)
    }

    // MARK: Attribute rules

    static func requireLegacy(_ allowed: Bool, _ name: String) throws {
        guard allowed else { throw CryptoError.forbiddenAlgorithm("\(name) outside a legacy GDOI/IKEv1 SA") }
    }

    /// AES takes exactly 128, 192 or 256 bits, and the attribute must be present.
    private static func aesKeyOctets(_ bits: UInt16?, _ name: String) throws -> Int {
        guard let bits else {
            throw CryptoError.unsupportedAlgorithm("\(name) without the Key Length attribute it requires")
        }
        guard [128, 192, 256].contains(bits) else {
            throw CryptoError.unsupportedAlgorithm("\(name) with Key Length \(bits) bits")
        }
        return Int(bits) / 8
    }

    /// A fixed-size cipher: no attribute, or the cipher's own size.
    private static func fixedKey(_ bits: UInt16?, bits fixed: UInt16, _ name: String) throws {
        if let bits, bits != fixed {
            throw CryptoError.unsupportedAlgorithm("\(name) with Key Length \(bits) bits (fixed at \(fixed))")
        }
    }
}
