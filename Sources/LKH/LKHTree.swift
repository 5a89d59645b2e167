import GroupKeyCrypto

/// What a joining member receives: its leaf key and the keys above it, leaf first, root last
/// (the order of GDOI's LKH_DOWNLOAD_ARRAY, RFC 6407 §5.6.3.1; G-IKEv2 sends the same keys as
/// WRAP_KEYs from the root down, RFC 9838 Appendix A.2).
public struct LKHJoin: Sendable {
    public let member: LKHMemberID
    public let path: [LKHNodeKey]
    public var leaf: LKHNodeKey { path[0] }
    public var root: LKHNodeKey { path[path.count - 1] }
}

/// One new key encrypted under another key (RFC 2627 §5.4.1: each replaced key is sent
/// encrypted under each of its children's current keys).
public struct LKHWrap: Sendable {
    /// The new key being delivered.
    public let key: LKHNodeKey
    /// The key that encrypts it: a child's key, unchanged or itself new in this rekey.
    public let wrappingKey: LKHNodeKey
}

/// The keys a member must decrypt in order, starting under a key it already holds: the shape of
/// a GDOI LKH_UPDATE_ARRAY (RFC 6407 §5.6.3.2), where each key is encrypted under the previous
/// one and the last is the new group KEK.
public struct LKHChain: Sendable {
    public let startingKey: LKHNodeKey
    public let keys: [LKHNodeKey]
}

/// The wire-neutral result of an eviction: which keys were replaced and which key wraps which.
public struct LKHEviction: Sendable {
    public let evicted: [LKHMemberID]
    /// New keys, deepest first, the new root last.
    public let newKeys: [LKHNodeKey]
    /// Old generations that are now dead (evicted leaves, replaced and emptied nodes).
    public let retired: [LKHKeyReference]
    /// Every encryption to perform, deepest first.
    public let wraps: [LKHWrap]
    public var newRoot: LKHNodeKey { newKeys[newKeys.count - 1] }

    /// The wraps grouped as GDOI update arrays: one chain per wrap under a key that remaining
    /// members already hold, following the new keys up to the new root.
    public var chains: [LKHChain] {
        let newSerials = Set(newKeys.map(\.serial))
        var wrapOf: [LKHPosition: LKHWrap] = [:]  // the wrap of a new key under its new child
        for wrap in wraps where newSerials.contains(wrap.wrappingKey.serial) {
            wrapOf[wrap.wrappingKey.position] = wrap
        }
        return wraps.filter { !newSerials.contains($0.wrappingKey.serial) }.map { start in
            var keys = [start.key]
            while let next = wrapOf[keys[keys.count - 1].position] { keys.append(next.key) }
            return LKHChain(startingKey: start.wrappingKey, keys: keys)
        }
    }
}

/// The logical key hierarchy of one group (RFC 2627 §5.4), shared by its GDOI and G-IKEv2
/// members. A value type: callers persist the changes it reports. Randomness is injected.
public struct LKHTree: Sendable {
    public let shape: LKHShape
    /// Octets per node key (the KEK or key-wrap key size of the group's rekey policy).
    public let keyLength: Int
    // Internal, not private: LKHTree+Export.swift reads and restores them.
    var keys: [LKHPosition: LKHNodeKey] = [:]
    var leafOfMember: [LKHMemberID: LKHPosition] = [:]
    var memberAtLeaf: [LKHPosition: LKHMemberID] = [:]
    /// Leaves 0..<leavesUsed have held a member; `freedLeaves` are those among them now empty.
    var leavesUsed = 0
    var freedLeaves = Set<Int>()
    /// Last serial handed out; serials only grow, so a Key ID is never reused.
    public internal(set) var lastSerial: UInt32

    /// A tree with only its root key (the group KEK before anyone has joined).
    public init(shape: LKHShape, keyLength: Int, random: some RandomSource, lastSerial: UInt32 = 0) throws {
        guard keyLength > 0 else { throw LKHError.invalidShape("node keys need a length") }
        self.shape = shape
        self.keyLength = keyLength
        self.lastSerial = lastSerial
        keys[.root] = try makeKey(at: .root, random: random)
    }

    public var root: LKHNodeKey {
        guard let root = keys[.root] else { preconditionFailure("an LKH tree always has a root key") }
        return root
    }

    public var memberCount: Int { leafOfMember.count }
    public var members: [LKHMemberID] { leafOfMember.keys.sorted { $0.value < $1.value } }
    public func contains(_ member: LKHMemberID) -> Bool { leafOfMember[member] != nil }

    /// The member's keys, leaf first, root last.
    public func path(of member: LKHMemberID) throws -> [LKHNodeKey] {
        guard let leaf = leafOfMember[member] else { throw LKHError.notMember(member) }
        return ([leaf] + shape.ancestors(of: leaf)).compactMap { keys[$0] }
    }

