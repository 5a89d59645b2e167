/// Arithmetic of a complete d-ary tree numbered breadth-first from 1.
public struct LKHShape: Sendable, Equatable {
    /// Children per interior node (RFC 2627 §5.4: the tree need be neither binary nor balanced;
    /// groupkey keeps it complete so every path has the same, logarithmic length).
    public let degree: Int
    /// Edges from the root to a leaf; a member holds depth + 1 keys (its leaf up to the root).
    public let depth: Int

    /// The largest position an LKH ID can name (RFC 6407 §5.6.3.1: 16 bits).
    public static let maximumPosition = Int(UInt16.max)

    public init(degree: Int, depth: Int) throws {
        guard (2...16).contains(degree) else { throw LKHError.invalidShape("degree \(degree) is outside 2...16") }
        guard depth >= 1 else { throw LKHError.invalidShape("depth must be at least 1") }
        var nodes = 1, level = 1
        for _ in 0..<depth {
            level *= degree
            nodes += level
            guard nodes <= Self.maximumPosition else {
                throw LKHError.invalidShape("degree \(degree) depth \(depth) needs more than \(Self.maximumPosition) node IDs")
            }
        }
        self.degree = degree
        self.depth = depth
    }

    /// The smallest complete tree of this degree with room for `members` leaves.
    public static func fitting(members: Int, degree: Int = 2) throws -> LKHShape {
        var depth = 1, leaves = degree
        while leaves < members {
            depth += 1
            leaves *= degree
        }
        return try LKHShape(degree: degree, depth: depth)
    }

    public var leafCount: Int {
        var leaves = 1
        for _ in 0..<depth { leaves *= degree }
        return leaves
    }

    /// Position of the first leaf (all leaves sit on the last level).
    public var firstLeaf: Int { (leafCount - 1) / (degree - 1) + 1 }

    public func parent(of position: LKHPosition) -> LKHPosition? {
        let n = Int(position.rawValue)
        guard n > 1 else { return nil }
        return LKHPosition(UInt16((n - 2) / degree + 1))
    }

    public func children(of position: LKHPosition) -> [LKHPosition] {
        let first = degree * (Int(position.rawValue) - 1) + 2
        guard first < firstLeaf + leafCount else { return [] }
        return (first..<(first + degree)).map { LKHPosition(UInt16($0)) }
    }

    public func isLeaf(_ position: LKHPosition) -> Bool { Int(position.rawValue) >= firstLeaf }

    /// The leaf's ancestors, nearest first, ending at the root.
    public func ancestors(of leaf: LKHPosition) -> [LKHPosition] {
        var out: [LKHPosition] = []
        var current = leaf
        while let up = parent(of: current) {
            out.append(up)
            current = up
        }
        return out
    }

    /// The n-th leaf (0-based).
    public func leaf(at index: Int) -> LKHPosition { LKHPosition(UInt16(firstLeaf + index)) }
}
