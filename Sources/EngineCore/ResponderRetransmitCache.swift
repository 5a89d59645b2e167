/// The responder's memory of its last answers (RFC 7296 §2.1: "the responder MUST remember the
/// response" and retransmit it when the same request arrives again, and must not process the
/// request twice). Keyed by message ID; a hit requires the request octets to match too, so a
/// different message that reuses an ID is not answered with someone else's response.
public struct ResponderRetransmitCache: Sendable, Equatable {
    private struct Entry: Sendable, Equatable {
        var request: [UInt8]
        var response: [[UInt8]]
    }

    /// How many answers are kept: the responder's window size (§2.3).
    public let capacity: Int
    private var entries: [UInt32: Entry] = [:]
    private var order: [UInt32] = []

    public init(capacity: Int = 1) {
        precondition(capacity >= 1, "a responder remembers at least its last answer")
        self.capacity = capacity
    }

    /// Remembers the datagrams (one, or several fragments) sent in answer to `request`.
    public mutating func store(messageID: UInt32, request: [UInt8], response: [[UInt8]]) {
        if entries[messageID] == nil { order.append(messageID) }
        entries[messageID] = Entry(request: request, response: response)
        while order.count > capacity {
            entries[order.removeFirst()] = nil
        }
    }

    /// The same bytes as before if `request` is a retransmission of an answered request.
    public func response(messageID: UInt32, request: [UInt8]) -> [[UInt8]]? {
        guard let entry = entries[messageID], entry.request == request else { return nil }
        return entry.response
    }

    /// Whether any answer is remembered for `messageID`.
    public func contains(messageID: UInt32) -> Bool { entries[messageID] != nil }
}
