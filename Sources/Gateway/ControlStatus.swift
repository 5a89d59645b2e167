import Foundation

/// What `groupkey status` shows: the running server, each group, the counters. Codable as it
/// travels on the control socket (ControlProtocol) and as `status --format json` prints it, so
/// the field names are part of the command-line contract: add, don't rename.
public struct ServerStatus: Codable, Sendable, Equatable {
    /// Seconds since the server started serving.
    public var uptimeSeconds: Int64
    /// The sockets it serves on, "udp ADDR:PORT" / "tcp ADDR:PORT".
    public var listening: [String]
    public var groups: [GroupStatus]
    public var counters: GatewayCounters

    public init(uptimeSeconds: Int64, listening: [String], groups: [GroupStatus], counters: GatewayCounters) {
        self.uptimeSeconds = uptimeSeconds
        self.listening = listening
        self.groups = groups
        self.counters = counters
    }
}

/// One group as an operator watches it during a migration.
public struct GroupStatus: Codable, Sendable, Equatable {
    public var name: String
    /// "gdoi", "gikev2": what the policy serves.
    public var protocols: [String]
    /// Every admitted member, with the protocol it registered with.
    public var members: [MemberStatus]
    /// Member count per protocol ("gdoi", "gikev2"): the migration progress.
    public var membersByProtocol: [String: Int]
    public var dataSecuritySAs: [TEKStatus]
    public var rekeySA: RekeySAStatus?
    /// Unix time (seconds) of the last rekey sent, if any since the server started.
    public var lastRekey: Int64?
    /// Unix time (seconds) the next scheduled rekey is due: the earliest TEK expiry less the lead
    /// time (RekeyPolicy.leadTimeSeconds).
    public var nextRekey: Int64?
    public var keyTree: KeyTreeStatus?

    public init(name: String, protocols: [String], members: [MemberStatus], dataSecuritySAs: [TEKStatus],
                rekeySA: RekeySAStatus?, lastRekey: Int64?, nextRekey: Int64?, keyTree: KeyTreeStatus?) {
        self.name = name
        self.protocols = protocols
        self.members = members
        self.membersByProtocol = Dictionary(members.map { ($0.protocol, 1) }, uniquingKeysWith: +)
        self.dataSecuritySAs = dataSecuritySAs
        self.rekeySA = rekeySA
        self.lastRekey = lastRekey
        self.nextRekey = nextRekey
        self.keyTree = keyTree
    }
}

public struct MemberStatus: Codable, Sendable, Equatable {
    /// The identity the member registered with (what `groupkey evict` names).
    public var identity: String
    /// "gikev2" or "gdoi".
    public var `protocol`: String

    public init(identity: String, protocol: String) {
        self.identity = identity
        self.protocol = `protocol`
    }
}

/// One data-security SA. Never any key material.
public struct TEKStatus: Codable, Sendable, Equatable {
    public var name: String
    /// 8 hex digits (RFC 4303 §2.1).
    public var spi: String
    /// "esp" or "ah".
    public var `protocol`: String
    public var lifetimeSeconds: Int64
    /// Seconds left until it expires (negative once expired and not yet replaced).
    public var remainingSeconds: Int64
    /// False for a TEK that has a successor and is kept only for the deactivation delay.
    public var current: Bool

    public init(name: String, spi: String, protocol: String, lifetimeSeconds: Int64, remainingSeconds: Int64, current: Bool = true) {
        self.name = name
        self.spi = spi
        self.protocol = `protocol`
        self.lifetimeSeconds = lifetimeSeconds
        self.remainingSeconds = remainingSeconds
        self.current = current
    }
}

/// The group's rekey SA (GDOI KEK / G-IKEv2 GIKE_UPDATE SA). Never any key material.
public struct RekeySAStatus: Codable, Sendable, Equatable {
    /// 32 hex digits: the 16-octet SPI (RFC 9838 §4.4.2).
    public var spi: String
    /// "multicast" or "unicast".
    public var transport: String
    /// "ADDR:PORT" for multicast.
    public var destination: String?
    /// The Message ID the next GSA_REKEY carries (RFC 9838 §2.4.1.3).
    public var nextMessageID: UInt32
    public var lifetimeSeconds: Int64
    /// Seconds left until it expires.
    public var remainingSeconds: Int64

    public init(spi: String, transport: String, destination: String?, nextMessageID: UInt32, lifetimeSeconds: Int64,
                remainingSeconds: Int64) {
        self.spi = spi
        self.transport = transport
        self.destination = destination
        self.nextMessageID = nextMessageID
        self.lifetimeSeconds = lifetimeSeconds
        self.remainingSeconds = remainingSeconds
    }
}

/// The group's LKH tree (RFC 2627 §5.4).
public struct KeyTreeStatus: Codable, Sendable, Equatable {
    public var degree: Int
    public var depth: Int
    /// Leaves: members the tree can hold.
    public var capacity: Int
    public var members: Int

