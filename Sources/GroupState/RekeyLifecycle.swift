/// The rekey bookkeeping a group keeps beside its keys: one stored value, so a snapshot of
/// `GroupState` carries it whole.
public struct RekeyLifecycle: Sendable, Equatable {
    /// When the current rekey SA was made (its lifetime counts from here).
    public var rekeySACreatedAtMilliseconds: Int64
    /// Last GROUPKEY-PUSH SEQ used; 0 before the first push, whose SEQ is 1 (RFC 6407 §3.2).
    public var lastGDOISequence: UInt32
    /// TEKs that have a successor and the time the GCKS forgets them (stops handing them to
    /// registering members).
    public var retiringTEKs: [RetiringTEK]
    /// The protocol each member registered with.
    public var memberProtocols: [String: MemberProtocol]

    public init(rekeySACreatedAtMilliseconds: Int64 = 0, lastGDOISequence: UInt32 = 0, retiringTEKs: [RetiringTEK] = [],
                memberProtocols: [String: MemberProtocol] = [:]) {
        self.rekeySACreatedAtMilliseconds = rekeySACreatedAtMilliseconds
        self.lastGDOISequence = lastGDOISequence
        self.retiringTEKs = retiringTEKs
        self.memberProtocols = memberProtocols
    }
}

/// A TEK replaced by a newer one, kept until `removeAtMilliseconds`.
public struct RetiringTEK: Sendable, Equatable {
    public let spi: [UInt8]
    public let removeAtMilliseconds: Int64

    public init(spi: [UInt8], removeAtMilliseconds: Int64) {
        self.spi = spi
        self.removeAtMilliseconds = removeAtMilliseconds
    }
}

/// What a group's timer finds due at some instant.
public struct DueRekeyWork: Sendable, Equatable {
    /// Names of data-security policies whose current TEK is within its lead time of expiry.
    public var tekPolicies: [String] = []
    /// Whether the rekey SA is within its lead time of expiry.
    public var rekeySA = false
    /// Retired TEKs whose keeping time has passed.
    public var tekRemovals: [[UInt8]] = []

    public var isEmpty: Bool { tekPolicies.isEmpty && !rekeySA && tekRemovals.isEmpty }
}
