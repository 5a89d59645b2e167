import Foundation

/// A point on the engine's clock, in milliseconds. Engines never read a clock: the caller passes
/// `now` into every input, so tests drive time by hand and runs are reproducible. Transports pass
/// Unix time (milliseconds since 1970-01-01 UTC), which also lets engines judge certificate
/// validity (`date`); only differences matter for timers.
public struct EngineTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ value: Double) -> EngineTime { EngineTime(milliseconds: Int64((value * 1000).rounded())) }

    public static let zero = EngineTime(milliseconds: 0)

    /// The instant as a calendar date, for certificate validity (RFC 5280 §6.1.3).
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public init(date: Date) { milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public func adding(milliseconds delta: Int64) -> EngineTime { EngineTime(milliseconds: milliseconds &+ delta) }
    public func adding(seconds delta: Double) -> EngineTime { adding(milliseconds: Int64((delta * 1000).rounded())) }

    /// Milliseconds from `earlier` to this instant (negative if `earlier` is later).
    public func milliseconds(since earlier: EngineTime) -> Int64 { milliseconds &- earlier.milliseconds }

    public static func < (lhs: EngineTime, rhs: EngineTime) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var description: String { "t=\(milliseconds)ms" }
}

/// Names one timer an engine asked for. The transport keeps at most one pending timer per ID;
/// scheduling an ID again replaces it. Engines also check deadlines themselves in `tick(now:)`,
/// so a late or duplicate timer firing is harmless.
public struct TimerID: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }
}
