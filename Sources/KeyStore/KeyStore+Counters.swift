/// The numbers a peer must never see twice, by group.
public enum KeyStoreCounter: String, Sendable, CaseIterable {
    /// Sender-IDs (RFC 6054 §3; RFC 9838 §2.5.1): one allocator per group, from 0.
    case senderID = "sender-id"
    /// The GSA_REKEY Message ID of the group's rekey SA (RFC 9838 §2.4.1.3), from 0.
    case gikev2RekeyMessageID = "gikev2-rekey-message-id"
    /// The GDOI GROUPKEY-PUSH SEQ payload (RFC 6407 §5.7), from 1.
    case gdoiSequence = "gdoi-seq"

    /// The first number of the counter.
    public var initialValue: UInt64 {
        switch self {
        case .senderID, .gikev2RekeyMessageID: return 0
        case .gdoiSequence: return 1
        }
    }

    /// The largest value the wire field holds.
    public var maximum: UInt64 {
        switch self {
        case .senderID: return UInt64(UInt32.max)
        case .gikev2RekeyMessageID, .gdoiSequence: return UInt64(UInt32.max)
        }
    }
}

/// Numbers from one reserved block, handed out one at a time; when it runs dry the owner
/// reserves the next block (and commits it) before taking another.
public struct ReservedNumbers: Sendable, Equatable {
    public private(set) var remaining: Range<UInt64>

    public init(_ block: Range<UInt64>) { remaining = block }

    /// The next number of the block, or nil when the block is used up.
    public mutating func take() -> UInt64? {
        guard let first = remaining.first else { return nil }
        remaining = (first + 1)..<remaining.upperBound
        return first
    }
}

extension KeyStore {
    /// Numbers reserved per block unless the caller says otherwise.
    public static let defaultReservationBlock: UInt64 = 64

    /// Reserves the next `count` numbers of `counter` for `group` and commits the block's end
    /// before returning, so a number from it may be used at once and none is ever reused: after a
    /// crash the next block starts past the end of the last one reserved, used or not.
    public func reserve(counter: KeyStoreCounter, group: String,
                        count: UInt64 = KeyStore.defaultReservationBlock) throws(KeyStoreError) -> Range<UInt64> {
        precondition(count > 0, "reserve at least one number")
        return try transaction { () throws(KeyStoreError) in
            let start = try reservationStart(counter: counter, group: group)
            guard start <= counter.maximum, counter.maximum - start + 1 >= count else {
                throw .counterExhausted(counter: counter.rawValue, group: group)
            }
            let end = start + count
            try run("""
                INSERT INTO counters (group_name, name, next, reserved_end) VALUES (?, ?, ?, ?)
                ON CONFLICT (group_name, name) DO UPDATE SET reserved_end = excluded.reserved_end
                """, [.text(group), .text(counter.rawValue), .integer(Int64(start)), .integer(Int64(end))])
            return start..<end
        }
    }

    /// The first number a restarted server may use: past every number handed out or reserved.
    public func resumePoint(counter: KeyStoreCounter, group: String) throws(KeyStoreError) -> UInt64 {
        try locked { () throws(KeyStoreError) in try reservationStart(counter: counter, group: group) }
    }

    /// Commits that numbers of `counter` below `end` may be used (a block the caller sized
    /// itself); never lowers what is stored.
    public func commitReservation(counter: KeyStoreCounter, group: String, end: UInt64) throws(KeyStoreError) {
        guard end <= counter.maximum + 1 else { throw .counterExhausted(counter: counter.rawValue, group: group) }
        try transaction { () throws(KeyStoreError) in try recordCounter(counter, group: group, next: end) }
    }

    /// Records that numbers below `next` are in use (without reserving a block); never lowers it.
    func recordCounter(_ counter: KeyStoreCounter, group: String, next: UInt64) throws(KeyStoreError) {
        try run("""
            INSERT INTO counters (group_name, name, next, reserved_end) VALUES (?, ?, ?, ?)
            ON CONFLICT (group_name, name) DO UPDATE SET next = max(next, excluded.next),
                reserved_end = max(reserved_end, excluded.next)
            """, [.text(group), .text(counter.rawValue), .integer(Int64(next)), .integer(Int64(next))])
    }

    func reservationStart(counter: KeyStoreCounter, group: String) throws(KeyStoreError) -> UInt64 {
        let rows = try query("SELECT next, reserved_end FROM counters WHERE group_name = ? AND name = ?",
                             [.text(group), .text(counter.rawValue)]) { ($0.integer(0), $0.integer(1)) }
        guard let (next, end) = rows.first else { return counter.initialValue }
        guard next >= 0, end >= 0 else { throw .corrupt("counter \(counter.rawValue) of \(group) is negative") }
        return max(UInt64(next), UInt64(end), counter.initialValue)
    }
}
