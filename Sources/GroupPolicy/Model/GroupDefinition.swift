/// One group, described once for both protocols: everything a key server hands out and checks.
public struct GroupDefinition: Sendable, Equatable {
    /// Operator-facing name, unique across all policy files.
    public var name: String
    public var identity: GroupIdentity
    public var protocols: ServedProtocols
    public var migration: MigrationState
    public var keyServers: [KeyServerEndpoint]
    public var registration: RegistrationPolicy
    /// Who may join; empty means any member that authenticates.
    public var authorization: [AuthorizationEntry]
    public var dataSecurity: [DataSecurityPolicy]
    public var rekey: RekeyPolicy?
    public var timing: GroupTiming
    public var lkh: LKHParameters?

    public init(name: String, identity: GroupIdentity, protocols: ServedProtocols, migration: MigrationState,
                keyServers: [KeyServerEndpoint], registration: RegistrationPolicy,
                authorization: [AuthorizationEntry] = [], dataSecurity: [DataSecurityPolicy],
                rekey: RekeyPolicy? = nil, timing: GroupTiming = GroupTiming(), lkh: LKHParameters? = nil) {
        self.name = name
        self.identity = identity
        self.protocols = protocols
        self.migration = migration
        self.keyServers = keyServers
        self.registration = registration
        self.authorization = authorization
        self.dataSecurity = dataSecurity
        self.rekey = rekey
        self.timing = timing
        self.lkh = lkh
    }
}

/// The registration protocols the group is served over.
public struct ServedProtocols: Sendable, Equatable {
    public var gdoi: Bool
    public var gikev2: Bool

    public init(gdoi: Bool, gikev2: Bool) {
        self.gdoi = gdoi
        self.gikev2 = gikev2
    }

    /// The XML list tokens, in canonical order.
    public var tokens: [String] {
        (gdoi ? ["gdoi"] : []) + (gikev2 ? ["gikev2"] : [])
    }
}

/// Where the group stands in the GDOI to G-IKEv2 migration.
public enum MigrationState: String, Sendable, CaseIterable, Codable {
    /// GDOI members only; G-IKEv2 not yet offered.
    case legacy = "legacy"
    /// Both populations share one key state (the migration window).
    case dualStack = "dual-stack"
    /// G-IKEv2 only; GDOI retired.
    case migrated = "migrated"
}

/// A key server address members register with (UDP/TCP 848 by default, RFC 6407 §3.1 and
/// RFC 9838 §2.1).
public struct KeyServerEndpoint: Sendable, Equatable {
    public static let defaultPort: UInt16 = 848
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16 = KeyServerEndpoint.defaultPort) {
        self.address = address
        self.port = port
    }
}

/// How members authenticate at registration (IKEv1 phase 1 for GDOI, IKE_SA_INIT/GSA_AUTH for
/// G-IKEv2).
public struct RegistrationPolicy: Sendable, Equatable {
    public var preSharedKey: PreSharedKeySource?
    /// Names of the trust anchors that may certify members.
    public var certificateTrustAnchors: [String]
    /// Registration SA proposals, most preferred first.
    public var proposals: [RegistrationProposal]

    public init(preSharedKey: PreSharedKeySource? = nil, certificateTrustAnchors: [String] = [],
                proposals: [RegistrationProposal] = []) {
        self.preSharedKey = preSharedKey
        self.certificateTrustAnchors = certificateTrustAnchors
        self.proposals = proposals
    }
}

/// Where a pre-shared key comes from. Policies are shared files, so a key is only ever named.
public enum PreSharedKeySource: Sendable, Equatable {
    /// `secrets:NAME` (an entry of the secrets file given to the server) or `env:VARIABLE`.
    case reference(SecretReference)
    /// The file carried the key inline. The reader keeps no trace of the value: the validator
    /// reports it, and the writer never emits one.
    case inlineValueDiscarded
}

/// A named secret: where to look it up, and under which name.
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    public enum Store: String, Sendable, Codable {
        case secretsFile = "secrets"
        case environment = "env"
    }

    public var store: Store
    public var name: String

    public init(store: Store, name: String) {
        self.store = store
        self.name = name
    }

    /// Parses `secrets:NAME` or `env:NAME`; NAME is letters, digits, `_`, `.`, `-`.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"),
              let store = Store(rawValue: String(text[..<colon])) else { return nil }
        let name = String(text[text.index(after: colon)...])
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard !name.isEmpty, name.allSatisfy(allowed.contains) else { return nil }
        self.init(store: store, name: name)
    }

    public var description: String { "\(store.rawValue):\(name)" }
}

/// One registration SA proposal (IKEv1 phase 1 attributes for GDOI, IKE SA transforms for
/// G-IKEv2).
public struct RegistrationProposal: Sendable, Equatable {
    public var encryption: EncryptionAlgorithm
    public var keyLength: Int?
    public var integrity: IntegrityAlgorithm?
    public var prf: PRFAlgorithm
    public var keyExchange: KeyExchangeGroup

    public init(encryption: EncryptionAlgorithm, keyLength: Int? = nil, integrity: IntegrityAlgorithm? = nil,
                prf: PRFAlgorithm, keyExchange: KeyExchangeGroup) {
        self.encryption = encryption
        self.keyLength = keyLength
        self.integrity = integrity
        self.prf = prf
        self.keyExchange = keyExchange
    }
}

/// One entry of a group's authorization list.
public enum AuthorizationEntry: Sendable, Equatable {
    /// Every member of a declared member list.
    case memberList(String)
    /// One identity.
    case member(MemberIdentity)
}

/// Group-wide policy (GDOI GAP, RFC 6407 §5.4; G-IKEv2 GW policy, RFC 9838 §4.4.3): how long
/// senders wait before using a new SA and how long receivers keep an old one (RFC 5374 §4.2.1).
/// Both protocols carry them as 16-bit seconds.
public struct GroupTiming: Sendable, Equatable {
    public var activationDelay: UInt32?
    public var deactivationDelay: UInt32?

    public init(activationDelay: UInt32? = nil, deactivationDelay: UInt32? = nil) {
        self.activationDelay = activationDelay
        self.deactivationDelay = deactivationDelay
    }
}

/// Logical key hierarchy parameters (RFC 2627 §5.4; RFC 6407 §5.6.3; RFC 9838 §3.3).
public struct LKHParameters: Sendable, Equatable {
    /// Children per node; the project's engines build binary trees.
    public var degree: Int
    /// Capacity the tree is sized for.
    public var maximumMembers: Int

    public init(degree: Int = 2, maximumMembers: Int) {
        self.degree = degree
        self.maximumMembers = maximumMembers
    }
}