    public init(degree: Int, depth: Int, capacity: Int, members: Int) {
        self.degree = degree
        self.depth = depth
        self.capacity = capacity
        self.members = members
    }
}

/// The server's counters since start (also exported as swift-metrics counters, GatewayMetrics).
public struct GatewayCounters: Codable, Sendable, Equatable {
    public var registrations: Int
    public var registrationFailures: Int
    /// Refusals and drops by the engine's log code (e.g. GCKS-REGISTRATION-REFUSED, GCKS-NO-PROPOSAL).
    public var failuresByReason: [String: Int]
    public var rekeysSent: Int
    /// Retransmitted requests answered from the cache (RFC 7296 §2.1) plus rekeys repeated.
    public var retransmissions: Int
    public var datagramsReceived: Int
    /// Datagrams the engine dropped plus those dropped before it (unclassifiable, IKEv1 without a
    /// GDOI engine).
    public var datagramsDropped: Int
    public var cookiesDemanded: Int
    /// The GDOI key server beside the GCKS; nil when it does not run.
    public var gdoi: GDOICounters?

    public init(registrations: Int = 0, registrationFailures: Int = 0, failuresByReason: [String: Int] = [:], rekeysSent: Int = 0,
                retransmissions: Int = 0, datagramsReceived: Int = 0, datagramsDropped: Int = 0, cookiesDemanded: Int = 0) {
        self.registrations = registrations
        self.registrationFailures = registrationFailures
        self.failuresByReason = failuresByReason
        self.rekeysSent = rekeysSent
        self.retransmissions = retransmissions
        self.datagramsReceived = datagramsReceived
        self.datagramsDropped = datagramsDropped
        self.cookiesDemanded = cookiesDemanded
    }
}

/// What an operator rekey or eviction carries and who can read it: the answer to `rekey` and
/// `evict`, dry run or not.
public struct RekeyPreview: Codable, Sendable, Equatable {
    public var group: String
    /// "operator", "eviction", "policy-change".
    public var reason: String
    public var dryRun: Bool
    /// New data-security SAs the message carries (0 for an eviction: the TEK follows under the new
    /// KEK, ARCHITECTURE.md; RFC 9838 §3.2.1).
    public var newTEKs: Int
    /// Keys wrapped in the key download (LKH path keys and TEK/KEK material).
    public var wrappedKeys: Int
    /// Octets of the GSA_REKEY message as built, or an estimate when `sizeIsEstimate`.
    public var messageOctets: Int
    public var sizeIsEstimate: Bool
    /// Members who can read it (keep access), sorted.
    public var readers: [String]
    /// Members evicted by it, sorted.
    public var evicted: [String]
    /// Where it goes: "multicast ADDR:PORT" or "unicast to N members".
    public var destination: String
    /// Anything the operator should know (e.g. no key tree: the rekey goes member by member).
    public var notes: [String]

    public init(group: String, reason: String, dryRun: Bool, newTEKs: Int, wrappedKeys: Int, messageOctets: Int,
                sizeIsEstimate: Bool, readers: [String], evicted: [String], destination: String, notes: [String] = []) {
        self.group = group
        self.reason = reason
        self.dryRun = dryRun
        self.newTEKs = newTEKs
        self.wrappedKeys = wrappedKeys
        self.messageOctets = messageOctets
        self.sizeIsEstimate = sizeIsEstimate
        self.readers = readers
        self.evicted = evicted
        self.destination = destination
        self.notes = notes
    }
}

/// What the GDOI key server did since start (RFC 6407: phase 1, GROUPKEY-PULL, GROUPKEY-PUSH and
/// RFC 8263 acknowledgements).
public struct GDOICounters: Codable, Sendable, Equatable {
    /// ISAKMP SAs established now.
    public var phase1SAs: Int
    public var phase1Established: Int
    public var phase1Failures: Int
    /// GROUPKEY-PULL registrations completed.
    public var pulls: Int
    public var pushesSent: Int
    public var pushRetransmissions: Int
    public var acksReceived: Int
    public var acksMissed: Int
    public var membersEvictedForMissedAcks: Int
    public var datagramsReceived: Int
    public var datagramsDropped: Int

    public init(phase1SAs: Int = 0, phase1Established: Int = 0, phase1Failures: Int = 0, pulls: Int = 0, pushesSent: Int = 0,
                pushRetransmissions: Int = 0, acksReceived: Int = 0, acksMissed: Int = 0, membersEvictedForMissedAcks: Int = 0,
                datagramsReceived: Int = 0, datagramsDropped: Int = 0) {
        self.phase1SAs = phase1SAs
        self.phase1Established = phase1Established
        self.phase1Failures = phase1Failures
        self.pulls = pulls
        self.pushesSent = pushesSent
        self.pushRetransmissions = pushRetransmissions
        self.acksReceived = acksReceived
        self.acksMissed = acksMissed
        self.membersEvictedForMissedAcks = membersEvictedForMissedAcks
        self.datagramsReceived = datagramsReceived
        self.datagramsDropped = datagramsDropped
    }
}
