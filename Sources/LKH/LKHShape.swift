/// Arithmetic of a complete d-ary tree numbered breadth-first from 1.
public struct LKHShape: Sendable, Equatable {
    /// Children per interior node (RFC 2627 §5.4: the tree need be neither binary nor balanced;
    /// groupkey keeps it complete so every path has the same, logarithmic length).
    public let degree: Int
    /// Edges from the root to a leaf; a member holds depth + 1 keys (its leaf up to the root).
    public let depth: Int

    /// The largest position a GDOI LKH ID can name (RFC 6407 §5.6.3.1: 16 bits).
    public static let maximumPosition = Int(UInt16.max)
    /// The largest position any tree may use (positions are 32-bit; see `LKHPosition`).
    public static let maximumWidePosition = Int(UInt32.max)

    public init(degree: Int, depth: Int) throws {
        guard (2...16).contains(degree) else { throw LKHError.invalidShape("degree \(degree) is outside 2...16") }
        guard depth >= 1 else { throw LKHError.invalidShape("depth must be at least 1") }
        var nodes = 1, level = 1
        for _ in 0..<depth {
            level *= degree
            nodes += level
            guard nodes <= Self.maximumWidePosition else {
                throw LKHError.invalidShape("degree \(degree) depth \(depth) needs more than \(Self.maximumWidePosition) node IDs")
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

    /// Nodes of the complete tree: the largest position it uses.
    public var nodeCount: Int { firstLeaf + leafCount - 1 }

    /// Whether every node has a GDOI LKH ID (16 bits, RFC 6407 §5.6.3.1). A binary tree holds at
    /// most 32,768 members this way, degree 15 at most 50,625; a group with a larger tree is
    /// served to G-IKEv2 members only (the GDOI key server refuses GDOI members of it).
    public var fitsGDOILKHIDs: Bool { nodeCount <= Self.maximumPosition }

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
        return LKHPosition(UInt32((n - 2) / degree + 1))
    }

    public func children(of position: LKHPosition) -> [LKHPosition] {
        let first = degree * (Int(position.rawValue) - 1) + 2
        guard first < firstLeaf + leafCount else { return [] }
        return (first..<(first + degree)).map { LKHPosition(UInt32($0)) }
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
    public func leaf(at index: Int) -> LKHPosition { LKHPosition(UInt32(firstLeaf + index)) }
}