    /// The current key at a position, if the subtree there has members.
    public func key(at position: LKHPosition) -> LKHNodeKey? { keys[position] }

    /// Places a member on the lowest free leaf and gives it its path. Interior keys the path lacks
    /// are created; existing ones are handed over unchanged, so a join sends nothing to others.
    public mutating func join(_ member: LKHMemberID, random: some RandomSource) throws -> LKHJoin {
        guard leafOfMember[member] == nil else { throw LKHError.alreadyMember(member) }
        // The lowest free leaf: a freed one below the high-water mark, else the next never used.
        guard let index = freedLeaves.min() ?? (leavesUsed < shape.leafCount ? leavesUsed : nil) else {
            throw LKHError.treeFull(capacity: shape.leafCount)
        }
        let leaf = shape.leaf(at: index)
        // Draw every missing key before changing anything, so an error leaves the tree as it was.
        let positions = [leaf] + shape.ancestors(of: leaf)
        let missing = positions.filter { keys[$0] == nil }
        guard UInt64(lastSerial) + UInt64(missing.count) <= UInt64(UInt32.max) else { throw LKHError.serialsExhausted }
        var fresh: [SecretBytes] = []
        for _ in missing { fresh.append(try random.secret(keyLength)) }
        var path: [LKHNodeKey] = []
        for position in positions {
            if let existing = keys[position] {
                path.append(existing)
            } else {
                lastSerial += 1
                let key = LKHNodeKey(position: position, serial: lastSerial, key: fresh.removeFirst())
                keys[position] = key
                path.append(key)
            }
        }
        leafOfMember[member] = leaf
        memberAtLeaf[leaf] = member
        if freedLeaves.remove(index) == nil { leavesUsed += 1 }
        return LKHJoin(member: member, path: path)
    }

    /// Removes members and replaces every key any of them held (RFC 2627 §5.4.1), batching the
    /// shared ancestors so each is replaced once. Each new key is wrapped under every child key
    /// that remaining members hold, so no removed member can read it. Nothing changes on error:
    /// every check and every random draw happens before the first change, so the tree is changed
    /// in place (no copy of a 100,000-member tree per eviction).
    public mutating func evict(_ removed: [LKHMemberID], random: some RandomSource) throws -> LKHEviction {
        let unique = Array(Set(removed)).sorted { $0.value < $1.value }
        var leaves: [LKHPosition] = []
        for member in unique {
            guard let leaf = leafOfMember[member] else { throw LKHError.notMember(member) }
            leaves.append(leaf)
        }
        var affected = Set<LKHPosition>()
        for leaf in leaves { affected.formUnion(shape.ancestors(of: leaf)) }
        // At most one new key per affected node; draw them all first.
        guard UInt64(lastSerial) + UInt64(affected.count) <= UInt64(UInt32.max) else { throw LKHError.serialsExhausted }
        var fresh: [SecretBytes] = []
        fresh.reserveCapacity(affected.count)
        for _ in 0..<affected.count { fresh.append(try random.secret(keyLength)) }

        var retired: [LKHKeyReference] = []
        let removedLeaves = Set(leaves)
        for (member, leaf) in zip(unique, leaves) {
            leafOfMember[member] = nil
            memberAtLeaf[leaf] = nil
            freedLeaves.insert(Int(leaf.rawValue) - shape.firstLeaf)
            if let old = keys.removeValue(forKey: leaf) { retired.append(old.reference) }
        }
        var newKeys: [LKHNodeKey] = [], wraps: [LKHWrap] = []
        // Deepest first: a parent is wrapped under its children's keys, which must be final.
        for position in affected.sorted(by: >) {
            if let old = keys[position] { retired.append(old.reference) }
            let liveChildren = shape.children(of: position).compactMap { child in
                removedLeaves.contains(child) ? nil : keys[child]
            }
            if liveChildren.isEmpty && position != .root {
                keys[position] = nil
                continue
            }
            lastSerial += 1
            let key = LKHNodeKey(position: position, serial: lastSerial, key: fresh.removeLast())
            keys[position] = key
            newKeys.append(key)
            wraps += liveChildren.map { LKHWrap(key: key, wrappingKey: $0) }
        }
        return LKHEviction(evicted: unique, newKeys: newKeys, retired: retired, wraps: wraps)
    }

    private mutating func makeKey(at position: LKHPosition, random: some RandomSource) throws -> LKHNodeKey {
        guard lastSerial < UInt32.max else { throw LKHError.serialsExhausted }
        lastSerial += 1
        return LKHNodeKey(position: position, serial: lastSerial, key: try random.secret(keyLength))
    }
}
