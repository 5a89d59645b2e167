import GroupKeyCrypto

/// A node's place in the key tree: the 1-based index of a complete d-ary tree laid out
/// breadth-first (root = 1; the children of n are d·(n−1)+2 … d·n+1).
///
/// GDOI names a node by a 16-bit LKH ID (RFC 6407 §5.6.3.1), so a tree GDOI members can use has
/// at most 65,535 nodes. No tree with 100,000 leaves fits that at any degree (it has more than
/// 100,000 nodes), while G-IKEv2 names keys by 32-bit Key IDs (our serials, RFC 9838 §4.5.4) and
/// never sees positions. Positions are therefore 32-bit; `gdoiLKHID` is nil above 65,535 and the
/// GDOI key server refuses GDOI members of a group with such a tree (`LKHShape.fitsGDOILKHIDs`).
public struct LKHPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    /// The GDOI LKH ID of this node, when it fits 16 bits.
    public var gdoiLKHID: UInt16? { UInt16(exactly: rawValue) }
    public static let root = LKHPosition(1)
    public static func < (lhs: LKHPosition, rhs: LKHPosition) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "node \(rawValue)" }
}

/// One generation of one node's key. `serial` is unique within the group for the tree's life
/// and never 0: it is the G-IKEv2 Key ID (RFC 9838 §4.5.4, where 0 names SA keying material) and
/// the GDOI Key Handle ("unique per key generation", RFC 6407 §5.6.3.1). New keys get new serials,
/// as in RFC 9838 Appendix A.4, where replaced nodes 2 and 5 become keys 15 and 16.
public struct LKHNodeKey: Sendable, Equatable, CustomStringConvertible {
    public let position: LKHPosition
    public let serial: UInt32
    public let key: SecretBytes

    public init(position: LKHPosition, serial: UInt32, key: SecretBytes) {
        self.position = position
        self.serial = serial
        self.key = key
    }

    /// Reference without the key bytes, for plans, logs and tests.
    public var reference: LKHKeyReference { LKHKeyReference(position: position, serial: serial) }
    public var description: String { "\(position) key #\(serial)" }
}

/// Names a key generation without carrying it.
public struct LKHKeyReference: Hashable, Sendable, CustomStringConvertible {
    public let position: LKHPosition
    public let serial: UInt32
    public init(position: LKHPosition, serial: UInt32) {
        self.position = position
        self.serial = serial
    }
    public var description: String { "\(position)#\(serial)" }
}

/// Identity of a member in the tree (the registration identity, whatever the protocol).
public struct LKHMemberID: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// Errors of the key tree, each with a stable code.
public enum LKHError: Error, Equatable, Sendable, CustomStringConvertible {
    case treeFull(capacity: Int)
    case alreadyMember(LKHMemberID)
    case notMember(LKHMemberID)
    case invalidShape(String)
    case serialsExhausted

    public var code: String {
        switch self {
        case .treeFull: return "LKH-TREE-FULL"
        case .alreadyMember: return "LKH-ALREADY-MEMBER"
        case .notMember: return "LKH-NOT-MEMBER"
        case .invalidShape: return "LKH-SHAPE"
        case .serialsExhausted: return "LKH-SERIALS-EXHAUSTED"
        }
    }

    public var description: String {
        switch self {
        case .treeFull(let capacity): return "\(code): the key tree holds at most \(capacity) members"
        case .alreadyMember(let id): return "\(code): \(id) already holds a leaf"
        case .notMember(let id): return "\(code): \(id) holds no leaf"
        case .invalidShape(let why): return "\(code): \(why)"
        case .serialsExhausted: return "\(code): the group has used every 32-bit key serial; recreate the group"
        }
    }
}
