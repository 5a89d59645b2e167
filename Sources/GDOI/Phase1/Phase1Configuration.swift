import EngineCore
import GDOIWire
import GroupKeyCrypto
import GroupKeyTypes

/// Authentication Method, IKEv1 attribute class 3 (RFC 2409 App. A): the two groupkey speaks.
public enum Phase1AuthenticationMethod: UInt16, Sendable, Hashable, CaseIterable {
    case preSharedKey = 1
    /// RSA signatures over HASH_I/HASH_R, with certificates (RFC 2409 §5.1).
    case rsaSignature = 3
}

/// Main Mode (identity protection, six messages) or Aggressive Mode (three) (RFC 2409 §5).
public enum Phase1Mode: Sendable, Hashable {
    case main, aggressive

    public var exchangeType: UInt8 {
        self == .main ? ISAKMPExchangeType.identityProtection : ISAKMPExchangeType.aggressive
    }
}

/// One acceptable phase-1 transform (RFC 2409 App. A): cipher, hash (also the PRF, through its
/// HMAC), Diffie-Hellman group, authentication method and SA life in seconds.
public struct Phase1Proposal: Sendable, Hashable, CustomStringConvertible {
    public var cipher: CBCCipher.Algorithm
    public var hash: IKEv1HashAlgorithm
    public var group: KeyExchangeMethodID
    public var authentication: Phase1AuthenticationMethod
    /// Life Type seconds, Life Duration (RFC 2409 App. A, classes 11 and 12).
    public var lifetimeSeconds: UInt32

    public init(cipher: CBCCipher.Algorithm, hash: IKEv1HashAlgorithm, group: KeyExchangeMethodID,
                authentication: Phase1AuthenticationMethod, lifetimeSeconds: UInt32 = 86_400) {
        self.cipher = cipher
        self.hash = hash
        self.group = group
        self.authentication = authentication
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// 3DES and the 1024/1536-bit MODP groups are legacy (RFC 8247 §2.4, §2.5 for IKEv2 alike):
    /// accepted only when the configuration allows legacy peers, and then logged.
    public var isLegacy: Bool {
        cipher == .tripleDES || group == .modp1024 || group == .modp1536
    }

    /// What this suite may be used with at all: no MD5, no DES, no group 1, only AES-128/256 and
    /// 3DES ciphers, and only the DH groups the assignment names (2, 5, 14, 19, 20).
    public var isSupported: Bool {
        hash != .md5 && cipher != .aes192
            && [.modp1024, .modp1536, .modp2048, .ecp256, .ecp384].contains(group)
    }

    public var description: String {
        "\(cipher.parameters.name)/HMAC-\(PseudorandomFunction(ikev1: hash).digest)/group \(group.rawValue)/"
            + "\(authentication == .preSharedKey ? "PSK" : "RSA-SIG")/\(lifetimeSeconds)s"
    }

    /// The suites groupkey offers and accepts when configured with none: AES-CBC with SHA-2 over
    /// groups 14, 19 and 20, for both authentication methods.
    public static func defaults(authentication: Phase1AuthenticationMethod) -> [Phase1Proposal] {
        [
            Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: authentication),
            Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .modp2048, authentication: authentication),
            Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .ecp256, authentication: authentication),
            Phase1Proposal(cipher: .aes256, hash: .sha2_384, group: .ecp384, authentication: authentication),
            Phase1Proposal(cipher: .aes256, hash: .sha2_512, group: .modp2048, authentication: authentication),
            Phase1Proposal(cipher: .aes128, hash: .sha1, group: .modp2048, authentication: authentication),
        ]
    }
}

/// What authenticates us and our peers in phase 1.
public struct Phase1Credentials: Sendable {
    /// Pre-shared keys by the peer's IP address (4 or 16 octets): Main Mode must pick the key
    /// before it has seen the peer's identity, so only the address can choose (RFC 2409 §5.4).
    public var preSharedKeysByAddress: [[UInt8]: SecretBytes]
    /// Pre-shared keys by the identification data of the peer's ID payload (Aggressive Mode,
    /// where the ID comes in the first message).
    public var preSharedKeysByIdentity: [[UInt8]: SecretBytes]
    /// Used when no address or identity entry matches (a group-wide key; nil: refuse).
    public var fallbackPreSharedKey: SecretBytes?
    /// Our RSA key and certificate, for RSA-signature authentication.
    public var signingKey: SigningKey?
    public var certificate: Certificate?
    /// Anchors a peer's certificate must chain to (RFC 5280 §6).
    public var trustStore: TrustStore?

    public init(preSharedKeysByAddress: [[UInt8]: SecretBytes] = [:], preSharedKeysByIdentity: [[UInt8]: SecretBytes] = [:],
                fallbackPreSharedKey: SecretBytes? = nil, signingKey: SigningKey? = nil, certificate: Certificate? = nil,
                trustStore: TrustStore? = nil) {
        self.preSharedKeysByAddress = preSharedKeysByAddress
        self.preSharedKeysByIdentity = preSharedKeysByIdentity
        self.fallbackPreSharedKey = fallbackPreSharedKey
        self.signingKey = signingKey
        self.certificate = certificate
        self.trustStore = trustStore
    }

    func preSharedKey(forAddress address: [UInt8]) -> SecretBytes? {
        preSharedKeysByAddress[address] ?? fallbackPreSharedKey
    }

