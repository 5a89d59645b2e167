import GroupPolicy

/// A value read from an export, with where it was read.
public struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, _ location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// One GDOI group as a key server holds it, shaped on RFC 6407: the group identity (§5.1), the
/// SA KEK (§5.3), the SA TEKs (§5.5), the GAP (§5.4), plus what surrounds them on a real key
/// server (registration authentication, authorization, redundancy). The three readers fill it;
/// the mapper turns it into a native policy. Vendor features with no place here are reported by
/// the reader directly, in `notes`.
public struct LegacyGroup: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        /// ID_KEY_ID: the group number (Cisco `identity number`, Junos `group-id`).
        case number(UInt64)
        /// ID_IPV4_ADDR (Cisco `identity address ipv4`).
        case address(String)
        case missing
    }

    public var name: String
    public var location: SourceLocation
    public var format: ExportFormat
    public var identity: Located<Identity>
    /// The key servers members register with, in order (this server first, then COOP peers).
    public var keyServers: [Located<String>] = []
    /// Whether the device served GDOI (Cisco `server local gdoi`; always for Junos).
    public var servesGDOI = true
    /// The IKEv2 profile when the device already served G-IKEv2 (Cisco `server local gikev2`).
    public var gikev2Profile: Located<String>?
    public var registration = LegacyRegistration()
    public var authorization: [Located<MemberIdentity>] = []
    /// Named identity lists the export refers to but does not spell out.
    public var authorizationLists: [Located<String>] = []
    public var kek: LegacyKEK?
    public var teks: [LegacyTEK] = []
    /// GAP ACTIVATION_TIME_DELAY / DEACTIVATION_TIME_DELAY, seconds (RFC 6407 §5.4).
    public var activationDelay: Located<UInt64>?
    public var deactivationDelay: Located<UInt64>?
    /// Sender-ID width for counter-mode TEKs (RFC 6054 §3; Cisco `group size`).
    public var senderIDBits: Located<Int>?
    /// Largest number of members the group admits (Junos `member-threshold`).
    public var memberThreshold: Located<UInt64>?
    /// Items the reader already decided (features with no native equivalent, bad values).
    public var notes: [ReportItem] = []

    public init(name: String, location: SourceLocation, format: ExportFormat, identity: Located<Identity>) {
        self.name = name
        self.location = location
        self.format = format
        self.identity = identity
    }
}

/// How members authenticate when they register (IKEv1 phase 1 for GDOI; IKEv2 for G-IKEv2).
public struct LegacyRegistration: Sendable, Equatable {
    /// Pre-shared keys by the deterministic reference name the importer gives them; the key
    /// itself is never read into the model.
    public var preSharedKeys: [Located<String>] = []
    /// Certificate (RSA signature) authentication: the name of the trust point or certificate.
    public var certificate: Located<String>?
    public var proposals: [Located<LegacyProposal>] = []

    public init() {}
}

/// One phase 1 proposal: Cisco `crypto isakmp policy`, Junos `ike proposal`.
public struct LegacyProposal: Sendable, Equatable {
    public var name: String
    public var cipher: LegacyCipher
    public var hash: LegacyHash
    public var dhGroup: LegacyDHGroup

    public init(name: String, cipher: LegacyCipher, hash: LegacyHash, dhGroup: LegacyDHGroup) {
        self.name = name
        self.cipher = cipher
        self.hash = hash
        self.dhGroup = dhGroup
    }
}

/// The rekey SA: RFC 6407 §5.3 SA KEK.
public struct LegacyKEK: Sendable, Equatable {
    public enum Transport: Sendable, Equatable {
        /// GROUPKEY-PUSH to a multicast group; the destination comes from the rekey ACL (Cisco)
        /// or `multicast-group` (Junos v1).
        case multicast(destination: Located<String>?, port: UInt16)
        case unicast
    }

    public var location: SourceLocation
    public var transport: Transport
    public var cipher: Located<LegacyCipher>?
    public var lifetimeSeconds: Located<UInt64>?
    public var retransmitCount: Located<Int>?
    public var retransmitInterval: Located<Int>?
    public var signatureHash: Located<LegacyHash>?
    /// The label of the RSA key pair that signs GROUPKEY-PUSH (never the key).
    public var signingKey: Located<String>?

    public init(location: SourceLocation, transport: Transport) {
        self.location = location
        self.transport = transport
    }
}

/// One data-security SA: RFC 6407 §5.5 SA TEK with its traffic selectors.
public struct LegacyTEK: Sendable, Equatable {
    public enum Replay: Sendable, Equatable {
        case counter(window: UInt64)
        /// Time-based anti-replay, in milliseconds whatever unit the device used.
        case time(milliseconds: UInt64, deviceUnit: String)
    }

    public var name: String
    public var location: SourceLocation
    public var cipher: Located<LegacyCipher>?
    public var integrity: Located<LegacyHash>?
    public var lifetimeSeconds: Located<UInt64>?
    public var replay: Located<Replay>?
    public var transportMode = false
    public var selectors: [LegacySelector] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// One ACL line or match policy, already in prefix/port-range form.
public struct LegacySelector: Sendable, Equatable {
    public var permit: Bool
    public var ipProtocol: UInt8?
    public var source: IPPrefix
    public var destination: IPPrefix
    /// Several ranges when the line had `eq p1 p2 …` or `neq`; each becomes its own selector.
    public var sourcePorts: [PortRange]
    public var destinationPorts: [PortRange]
    public var location: SourceLocation

    public init(permit: Bool, ipProtocol: UInt8?, source: IPPrefix, destination: IPPrefix,
                sourcePorts: [PortRange] = [.any], destinationPorts: [PortRange] = [.any], location: SourceLocation) {
        self.permit = permit
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.location = location
    }

    /// "permit udp 10.0.0.0/8 any -> 239.1.1.1/32 848" for messages.
    public var summary: String {
        let ports: ([PortRange]) -> String = { ranges in
            ranges == [.any] ? "" : " port " + ranges.map(\.description).joined(separator: ",")
        }
        return "\(permit ? "permit" : "deny") \(TrafficSelector.protocolToken(ipProtocol)) \(source)\(ports(sourcePorts)) -> \(destination)\(ports(destinationPorts))"
    }
}
