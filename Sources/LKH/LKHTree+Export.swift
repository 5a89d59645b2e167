import GroupKeyCrypto

/// Everything needed to rebuild an `LKHTree` with the same keys, serials and member placement:
/// what a key store writes and reads back after a restart, so members keep their Working Key
/// Paths (RFC 9838 §3.3) and no serial (Key ID) is ever handed out twice.
public struct LKHTreeExport: Sendable, Equatable {
    public let degree: Int
    public let depth: Int
    public let keyLength: Int
    public let lastSerial: UInt32
    /// Every live node key, by position.
    public let nodes: [LKHNodeKey]
    /// Which member holds which leaf.
    public let placements: [Placement]
    /// Leaves 0..<leavesUsed have held a member at some time.
    public let leavesUsed: Int
    /// Indexes (0-based, below `leavesUsed`) of leaves emptied by eviction, reused first.
    public let freedLeaves: [Int]

    public struct Placement: Sendable, Equatable {
        public let member: LKHMemberID
        public let leaf: LKHPosition
        public init(member: LKHMemberID, leaf: LKHPosition) {
            self.member = member
            self.leaf = leaf
        }
    }

    public init(degree: Int, depth: Int, keyLength: Int, lastSerial: UInt32, nodes: [LKHNodeKey], placements: [Placement],
                leavesUsed: Int, freedLeaves: [Int]) {
        self.degree = degree
        self.depth = depth
        self.keyLength = keyLength
        self.lastSerial = lastSerial
        self.nodes = nodes
        self.placements = placements
        self.leavesUsed = leavesUsed
        self.freedLeaves = freedLeaves
    }
}

extension LKHTree {
    /// Leaves 0..<leavesEverUsed have held a member (what `export()` calls `leavesUsed`).
    public var leavesEverUsed: Int { leavesUsed }

    /// Leaves emptied by eviction and not yet reused, ascending (0-based leaf indexes).
    public var freedLeafIndexes: [Int] { freedLeaves.sorted() }

    /// The tree as plain values, nodes and placements in position order.
    public func export() -> LKHTreeExport {
        LKHTreeExport(degree: shape.degree, depth: shape.depth, keyLength: keyLength, lastSerial: lastSerial,
                      nodes: keys.values.sorted { $0.position < $1.position },
                      placements: leafOfMember.map { LKHTreeExport.Placement(member: $0.key, leaf: $0.value) }
                        .sorted { $0.leaf < $1.leaf },
                      leavesUsed: leavesUsed, freedLeaves: freedLeaves.sorted())
    }

    /// Rebuilds a tree from an export, checking that it is one a tree could have produced: a
    /// root key, keys of the right length inside the shape with serials not above `lastSerial`,
    /// members on distinct leaves that hold keys. Anything else is `invalidShape`.
    public init(restoring export: LKHTreeExport) throws {
        let shape = try LKHShape(degree: export.degree, depth: export.depth)
        guard export.keyLength > 0 else { throw LKHError.invalidShape("node keys need a length") }
        guard (0...shape.leafCount).contains(export.leavesUsed) else {
            throw LKHError.invalidShape("\(export.leavesUsed) leaves used in a tree of \(shape.leafCount)")
        }
        let lastPosition = shape.firstLeaf + shape.leafCount - 1
        var keys: [LKHPosition: LKHNodeKey] = [:]
        for node in export.nodes {
            guard (1...lastPosition).contains(Int(node.position.rawValue)), node.key.count == export.keyLength,
                  node.serial != 0, node.serial <= export.lastSerial, keys[node.position] == nil else {
                throw LKHError.invalidShape("stored key \(node.reference) does not fit the tree")
            }
            keys[node.position] = node
        }
        guard keys[.root] != nil else { throw LKHError.invalidShape("the stored tree has no root key") }
        var leafOfMember: [LKHMemberID: LKHPosition] = [:]
        var memberAtLeaf: [LKHPosition: LKHMemberID] = [:]
        for placement in export.placements {
            let index = Int(placement.leaf.rawValue) - shape.firstLeaf
            guard shape.isLeaf(placement.leaf), index < export.leavesUsed, keys[placement.leaf] != nil,
                  leafOfMember[placement.member] == nil, memberAtLeaf[placement.leaf] == nil else {
                throw LKHError.invalidShape("stored placement of \(placement.member) at \(placement.leaf) does not fit the tree")
            }
            leafOfMember[placement.member] = placement.leaf
            memberAtLeaf[placement.leaf] = placement.member
        }
        for index in export.freedLeaves where !(0..<export.leavesUsed).contains(index)
            || memberAtLeaf[shape.leaf(at: index)] != nil {
            throw LKHError.invalidShape("freed leaf \(index) is not an empty used leaf")
        }
        self.shape = shape
        self.keyLength = export.keyLength
        self.lastSerial = export.lastSerial
        self.keys = keys
        self.leafOfMember = leafOfMember
        self.memberAtLeaf = memberAtLeaf
        self.leavesUsed = export.leavesUsed
        self.freedLeaves = Set(export.freedLeaves)
    }
}
