import GroupState

/// The key server's memory of what its GDOI members hold, push after push: the KEK each group's
/// pushes are encrypted under. A push that changes the KEK (rollover, or an LKH eviction whose new
/// root becomes the KEK, RFC 6407 §4.3) is encrypted under the old one, and the next under the new
/// one; the group state alone cannot tell the old KEK once an eviction has replaced the tree's root,
/// so the sender keeps it from the moment it first pushes to (or is primed for) the group.
public struct GroupKeyPushSender: Sendable {
    private var keks: [String: GDOIKEKKey] = [:]
    private let builder = GroupKeyPushBuilder()

    public init() {}

    /// Remembers the KEK members of `group` hold now; call before changing the group's key tree.
    public mutating func prime(_ group: GroupState) throws {
        if keks[group.name] == nil, let kek = try GroupKeyPushBuilder.currentKEK(of: group) { keks[group.name] = kek }
    }

    /// The KEK GDOI members of the group hold, as far as this sender knows.
    public func kek(of group: String) -> GDOIKEKKey? { keks[group] }

    /// Builds the push for `content` under the KEK members hold and moves on to the KEK they will
    /// hold after it.
    public mutating func push(_ content: GDOIPushContent, group: GroupState) throws -> [UInt8] {
        try prime(group)
        guard let current = keks[group.name] else { throw GroupKeyError.cannotBuild("group \(group.name) has no KEK to push under") }
        let datagram = try builder.build(content, group: group, encryptingUnder: current)
        keks[group.name] = try GroupKeyPushBuilder.kekAfter(content, group: group, current: current)
        return datagram
    }
}
