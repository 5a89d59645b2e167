/// When an initiator resends an unanswered request, and when it gives up (RFC 7296 §2.1: the
/// initiator retransmits, with "exponentially increasing" intervals, until it gets a response or
/// decides the SA is dead; §2.4 leaves the count and timing to the implementation).
public struct RetransmissionSchedule: Sendable, Equatable {
    /// Wait before the first retransmission.
    public var initialTimeoutMilliseconds: Int64
    /// Each wait is the previous one times this (at least 1.0).
    public var backoffFactor: Double
    /// Upper bound on one wait.
    public var maximumTimeoutMilliseconds: Int64
    /// Retransmissions after the first send; after the last one's wait the exchange has failed.
    public var maximumRetransmissions: Int

    /// Defaults in the range strongSwan uses (4 s initial, factor 1.8, 5 tries), shortened for a
    /// registration that is retried anyway: 1 s, doubling, at most 16 s, 5 retransmissions.
    public static let standard = RetransmissionSchedule(initialTimeoutMilliseconds: 1_000, backoffFactor: 2.0,
                                                        maximumTimeoutMilliseconds: 16_000, maximumRetransmissions: 5)

    public init(initialTimeoutMilliseconds: Int64, backoffFactor: Double, maximumTimeoutMilliseconds: Int64,
                maximumRetransmissions: Int) {
        precondition(initialTimeoutMilliseconds > 0 && backoffFactor >= 1.0 && maximumRetransmissions >= 0,
                     "a retransmission schedule needs a positive timeout and a non-shrinking backoff")
        self.initialTimeoutMilliseconds = initialTimeoutMilliseconds
        self.backoffFactor = backoffFactor
        self.maximumTimeoutMilliseconds = max(maximumTimeoutMilliseconds, initialTimeoutMilliseconds)
        self.maximumRetransmissions = maximumRetransmissions
    }

    /// The wait after send number `attempt` (0 = the original send).
    public func timeout(afterAttempt attempt: Int) -> Int64 {
        var wait = Double(initialTimeoutMilliseconds)
        for _ in 0..<max(attempt, 0) {
            wait *= backoffFactor
            if wait >= Double(maximumTimeoutMilliseconds) { return maximumTimeoutMilliseconds }
        }
        return min(Int64(wait.rounded()), maximumTimeoutMilliseconds)
    }
}

/// One outstanding request being retransmitted: the datagrams to resend, to whom, and when.
public struct PendingRequest: Sendable, Equatable {
    public let datagrams: [[UInt8]]
    public let destination: EndpointAddress
    public private(set) var attempt: Int
    public private(set) var deadline: EngineTime
    public let schedule: RetransmissionSchedule

    public init(datagrams: [[UInt8]], destination: EndpointAddress, sentAt now: EngineTime, schedule: RetransmissionSchedule) {
        self.datagrams = datagrams
        self.destination = destination
        self.attempt = 0
        self.deadline = now.adding(milliseconds: schedule.timeout(afterAttempt: 0))
        self.schedule = schedule
    }

    public enum TickOutcome: Sendable, Equatable {
        /// Not due yet.
        case wait
        /// Resend `datagrams` now; the next deadline is `deadline`.
        case resend
        /// Every retransmission went unanswered.
        case gaveUp
    }

    /// Advances the schedule if `now` has reached the deadline.
    public mutating func tick(now: EngineTime) -> TickOutcome {
        guard now >= deadline else { return .wait }
        guard attempt < schedule.maximumRetransmissions else { return .gaveUp }
        attempt += 1
        deadline = now.adding(milliseconds: schedule.timeout(afterAttempt: attempt))
        return .resend
    }
}
