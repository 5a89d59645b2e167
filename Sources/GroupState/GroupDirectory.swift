import Foundation
import GroupKeyCrypto
import GroupPolicy

/// The groups a key server serves, shared by its GDOI and G-IKEv2 engines: one `GroupState` per
/// group, changed only under the lock, so both engines see one key state. Engines stay pure
/// functions of their inputs; this is the one piece of state they share by reference.
public final class GroupDirectory: @unchecked Sendable {
    // @unchecked: every access to `groups` is under `lock`.
    private let lock = NSLock()
    private var groups: [GroupState]
    private var lists: [MemberList]
    private var listGeneration = 0

    public init(groups: [GroupState], memberLists: [MemberList] = []) {
        self.groups = groups
        self.lists = memberLists
    }

    /// Member lists the groups' authorization entries may name.
    public var memberLists: [MemberList] {
        lock.lock()
        defer { lock.unlock() }
        return lists
    }

    /// A policy reload: the groups and member lists become `body`'s result in one step, so an
    /// engine never sees half a reload.
    public func replaceAll(_ body: (_ groups: [GroupState], _ memberLists: [MemberList]) -> ([GroupState], [MemberList])) {
        lock.lock()
        defer { lock.unlock() }
        (groups, lists) = body(groups, lists)
        listGeneration += 1
    }

    /// Counts `replaceAll` calls: a reader that prepared something per group (the GDOI push
    /// sender's KEKs) compares it to know when groups may have come or gone, without copying the
    /// whole directory after every datagram.
    public var generation: Int {
        lock.lock()
        defer { lock.unlock() }
        return listGeneration
    }

    /// A copy of every group's state, for status and tests.
    public var snapshot: [GroupState] {
        lock.lock()
        defer { lock.unlock() }
        return groups
    }

    /// The name of the group an identification names, if any.
    public func groupName(idType: UInt8, data: [UInt8]) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return groups.first { $0.isNamed(idType: idType, data: data) }?.name
    }

    /// Reads or changes one group under the lock. Changes made by `body` stick only if it
    /// returns normally.
    public func withGroup<Result>(named name: String,
                                  _ body: (inout GroupState) throws(GroupStateError) -> Result) throws(GroupStateError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        guard let index = groups.firstIndex(where: { $0.name == name }) else { throw .unknownGroup(name) }
        var copy = groups[index]
        let result = try body(&copy)
        groups[index] = copy
        return result
    }

    /// Admits a member in place. `withGroup` changes a copy, so every admission would copy the
    /// group's member list and set (quadratic in the members); `GroupState.admit` throws before it
    /// changes anything, so nothing needs undoing and the state can change where it lies.
    public func admit(member: String, senderIDCount: UInt32?, random: some RandomSource,
                      toGroup name: String, memberProtocol: MemberProtocol) throws(GroupStateError) -> GroupState.Admission {
        lock.lock()
        defer { lock.unlock() }
        guard let index = groups.firstIndex(where: { $0.name == name }) else { throw .unknownGroup(name) }
        let admission = try groups[index].admit(member: member, senderIDCount: senderIDCount, random: random)
        // Rekeys reach the member in its own protocol (GSA_REKEY or GROUPKEY-PUSH).
        groups[index].setProtocol(memberProtocol, of: member)
        return admission
    }
}
