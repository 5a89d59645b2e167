/// The initiator's side of IKEv2 message IDs (RFC 7296 §2.3): requests are numbered from 0 (or
/// from where the SA left off), at most `size` may be outstanding, and a response is matched to
/// its request by ID. With the default size 1, a new request waits until the last is answered.
public struct RequestWindow: Sendable, Equatable {
    /// The ID the next request will carry.
    public private(set) var nextMessageID: UInt32
    /// SET_WINDOW_SIZE may raise it; "MUST NOT" be smaller than 1 (RFC 7296 §2.3).
    public private(set) var size: UInt32
    /// Requests sent and not yet answered.
    public private(set) var outstanding: Set<UInt32> = []

    public init(firstMessageID: UInt32 = 0, size: UInt32 = 1) {
        precondition(size >= 1, "the window holds at least one request (RFC 7296 §2.3)")
        self.nextMessageID = firstMessageID
        self.size = size
    }

    /// Whether another request may go out now.
    public var canSend: Bool {
        guard let oldest = outstanding.min() else { return nextMessageID != UInt32.max }
        return nextMessageID &- oldest < size && nextMessageID != UInt32.max
    }

    /// Takes the next message ID for a request, or nil when the window is full or the IDs are
    /// exhausted (the SA must then be replaced, RFC 7296 §2.3).
    public mutating func allocate() -> UInt32? {
        guard canSend else { return nil }
        let id = nextMessageID
        outstanding.insert(id)
        nextMessageID += 1
        return id
    }

    /// Accepts a response. False (and no change) for an ID that is not outstanding: a duplicate
    /// or forged response, which RFC 7296 §2.3 says to ignore.
    public mutating func acceptResponse(messageID: UInt32) -> Bool {
        outstanding.remove(messageID) != nil
    }

    /// The peer's SET_WINDOW_SIZE (RFC 7296 §2.3); a value of 0 is ignored.
    public mutating func setSize(_ newSize: UInt32) {
        if newSize >= 1 { size = newSize }
    }
}

/// The responder's side (RFC 7296 §2.3): which request IDs are new, which are retransmissions of
/// requests already answered, and which fall outside the window and are dropped.
public struct ResponderWindow: Sendable, Equatable {
    /// Lowest request ID not yet processed.
    public private(set) var expected: UInt32
    public let size: UInt32

    public enum Verdict: Sendable, Equatable {
        /// Process it.
        case new
        /// Already answered: send the cached response again (RFC 7296 §2.1).
        case retransmission
        /// Too old to have a cached answer, or beyond the window: drop silently (§2.3).
        case outsideWindow
    }

    public init(firstMessageID: UInt32 = 0, size: UInt32 = 1) {
        precondition(size >= 1, "the window holds at least one request (RFC 7296 §2.3)")
        self.expected = firstMessageID
        self.size = size
    }

    public func classify(_ messageID: UInt32) -> Verdict {
        if messageID >= expected {
            return messageID - expected < size ? .new : .outsideWindow
        }
        return expected - messageID <= size ? .retransmission : .outsideWindow
    }

    /// Records that `messageID` was processed (only IDs classified `.new`).
    public mutating func markProcessed(_ messageID: UInt32) {
        precondition(classify(messageID) == .new, "only a new request can be marked processed")
        if messageID == expected {
            expected = messageID &+ 1
        }
    }
}
