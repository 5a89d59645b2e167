/// Hands out Sender-IDs for counter-mode ciphers shared by several senders (RFC 6054 §3;
/// RFC 9838 §2.5.1): sequentially from 0, never twice in the life of the group's TEKs, and no
/// more than fit in `bits` bits. One allocator per group, whichever protocol asks.
public struct SenderIDAllocator: Sendable, Equatable {
    /// GWP_SENDER_ID_BITS / NUMBER_OF_SID_BITS.
    public let bits: Int
    /// The next Sender-ID to hand out.
    public private(set) var next: UInt32

    /// At most this many Sender-IDs go to one member in one registration.
    public static let maximumPerRequest: UInt32 = 16

    public init(bits: Int, next: UInt32 = 0) {
        precondition((1...31).contains(bits), "Sender-ID bits are 1...31")
        self.bits = bits
        self.next = next
    }

    /// Number of distinct Sender-IDs `bits` can carry.
    public var capacity: UInt64 { UInt64(1) << UInt64(bits) }

    public var remaining: UInt64 { capacity - UInt64(next) }

    /// Allocates `count` consecutive Sender-IDs. A member that asked for none still gets one
    /// (RFC 9838 §2.5.1: the GCKS "MUST" give at least one to a sender).
    public mutating func allocate(count requested: UInt32) throws(GroupStateError) -> [UInt32] {
        guard requested <= Self.maximumPerRequest else {
            throw .tooManySenderIDsRequested(requested: requested, limit: Self.maximumPerRequest)
        }
        let count = max(requested, 1)
        guard UInt64(count) <= remaining else { throw .senderIDsExhausted(bits: bits) }
        let ids = (0..<count).map { next + $0 }
        next += count
        return ids
    }
}
