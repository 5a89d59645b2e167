import LKH

/// Every way building or changing a group's key state can fail, each with a stable code.
public enum GroupStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The policy names an algorithm the crypto layer refuses or lacks (e.g. CCM, ARX-KW).
    case unsupportedAlgorithm(String)
    /// The policy lacks something the key state needs (a PSK, a signing key, a key length).
    case incompletePolicy(String)
    /// Every Sender-ID that fits GWP_SENDER_ID_BITS has been handed out (RFC 9838 §2.5.1).
    case senderIDsExhausted(bits: Int)
    /// More Sender-IDs asked for at once than policy allows.
    case tooManySenderIDsRequested(requested: UInt32, limit: UInt32)
    /// The key tree refused (full, or serials exhausted).
    case keyTree(LKHError)
    /// No group with this name or identity.
    case unknownGroup(String)

    public var code: String {
        switch self {
        case .unsupportedAlgorithm: return "GROUPSTATE-ALGORITHM"
        case .incompletePolicy: return "GROUPSTATE-POLICY"
        case .senderIDsExhausted: return "GROUPSTATE-SID-EXHAUSTED"
        case .tooManySenderIDsRequested: return "GROUPSTATE-SID-REQUEST"
        case .keyTree: return "GROUPSTATE-LKH"
        case .unknownGroup: return "GROUPSTATE-UNKNOWN-GROUP"
        }
    }

    public var description: String {
        switch self {
        case .unsupportedAlgorithm(let what): return "\(code): \(what)"
        case .incompletePolicy(let what): return "\(code): \(what)"
        case .senderIDsExhausted(let bits): return "\(code): all \(bits)-bit Sender-IDs are in use"
        case .tooManySenderIDsRequested(let requested, let limit):
            return "\(code): \(requested) Sender-IDs requested, at most \(limit) per registration"
        case .keyTree(let error): return "\(code): \(error)"
        case .unknownGroup(let name): return "\(code): no group \(name)"
        }
    }
}
