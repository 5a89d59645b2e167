import EngineCore
import GIKEv2Wire
import GroupKeyCrypto

/// One IKE SA proposal a member offers, as IKEv2 transform numbers (RFC 7296 §3.3.2).
public struct IKEProposal: Sendable, Equatable {
    public var encryption: UInt16
    /// Key Length attribute in bits (AES); nil for fixed-size ciphers.
    public var keyBits: UInt16?
    /// Nil with an AEAD cipher.
    public var integrity: UInt16?
    public var prf: UInt16
    public var keyExchange: UInt16

    public init(encryption: UInt16, keyBits: UInt16?, integrity: UInt16?, prf: UInt16, keyExchange: UInt16) {
        self.encryption = encryption
        self.keyBits = keyBits
        self.integrity = integrity
        self.prf = prf
        self.keyExchange = keyExchange
    }

    /// The demo group's registration proposal: AES-CBC-256, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256,
    /// 2048-bit MODP (Policies/demo-group-1001.xml).
    public static let demo = IKEProposal(encryption: 12, keyBits: 256, integrity: 12, prf: 5, keyExchange: 14)
}

/// What a member is willing to accept from the GCKS's policy. When set, the member also sends it
/// as SAg (RFC 9838 §2.3.3, §4.3) so the GCKS can refuse early with NO_PROPOSAL_CHOSEN.
public struct AcceptableGroupPolicy: Sendable, Equatable {
    /// (ENCR transform ID, Key Length bits or nil).
    public var encryption: [EncryptionChoice]
    public var integrity: [UInt16]
    public var keyWraps: [UInt16]

    public struct EncryptionChoice: Sendable, Equatable {
        public var id: UInt16
        public var keyBits: UInt16?
        public init(id: UInt16, keyBits: UInt16?) {
            self.id = id
            self.keyBits = keyBits
        }
    }

    public init(encryption: [EncryptionChoice], integrity: [UInt16], keyWraps: [UInt16]) {
        self.encryption = encryption
        self.integrity = integrity
        self.keyWraps = keyWraps
    }
}

/// How a member registers to one group.
public struct GroupMemberConfiguration: Sendable {
    public var server: EndpointAddress
    /// Our own address and port, hashed into NAT_DETECTION_SOURCE_IP (RFC 7296 §2.23).
    public var localEndpoint: EndpointAddress
    /// IDg (RFC 9838 §4.2): ID_KEY_ID for the demo group, 4 octets big-endian.
    public var groupID: IdentificationPayload
    /// IDi (RFC 7296 §3.5).
    public var identity: IdentificationPayload
    /// The group's PSK, to authenticate with and to check a PSK AUTH from the GCKS.
    public var preSharedKey: SecretBytes?
    /// Our certificate and key: when set, we authenticate by RFC 7427 signature instead of PSK.
    public var credential: SignatureCredential?
    /// Trust anchors for the GCKS's certificate, when it authenticates by signature.
    public var trustAnchors: TrustStore?
    /// Proposals in order of preference; the first one's KE group is sent in KEi.
    public var proposals: [IKEProposal]
    /// Key-wrap algorithms offered in the IKE SA proposal (RFC 9838 §4.5.4).
    public var keyWraps: [UInt16]
    /// Sender-IDs to ask for with N(GROUP_SENDER); nil for a receive-only member.
    public var senderIDsRequested: UInt32?
    /// If set, sent as SAg and enforced on the GSA received.
    public var acceptable: AcceptableGroupPolicy?
    public var retransmission: RetransmissionSchedule
    /// Nonce length we send (RFC 7296 §2.10: at least half the PRF key, at least 16).
    public var nonceLength: Int
    /// Whether IKE_SA_INIT announces IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).
    public var announceFragmentation: Bool = true
    /// Largest request sent whole once fragmentation is negotiated; nil for the RFC 7383 §2.5.1
    /// defaults (576-octet IPv4, 1280-octet IPv6 datagrams).
    public var maximumMessageSize: Int?
    /// G-IKEv2 registration (GSA_AUTH), or a plain IKEv2 IKE SA with a childless IKE_AUTH
    /// (RFC 6023) against any IKEv2 responder (GroupMemberInitiator+Childless.swift).
    public var mode: InitiatorMode = .groupRegistration

    public init(server: EndpointAddress, localEndpoint: EndpointAddress, groupID: IdentificationPayload,
                identity: IdentificationPayload, preSharedKey: SecretBytes?, credential: SignatureCredential? = nil,
                trustAnchors: TrustStore? = nil, proposals: [IKEProposal] = [.demo],
                keyWraps: [UInt16] = [3, 2, 1], senderIDsRequested: UInt32? = nil, acceptable: AcceptableGroupPolicy? = nil,
                retransmission: RetransmissionSchedule = .standard, nonceLength: Int = 32) {
        precondition(!proposals.isEmpty && proposals.count <= 255, "a member offers 1 to 255 proposals (8-bit Proposal Num)")
        precondition(preSharedKey != nil || credential != nil, "a member authenticates with a PSK or a certificate")
        self.server = server
        self.localEndpoint = localEndpoint
        self.groupID = groupID
        self.identity = identity
        self.preSharedKey = preSharedKey
        self.credential = credential
        self.trustAnchors = trustAnchors
        self.proposals = proposals
        self.keyWraps = keyWraps
        self.senderIDsRequested = senderIDsRequested
        self.acceptable = acceptable
        self.retransmission = retransmission
        self.nonceLength = nonceLength
    }
}