    func preSharedKey(forIdentity data: [UInt8]) -> SecretBytes? {
        preSharedKeysByIdentity[data] ?? fallbackPreSharedKey
    }
}

/// How one side runs phase 1, apart from the per-exchange state.
public struct Phase1Configuration: Sendable {
    /// Acceptable suites, most preferred first: an initiator offers them in this order; a
    /// responder takes the first transform the initiator offered that matches one of them.
    public var proposals: [Phase1Proposal]
    /// Accept (and offer) legacy suites (3DES, DH groups 2 and 5), each use logged as legacy.
    public var allowLegacy: Bool
    /// Our identity (RFC 2407 §4.6.2). For PSK in Main Mode peers usually expect our address.
    public var identity: ISAKMPIdentification
    /// Our identity when we authenticate with an RSA signature: peers check it against our
    /// certificate (subject or subjectAltName). Nil: `identity`.
    public var certificateIdentity: ISAKMPIdentification?
    public var credentials: Phase1Credentials
    /// The address and port we receive on: hashed into NAT-D (RFC 3947 §3.2).
    public var localEndpoint: EndpointAddress
    /// Our nonce length, within RFC 2409 §5's 8..256 octets.
    public var nonceLength: Int
    /// An exchange that has not completed after this long is forgotten.
    public var halfOpenLifetimeMilliseconds: Int64
    /// Initiator retransmissions (RFC 2408 §5: the retransmission timer is implementation's own).
    public var retransmission: RetransmissionSchedule
    /// Answer NAT-T (RFC 3947) when the peer sends its vendor ID.
    public var natTraversal: Bool
    /// Initiator: when NAT-D shows a NAT, move to this port of the responder from Main Mode message 5
    /// (Aggressive Mode message 3) on, behind the non-ESP marker (RFC 3947 §4). Nil: stay put.
    public var natTraversalPort: UInt16? = 4500
    /// Initiator: send INITIAL-CONTACT with our authentication (RFC 2407 §4.6.3.3), telling the
    /// responder that any older SA with us is dead. Off by default: no HASH covers a Notify in
    /// message 5, so it is octets an attacker may alter unnoticed, and our member deletes its SA
    /// when done anyway. The key server honours it from peers that send it (strongSwan does).
    public var sendInitialContact = false
    /// DEBUG ONLY, nil by default: called once per ISAKMP SA with the keys Wireshark needs, as soon
    /// as they are derived (`serve --ike-key-log`).
    public var keyLog: (@Sendable (Phase1KeyLogRecord) -> Void)?
    /// Responder: at most this many unfinished negotiations; more first messages are dropped
    /// (ISAKMP has no stateless cookie, so this bounds what a flood of message 1 can hold).
    public var maximumHalfOpen = 10_000
    /// The DOI of the phase-1 SA payload an initiator sends: GDOI (2) by default (RFC 6407 §2.1).
    public var doi: UInt32

    public init(proposals: [Phase1Proposal], allowLegacy: Bool = false, identity: ISAKMPIdentification,
                credentials: Phase1Credentials, localEndpoint: EndpointAddress, nonceLength: Int = 32,
                halfOpenLifetimeMilliseconds: Int64 = 30_000, retransmission: RetransmissionSchedule = .standard,
                natTraversal: Bool = true, doi: UInt32 = ISAKMPDOI.gdoi) {
        self.proposals = proposals
        self.allowLegacy = allowLegacy
        self.identity = identity
        self.credentials = credentials
        self.localEndpoint = localEndpoint
        self.nonceLength = nonceLength
        self.halfOpenLifetimeMilliseconds = halfOpenLifetimeMilliseconds
        self.retransmission = retransmission
        self.natTraversal = natTraversal
        self.doi = doi
    }

    /// The identity we send for a suite's authentication method.
    func localIdentity(for proposal: Phase1Proposal?) -> ISAKMPIdentification {
        proposal?.authentication == .rsaSignature ? (certificateIdentity ?? identity) : identity
    }

    /// The configured proposals this configuration may use (supported, legacy only if allowed).
    var usableProposals: [Phase1Proposal] {
        proposals.filter { $0.isSupported && (allowLegacy || !$0.isLegacy) }
    }
}

extension ISAKMPIdentification {
    /// ID_IPV4_ADDR / ID_IPV6_ADDR (RFC 2407 §4.6.2.1) for an endpoint's address.
    public static func address(_ endpoint: EndpointAddress) -> ISAKMPIdentification {
        ISAKMPIdentification(idType: endpoint.isIPv6 ? 5 : ISAKMPIdentification.ipv4Address, data: endpoint.addressOctets)
    }

    /// ID_FQDN (RFC 2407 §4.6.2.1).
    public static func fqdn(_ name: String) -> ISAKMPIdentification {
        ISAKMPIdentification(idType: ISAKMPIdentification.fqdn, data: Array(name.utf8))
    }

    /// A one-line rendering for logs and authorization lists.
    public var displayString: String {
        switch idType {
        case 1 where data.count == 4: return data.map(String.init).joined(separator: ".")
        case 5 where data.count == 16: return EndpointAddress(addressOctets: data, port: 0).description.dropLast(2).description
        case 2, 3, 9: return String(decoding: data, as: UTF8.self)
        default: return "id type \(idType): " + data.hexString
        }
    }
}
