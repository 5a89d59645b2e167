import GroupKeyCrypto

/// What a protocol engine asks its surroundings to do. Engines are pure: every input returns a
/// list of actions, which the transport performs in order (persist before the send that follows
/// it, so nothing a peer sees can be lost in a crash).
public enum Action: Sendable, Equatable {
    /// Send one datagram (an IKE message without any non-ESP marker; the transport adds the
    /// framing the peer used) to `to`.
    case send(datagram: [UInt8], to: EndpointAddress)
    /// Call `tick(now:)` at or after `at`. Replaces a pending timer with the same ID.
    case scheduleTimer(TimerID, at: EngineTime)
    case cancelTimer(TimerID)
    /// Install an SA in the member's holdings (kernel SAD or the userspace table).
    case installSA(SAInstallation)
    /// Remove an SA installed before.
    case removeSA(SAReference)
    /// Make a change durable before anything after it in the same list is performed.
    case persist(PersistRecord)
    /// A log line. Never carries key material.
    case log(LogEvent)
}

/// Names an installed SA.
public struct SAReference: Hashable, Sendable, CustomStringConvertible {
    public let group: String
    public let kind: SAKind
    public let spi: [UInt8]

    public init(group: String, kind: SAKind, spi: [UInt8]) {
        self.group = group
        self.kind = kind
        self.spi = spi
    }

    public var description: String { "\(group) \(kind) SPI \(spi.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())" }
}

/// Which SA of a group: a data-security SA (ESP or AH) or the group's rekey SA.
public enum SAKind: String, Hashable, Sendable, CustomStringConvertible {
    case esp
    case ah
    case rekey

    public var description: String { rawValue }
}

/// Which way traffic flows through an installed SA (RFC 9838 §2.3.3: a GM that is not a sender
/// installs data-security SAs inbound only; the rekey SA is always inbound).
public enum SADirection: String, Hashable, Sendable {
    case inbound
    case outbound
    case both
}

/// Everything the data plane needs to install one SA. Algorithms are IKEv2 transform numbers
/// (RFC 7296 §3.3.2; RFC 9838 §4.4.2.1), whatever protocol delivered the SA, because the data
/// plane keys ESP by those. Key material is encryption key (with salt) then integrity key.
public struct SAInstallation: Sendable, Equatable {
    public var reference: SAReference
    public var direction: SADirection
    public var encryptionTransform: UInt16?
    /// Key Length attribute in bits, when the cipher takes one.
    public var encryptionKeyBits: UInt16?
    public var integrityTransform: UInt16?
    public var keyMaterial: SecretBytes
    public var lifetimeSeconds: UInt32?
    /// Human-readable traffic selectors, for logs and status.
    public var selectorSummary: String

    public init(reference: SAReference, direction: SADirection, encryptionTransform: UInt16?, encryptionKeyBits: UInt16?,
                integrityTransform: UInt16?, keyMaterial: SecretBytes, lifetimeSeconds: UInt32?, selectorSummary: String) {
        self.reference = reference
        self.direction = direction
        self.encryptionTransform = encryptionTransform
        self.encryptionKeyBits = encryptionKeyBits
        self.integrityTransform = integrityTransform
        self.keyMaterial = keyMaterial
        self.lifetimeSeconds = lifetimeSeconds
        self.selectorSummary = selectorSummary
    }
}

/// A durable change an engine made. The key store decides how to write it; the engine only says
/// what must survive a restart before the next send.
public enum PersistRecord: Sendable, Equatable {
    /// A member was admitted: its identity, the Sender-IDs given to it and its LKH leaf serial.
    /// `address`: where a GDOI member registered from, kept so unicast GROUPKEY-PUSH delivery
    /// (RFC 6407 §4) reaches it after a restart without a new registration; nil for G-IKEv2.
    case memberRegistered(group: String, member: String, senderIDs: [UInt32], leafKeyID: UInt32?, address: EndpointAddress? = nil)
    /// The group's Sender-ID counter moved (RFC 9838 §2.5.1: never hand one out twice).
    case senderIDCounter(group: String, next: UInt32)
    /// The group's keys changed otherwise (a TEK created or retired, the rekey SA replaced, LKH
    /// nodes replaced by an eviction): the key store writes the group's whole state and a line of
    /// rekey history saying `reason` (no key material).
    case groupKeysChanged(group: String, reason: String)
    /// Numbers of `counter` below `end` may be used from now on: the store commits the
    /// reservation before anything after it is sent, so after a crash the group resumes at or
    /// past `end` and never reuses a number.
    case counterReserved(group: String, counter: PersistedCounter, end: UInt64)
}

/// The per-group numbers a peer must never see twice.
public enum PersistedCounter: String, Sendable, Equatable, CaseIterable {
    /// G-IKEv2 GSA_REKEY Message ID (RFC 9838 §2.4.1.3).
    case gikev2RekeyMessageID = "gikev2-rekey-message-id"
    /// GDOI GROUPKEY-PUSH SEQ (RFC 6407 §5.7).
    case gdoiSequence = "gdoi-seq"
}

/// A structured log line. `code` is stable for tests and alerting; `message` is for people.
public struct LogEvent: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable, Comparable {
        case debug, info, warning, error

        private var rank: Int {
            switch self {
            case .debug: return 0
            case .info: return 1
            case .warning: return 2
            case .error: return 3
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    public let level: Level
    public let code: String
    public let message: String

    public init(_ level: Level, _ code: String, _ message: String) {
        self.level = level
        self.code = code
        self.message = message
    }

    public var description: String { "[\(level.rawValue)] \(code): \(message)" }
}
