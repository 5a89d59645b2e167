import GroupKeyCrypto
import GroupKeyTestSupport
import Testing
@testable import LKH

/// A small seeded generator so the property tests explore the same cases on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite struct LKHShapeTests {
    @Test func binaryTreeNumberingMatchesRFC9838AppendixA() throws {
        // RFC 9838 Figure 22 numbers the nodes below the SA key 1...14 breadth-first; with our
        // root as node 1 the same shape is a binary tree of depth 3.
        let shape = try LKHShape(degree: 2, depth: 3)
        #expect(shape.leafCount == 8 && shape.firstLeaf == 8)
        #expect(shape.children(of: .root) == [LKHPosition(2), LKHPosition(3)])
        #expect(shape.children(of: LKHPosition(7)) == [LKHPosition(14), LKHPosition(15)])
        #expect(shape.children(of: LKHPosition(8)).isEmpty)
        #expect(shape.ancestors(of: LKHPosition(13)) == [LKHPosition(6), LKHPosition(3), .root])
        #expect(shape.parent(of: .root) == nil)
    }

    @Test func ternaryTreeArithmetic() throws {
        let shape = try LKHShape(degree: 3, depth: 2)
        #expect(shape.leafCount == 9 && shape.firstLeaf == 5)
        #expect(shape.children(of: LKHPosition(2)) == [LKHPosition(5), LKHPosition(6), LKHPosition(7)])
        #expect(shape.parent(of: LKHPosition(13)) == LKHPosition(4))
    }

    @Test func shapesBeyondSixteenBitIDsAreGIKEv2Only() throws {
        #expect(try LKHShape(degree: 2, depth: 15).fitsGDOILKHIDs)
        #expect(try !LKHShape(degree: 2, depth: 16).fitsGDOILKHIDs)
        #expect(try LKHShape(degree: 2, depth: 15).leafCount == 32768)
        #expect(try LKHShape.fitting(members: 100_000).depth == 17)
        #expect(LKHPosition(65_536).gdoiLKHID == nil && LKHPosition(65_535).gdoiLKHID == 65_535)
        #expect(throws: LKHError.self) { try LKHShape(degree: 2, depth: 32) }
        #expect(throws: LKHError.self) { try LKHShape(degree: 1, depth: 3) }
        #expect(try LKHShape.fitting(members: 1000).depth == 10)
        #expect(try LKHShape.fitting(members: 1024).depth == 10)
        #expect(try LKHShape.fitting(members: 1025).depth == 11)
    }
}

@Suite struct LKHTreeTests {
    let random = SystemRandom()

    func tree(degree: Int = 2, depth: Int = 3, members: Int) throws -> LKHTree {
        var tree = try LKHTree(shape: try LKHShape(degree: degree, depth: depth), keyLength: 32, random: random)
        for index in 0..<members { _ = try tree.join(LKHMemberID("gm\(index)"), random: random) }
        return tree
    }

    @Test func joinGivesLeafToRootPathSharingTheRoot() throws {
        var tree = try LKHTree(shape: try LKHShape(degree: 2, depth: 3), keyLength: 16, random: random)
        let a = try tree.join(LKHMemberID("A"), random: random)
        let b = try tree.join(LKHMemberID("B"), random: random)
        #expect(a.path.map(\.position.rawValue) == [8, 4, 2, 1])
        #expect(b.path.map(\.position.rawValue) == [9, 4, 2, 1])
        #expect(a.root == b.root && a.root == tree.root)
        #expect(a.path[1] == b.path[1])              // shared parent key handed over unchanged
        #expect(a.leaf.key != b.leaf.key)
        #expect(a.path.allSatisfy { $0.key.count == 16 })
        #expect(try tree.path(of: LKHMemberID("A")).map(\.serial) == a.path.map(\.serial))
    }

    @Test func serialsAreUniqueNonZeroAndIncreasing() throws {
        var tree = try self.tree(members: 8)
        var seen = Set<UInt32>()
        for member in tree.members { for key in try tree.path(of: member) { seen.insert(key.serial) } }
        #expect(!seen.contains(0))
        let before = tree.lastSerial
        let eviction = try tree.evict([LKHMemberID("gm3")], random: random)
        #expect(eviction.newKeys.allSatisfy { $0.serial > before && !seen.contains($0.serial) })
    }

