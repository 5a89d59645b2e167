import EngineCore
import GroupKeyCrypto
import LKH

/// What a registered member holds (RFC 9838 §2.3.3): the data-security SAs, the rekey SA, its
/// Sender-IDs and its Working Key Path, as checked and unwrapped from the GSA_AUTH response.
public struct GroupMemberHoldings: Sendable {
    public struct DataSecuritySA: Sendable, Equatable {
        /// 3 ESP, 2 AH (IKEv2 Security Protocol IDs).
        public var protocolID: UInt8
        public var spi: [UInt8]
        public var encryption: UInt16?
        public var keyBits: UInt16?
        public var integrity: UInt16?
        /// Sequence Numbers transform (RFC 9838 §4.4.2.1.3).
        public var sequenceNumbers: UInt16
        public var sourceSelector: String
        public var destinationSelector: String
        public var lifetimeSeconds: UInt32?
        /// Encryption key with salt, then integrity key.
        public var keyMaterial: SecretBytes
    }

    public struct RekeySA: Sendable, Equatable {
        public var spi: [UInt8]
        public var encryption: UInt16
        public var keyBits: UInt16?
        public var integrity: UInt16?
        public var keyWrap: UInt16
        /// GCAUTH: 1 implicit, 2 digital signature.
        public var authenticationMethod: UInt16
        public var signatureAlgorithmIdentifier: [UInt8]?
        /// The GCKS's rekey-signing key (AUTH_KEY), DER SubjectPublicKeyInfo.
        public var authKey: [UInt8]?
        public var destinationSelector: String
        public var lifetimeSeconds: UInt32?
        /// The first GSA_REKEY Message ID to accept (RFC 9838 §2.4.1.4; 0 when absent).
        public var initialMessageID: UInt32
        /// GSK_e | GSK_a | GSK_w.
        public var keyMaterial: SecretBytes
    }

    public var group: [UInt8]
    public var dataSecuritySAs: [DataSecuritySA]
    public var rekeySA: RekeySA?
    public var senderIDs: [UInt32]
    public var senderIDBits: UInt16?
    public var activationDelay: UInt16?
    public var deactivationDelay: UInt16?
    public var transportMode: Bool
    /// Root-most key first, the member's leaf last (RFC 9838 Appendix A.2).
    public var workingKeyPath: WorkingKeyPath
}
