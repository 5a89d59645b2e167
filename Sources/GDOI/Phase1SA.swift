import EngineCore
import GDOIWire
import GroupKeyCrypto

/// An established IKEv1 phase-1 SA (the ISAKMP SA of RFC 2409 §5), as the phase-2 exchanges that run
/// under it need it: GROUPKEY-PULL (RFC 6407 §3.2) and Informational exchanges (RFC 2408 §4.8).
/// Main Mode and Aggressive Mode produce it; nothing in it is specific to the mode used.
public struct Phase1SA: Sendable {
    public enum Role: Sendable, Equatable { case initiator, responder }

    /// Who the authenticated peer is, as the authorization list of a group matches it.
    public enum PeerCredential: Sendable, Equatable {
        /// Authenticated by the pre-shared key found for this identity (RFC 2409 §5.4).
        case preSharedKey(identity: String)
        /// Authenticated by an RSA signature; the certificate subject as a one-line DN.
        case certificate(subject: String)
    }

    /// The cookie pair (RFC 2408 §3.1), 8 octets each; together they name the ISAKMP SA.
    public let initiatorCookie: [UInt8]
    public let responderCookie: [UInt8]
    public let role: Role
    /// Phase-1 cipher: AES-CBC or 3DES-CBC (legacy), with the negotiated key length.
    public let cipher: CBCCipher.Algorithm
    /// The negotiated Hash Algorithm (RFC 2409 §5): its HMAC is the PRF of HASH(1..4) in GROUPKEY-PULL.
    public let hash: DigestAlgorithm
    public let prf: PseudorandomFunction
    /// SKEYID, SKEYID_d, SKEYID_a, SKEYID_e (RFC 2409 §5).
    public let keys: IKEv1SessionKeys
    /// The cipher key taken from SKEYID_e, expanded as RFC 2409 App. B says when it is too short.
    public let encryptionKey: SecretBytes
    /// The last CBC block of the final phase-1 message: every phase-2 exchange's first IV is
    /// hash(this | M-ID) (RFC 2409 App. B), computed by `IKEv1KeyDerivation.phase2InitialIV`.
    public let lastPhase1Block: [UInt8]
    public let localIdentity: ISAKMPIdentification
    public let peerIdentity: ISAKMPIdentification
    public let peerCredential: PeerCredential
    /// Where the peer's messages come from (after NAT-T floating, RFC 3947 §4).
    public let peerAddress: EndpointAddress
    /// The peer framed its messages with the four-zero-octet non-ESP marker (RFC 3948 §2.2); answers
    /// use the same framing.
    public let usesNonESPMarker: Bool
    public let establishedAtMilliseconds: Int64
    /// Negotiated SA Life Duration in seconds (RFC 2409 App. A, Life Type 1).
    public let lifetimeSeconds: UInt32

    public init(initiatorCookie: [UInt8], responderCookie: [UInt8], role: Role, cipher: CBCCipher.Algorithm,
                hash: DigestAlgorithm, prf: PseudorandomFunction, keys: IKEv1SessionKeys, encryptionKey: SecretBytes,
                lastPhase1Block: [UInt8], localIdentity: ISAKMPIdentification, peerIdentity: ISAKMPIdentification,
                peerCredential: PeerCredential, peerAddress: EndpointAddress, usesNonESPMarker: Bool,
                establishedAtMilliseconds: Int64, lifetimeSeconds: UInt32) {
        precondition(initiatorCookie.count == 8 && responderCookie.count == 8, "ISAKMP cookies are 8 octets")
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.role = role
        self.cipher = cipher
        self.hash = hash
        self.prf = prf
        self.keys = keys
        self.encryptionKey = encryptionKey
        self.lastPhase1Block = lastPhase1Block
        self.localIdentity = localIdentity
        self.peerIdentity = peerIdentity
        self.peerCredential = peerCredential
        self.peerAddress = peerAddress
        self.usesNonESPMarker = usesNonESPMarker
        self.establishedAtMilliseconds = establishedAtMilliseconds
        self.lifetimeSeconds = lifetimeSeconds
    }
}