    @Test func singleEvictionReplacesThePathWithLogarithmicWraps() throws {
        var tree = try self.tree(members: 8)
        let victim = LKHMemberID("gm5")
        let victimPath = try tree.path(of: victim)
        let eviction = try tree.evict([victim], random: random)
        // Parent of the leaf: 1 wrap (its other child); every other ancestor: 2 wraps.
        #expect(eviction.newKeys.count == 3)
        #expect(eviction.wraps.count == 1 + 2 * 2)
        #expect(eviction.newRoot == tree.root)
        #expect(Set(eviction.retired.map(\.serial)) == Set(victimPath.map(\.serial)))
        #expect(!tree.contains(victim))
        // RFC 6407 §5.6.3.2 arrays: every chain ends at the new root.
        #expect(eviction.chains.count == 3)
        for chain in eviction.chains { #expect(chain.keys.last?.serial == tree.root.serial) }
    }

    @Test func evictionsKeepRemainingMembersAndLockOutEvictedOnes() throws {
        var rng = SplitMix64(state: 0x6b6579)
        for round in 0..<40 {
            let degree = [2, 3, 4][round % 3]
            let depth = degree == 2 ? 5 : 3
            let population = Int.random(in: 2...(degree == 2 ? 32 : (degree == 3 ? 27 : 64)), using: &rng)
            var tree = try self.tree(degree: degree, depth: depth, members: population)
            let names = tree.members
            let victims = Array(names.shuffled(using: &rng).prefix(Int.random(in: 1...max(1, population / 3), using: &rng)))
            var held: [LKHMemberID: Set<UInt32>] = [:]
            for member in names { held[member] = Set(try tree.path(of: member).map(\.serial)) }

            let eviction = try tree.evict(victims, random: random)
            let newSerials = Set(eviction.newKeys.map(\.serial))
            // Collusion: the evicted members pool every key they ever held.
            let pooled = victims.reduce(into: Set<UInt32>()) { $0.formUnion(held[$1] ?? []) }
            #expect(LKHReplay.reachable(from: pooled, wraps: eviction.wraps).isDisjoint(with: newSerials), "round \(round)")
            for member in names where !victims.contains(member) {
                let recovered = LKHReplay.reachable(from: held[member] ?? [], wraps: eviction.wraps)
                let nowHeld = Set(try tree.path(of: member).map(\.serial))
                #expect(nowHeld.isSubset(of: recovered), "round \(round): \(member) cannot follow the rekey")
            }
            // Bound: each replaced node is wrapped at most once per child.
            #expect(eviction.wraps.count <= eviction.newKeys.count * degree)
        }
    }

    @Test func evictingEveryoneLeavesAFreshRootAndNoWraps() throws {
        var tree = try self.tree(members: 3)
        let oldRoot = tree.root
        let eviction = try tree.evict(tree.members, random: random)
        #expect(eviction.wraps.isEmpty)
        #expect(eviction.newKeys.count == 1 && tree.root != oldRoot)
        #expect(tree.memberCount == 0)
        _ = try tree.join(LKHMemberID("again"), random: random)
        #expect(tree.memberCount == 1)
    }

    @Test func errorsLeaveTheTreeUnchanged() throws {
        var tree = try self.tree(members: 8)
        let rootBefore = tree.root
        #expect(throws: LKHError.notMember(LKHMemberID("stranger"))) {
            try tree.evict([LKHMemberID("gm1"), LKHMemberID("stranger")], random: random)
        }
        #expect(tree.root == rootBefore && tree.memberCount == 8)
        #expect(throws: LKHError.alreadyMember(LKHMemberID("gm1"))) { try tree.join(LKHMemberID("gm1"), random: random) }
        #expect(throws: LKHError.treeFull(capacity: 8)) { try tree.join(LKHMemberID("ninth"), random: random) }
    }

    @Test func freedLeavesAreReused() throws {
        var tree = try self.tree(members: 8)
        _ = try tree.evict([LKHMemberID("gm2")], random: random)
        let join = try tree.join(LKHMemberID("late"), random: random)
        #expect(join.leaf.position == LKHPosition(10))
        #expect(join.root == tree.root)
    }
}
