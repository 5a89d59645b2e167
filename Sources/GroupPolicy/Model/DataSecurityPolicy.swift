/// One data-security SA (TEK) the group hands out: GDOI SA TEK (RFC 6407 §5.5), G-IKEv2 GSA TEK
/// policy (RFC 9838 §4.4.2). Both protocols render the same SA from this one record.
public struct DataSecurityPolicy: Sendable, Equatable {
    public enum SecurityProtocol: String, Sendable, CaseIterable, Codable {
        case esp = "esp"
        case ah = "ah"
    }

    public enum Mode: String, Sendable, CaseIterable, Codable {
        /// Without USE_TRANSPORT_MODE, G-IKEv2 SAs are tunnel mode with address preservation
        /// (RFC 9838 §2.3.4).
        case tunnel = "tunnel"
        case transport = "transport"
    }

    /// RFC 5374 §3.1 address preservation; GDOI attribute 14 (RFC 6407 §5.5.1.1.1), whose
    /// default is source-and-destination.
    public enum AddressPreservation: String, Sendable, CaseIterable, Codable {
        case none = "none"
        case sourceOnly = "source-only"
        case destinationOnly = "destination-only"
        case sourceAndDestination = "source-and-destination"
    }

    /// Unique within the group.
    public var name: String
    public var securityProtocol: SecurityProtocol
    public var mode: Mode
    public var addressPreservation: AddressPreservation
    public var selectors: [TrafficSelector]
    /// Required for ESP, absent for AH.
    public var encryption: EncryptionAlgorithm?
    public var keyLength: Int?
    /// Absent with an AEAD cipher (RFC 9838 §4.4.2.1); required otherwise.
    public var integrity: IntegrityAlgorithm?
    public var lifetimeSeconds: UInt32
    public var antiReplay: AntiReplay
    /// Bits of the IV that carry the sender's ID, for counter-mode ciphers shared by several
    /// senders (RFC 6054 §3; RFC 9838 §2.5; GWP_SENDER_ID_BITS / NUMBER_OF_SID_BITS).
    public var senderIDBits: Int?

    public init(name: String, securityProtocol: SecurityProtocol = .esp, mode: Mode = .tunnel,
                addressPreservation: AddressPreservation = .sourceAndDestination, selectors: [TrafficSelector],
                encryption: EncryptionAlgorithm?, keyLength: Int? = nil, integrity: IntegrityAlgorithm? = nil,
                lifetimeSeconds: UInt32, antiReplay: AntiReplay = .none, senderIDBits: Int? = nil) {
        self.name = name
        self.securityProtocol = securityProtocol
        self.mode = mode
        self.addressPreservation = addressPreservation
        self.selectors = selectors
        self.encryption = encryption
        self.keyLength = keyLength
        self.integrity = integrity
        self.lifetimeSeconds = lifetimeSeconds
        self.antiReplay = antiReplay
        self.senderIDBits = senderIDBits
    }
}

/// Replay protection for the SA's receivers.
public enum AntiReplay: Sendable, Equatable {
    case none
    /// Sequence-number window (RFC 4303 §3.4.3), in packets.
    case counter(window: UInt32)
    /// Time-based anti-replay, in seconds of tolerated clock skew.
    case time(windowSeconds: UInt32)
}

/// One traffic selector: which packets the SA protects (RFC 7296 §3.13.1 as used in a GSA policy;
/// RFC 6407 §5.5.1 SRC/DST identities).
public struct TrafficSelector: Sendable, Equatable {
    /// IP protocol number; nil for any.
    public var ipProtocol: UInt8?
    public var source: IPPrefix
    public var destination: IPPrefix
    public var sourcePorts: PortRange
    public var destinationPorts: PortRange

    public init(ipProtocol: UInt8? = nil, source: IPPrefix, destination: IPPrefix,
                sourcePorts: PortRange = .any, destinationPorts: PortRange = .any) {
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
    }

    /// True when some packet matches both selectors.
    public func overlaps(_ other: TrafficSelector) -> Bool {
        if let mine = ipProtocol, let theirs = other.ipProtocol, mine != theirs { return false }
        return source.overlaps(other.source) && destination.overlaps(other.destination)
            && sourcePorts.overlaps(other.sourcePorts) && destinationPorts.overlaps(other.destinationPorts)
    }

    /// XML protocol token: a name for the common ones, else the number.
    public static func protocolToken(_ number: UInt8?) -> String {
        switch number {
        case nil: return "any"
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 58: return "ipv6-icmp"
        case let value?: return String(value)
        }
    }

    /// Inverse of `protocolToken`; nil result with `valid == false` for junk.
    public static func protocolNumber(_ token: String) -> (number: UInt8?, valid: Bool) {
        switch token {
        case "any": return (nil, true)
        case "icmp": return (1, true)
        case "tcp": return (6, true)
        case "udp": return (17, true)
        case "ipv6-icmp": return (58, true)
        default:
            guard let value = UInt8(token), String(value) == token else { return (nil, false) }
            return (value, true)
        }
    }
}
