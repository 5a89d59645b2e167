import GroupKeyCrypto
import GroupPolicy

/// One data-security SA (TEK) of a group as both protocols hand it out: GDOI as SA TEK + TEK key
/// packet, G-IKEv2 as GSA TEK policy + Group Key Bag. Same SPI, same key octets, same selectors,
/// so members of either protocol exchange traffic (ARCHITECTURE.md, shared key hierarchy).
public struct DataSecuritySA: Sendable, Equatable {
    /// The policy entry this SA implements (name, protocol, algorithms, selectors, lifetime).
    public let policy: DataSecurityPolicy
    /// 4-octet SPI (RFC 4303 §2.1), chosen by the GCKS; never 0-255 (reserved by IANA).
    public let spi: [UInt8]
    /// Encryption key with its salt/nonce, then the integrity key (RFC 7296 §2.17;
    /// WIRE-REFERENCE §18.9).
    public let keyMaterial: SecretBytes
    /// Lengths of the two parts of `keyMaterial`.
    public let encryptionKeyLength: Int
    public let integrityKeyLength: Int
    /// When the GCKS created it, in engine milliseconds (for lifetimes left).
    public let createdAtMilliseconds: Int64

    public init(policy: DataSecurityPolicy, spi: [UInt8], keyMaterial: SecretBytes, encryptionKeyLength: Int,
                integrityKeyLength: Int, createdAtMilliseconds: Int64) {
        precondition(spi.count == 4, "ESP/AH SPIs are 4 octets")
        precondition(keyMaterial.count == encryptionKeyLength + integrityKeyLength, "KEYMAT is encryption then integrity key")
        self.policy = policy
        self.spi = spi
        self.keyMaterial = keyMaterial
        self.encryptionKeyLength = encryptionKeyLength
        self.integrityKeyLength = integrityKeyLength
        self.createdAtMilliseconds = createdAtMilliseconds
    }

    /// True for a counter-mode cipher, whose senders need Sender-IDs (RFC 6054 §3).
    public var isCounterMode: Bool {
        policy.encryption.map { AlgorithmCatalog.entry($0).isCounterMode } ?? false
    }
}

/// The group's rekey SA: the GDOI KEK and the G-IKEv2 GIKE_UPDATE SA (RFC 9838 §4.4.2, §3.4).
public struct RekeySA: Sendable, Equatable {
    public let policy: RekeyPolicy
    /// 16 octets: GDOI's cookie pair, G-IKEv2's Initiator SPI | Responder SPI (RFC 9838 §4.4.2).
    public let spi: [UInt8]
    /// KEYMAT = GSK_e | GSK_a | GSK_w (RFC 9838 §3.4; WIRE-REFERENCE §18.8).
    public let keyMaterial: SecretBytes
    public let encryptionKeyLength: Int
    public let integrityKeyLength: Int
    public let keyWrapKeyLength: Int
    /// The Message ID the next GSA_REKEY carries; 0 on a new rekey SA (RFC 9838 §2.4.1.3).
    public var nextMessageID: UInt32
    /// Scheme of the rekey signature when GCAUTH is Digital Signature.
    public let signatureScheme: SignatureScheme?
    /// DER SubjectPublicKeyInfo of the signing key (AUTH_KEY, RFC 9838 §4.5.3.2).
    public let signingPublicKey: [UInt8]?

    public init(policy: RekeyPolicy, spi: [UInt8], keyMaterial: SecretBytes, encryptionKeyLength: Int,
                integrityKeyLength: Int, keyWrapKeyLength: Int, nextMessageID: UInt32 = 0,
                signatureScheme: SignatureScheme?, signingPublicKey: [UInt8]?) {
        precondition(spi.count == 16, "the rekey SA SPI is 16 octets")
        precondition(keyMaterial.count == encryptionKeyLength + integrityKeyLength + keyWrapKeyLength,
                     "KEYMAT is GSK_e | GSK_a | GSK_w")
        self.policy = policy
        self.spi = spi
        self.keyMaterial = keyMaterial
        self.encryptionKeyLength = encryptionKeyLength
        self.integrityKeyLength = integrityKeyLength
        self.keyWrapKeyLength = keyWrapKeyLength
        self.nextMessageID = nextMessageID
        self.signatureScheme = signatureScheme
        self.signingPublicKey = signingPublicKey
    }
}

/// Group-wide values both protocols send: GDOI GAP, G-IKEv2 GW policy (RFC 9838 §4.4.3).
public struct GroupWideValues: Sendable, Equatable {
    /// GWP_ATD / ACTIVATION_TIME_DELAY, seconds (16-bit on the wire).
    public var activationDelay: UInt16?
    /// GWP_DTD / DEACTIVATION_TIME_DELAY, seconds.
    public var deactivationDelay: UInt16?
    /// GWP_SENDER_ID_BITS, when some TEK uses a counter-mode cipher with Sender-IDs.
    public var senderIDBits: Int?
}
