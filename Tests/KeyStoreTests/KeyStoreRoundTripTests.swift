import Foundation
import GroupKeyCrypto
import GroupPolicy
import GroupState
@testable import KeyStore
import LKH
import Testing

@Suite("KeyStore round trip")
struct KeyStoreRoundTripTests {
    @Test("A saved group comes back with the same TEKs, rekey SA, LKH paths, members and counters")
    func roundTrip() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var original = try KeyStoreFixtures.state(members: ["a.example", "b.example", "c.example"])
        _ = original.takeRekeyMessageID()
        _ = original.takeRekeyMessageID()
        try KeyStore(path: path).save(original, nowMilliseconds: 5_000)

        // A new process: a new handle, a new random source that would make different keys.
        let stored = try #require(try KeyStore(path: path).load(group: original.name))
        let (restored, changes) = try GroupState.restoring(stored.snapshot, definition: original.definition, secrets: GroupSecrets(),
                                                           random: SystemRandom(), nowMilliseconds: 9_000)
        #expect(changes.isEmpty)
        #expect(restored.dataSecuritySAs.count == 1)
        #expect(restored.dataSecuritySAs.map(\.spi) == original.dataSecuritySAs.map(\.spi))
        // SecretBytes == compares in constant time (GroupKeyCrypto.ConstantTime).
        #expect(restored.dataSecuritySAs[0].keyMaterial == original.dataSecuritySAs[0].keyMaterial)
        #expect(restored.dataSecuritySAs[0].createdAtMilliseconds == 1_000)
        #expect(restored.rekeySA?.spi == original.rekeySA?.spi)
        #expect(restored.rekeySA?.keyMaterial == original.rekeySA?.keyMaterial)
        #expect(restored.rekeySA?.nextMessageID == 2)
        #expect(restored.members == ["a.example", "b.example", "c.example"])
        #expect(restored.senderIDs?.next == 3)
        #expect(restored.keyTree?.lastSerial == original.keyTree?.lastSerial)
        let before = try KeyStoreFixtures.paths(original), after = try KeyStoreFixtures.paths(restored)
        #expect(before.count == 3)
        #expect(before.keys.sorted() == after.keys.sorted())
        for (member, path) in before { #expect(after[member] == path, "LKH path of \(member)") }
        #expect(restored.snapshot == original.snapshot)

        // The restored group goes on as the original would: the next member takes the next leaf
        // and serials past every one handed out; a returning member keeps its path.
        var next = restored
        let admission = try next.admit(member: "d.example", senderIDCount: 1, random: SystemRandom())
        #expect(admission.senderIDs == [3])
        #expect(admission.keyPath.allSatisfy { key in
            before.values.allSatisfy { path in !path.contains { $0.serial == key.serial && $0.key != key.key } }
        })
        let returning = try next.admit(member: "a.example", senderIDCount: nil, random: SystemRandom())
        #expect(returning.keyPath == before["a.example"])
    }

    @Test("A damaged file whose TEK or rekey SA time is out of range loads as corrupt, not as a time that traps later",
          arguments: ["UPDATE tek_epochs SET created_ms = 9223372036854775000", "UPDATE rekey_sas SET created_ms = -5"])
    func timesOutOfRangeAreCorrupt(damage: String) throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        let state = try KeyStoreFixtures.state(members: ["a.example"])
        try store.save(state, nowMilliseconds: 1)
        #expect(try store.load(group: state.name) != nil)
        try store.locked { () throws(KeyStoreError) in try store.connection.run(damage) }
        #expect(throws: KeyStoreError.self) { _ = try store.load(group: state.name) }
    }

    @Test("The stored policy is the group's native XML, and it reads back to the same definition")
    func policyStored() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        let state = try KeyStoreFixtures.state(members: [])
        try store.save(state, nowMilliseconds: 1)
        let stored = try #require(try store.load(group: state.name))
        #expect(try PolicyReader.decode(stored.policyXML).groups == [state.definition])
        #expect(try store.groupNames() == [state.name])
        #expect(try store.load(group: "no-such-group") == nil)
    }

    @Test("An admission recorded alone matches a full save, with the member's protocol and Sender-IDs")
    func admissionRecord() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        var state = try KeyStoreFixtures.state(members: ["a.example"])
        try store.save(state, nowMilliseconds: 1)
        for member in ["b.example", "c.example", "d.example"] {
            let admission = try state.admit(member: member, senderIDCount: 2, random: SystemRandom())
            state.setProtocol(.gikev2, of: member)  // what the record says, the state says too
            try store.recordAdmission(of: member, protocol: "gikev2", senderIDs: admission.senderIDs, in: state, nowMilliseconds: 2)
        }
        let stored = try #require(try store.load(group: state.name))
        #expect(stored.snapshot == state.snapshot)
        let member = try #require(try store.member("c.example", group: state.name))
        #expect(member.protocol == "gikev2" && member.senderIDs == [3, 4])
        #expect(member.leaf == Int(try #require(state.keyTree?.path(of: LKHMemberID("c.example")).first).position.rawValue))
    }

    @Test("A policy whose TEK transforms changed starts a new TEK epoch; the rekey SA, tree and members stay")
    func transformChange() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        let original = try KeyStoreFixtures.state(members: ["a.example", "b.example"])
        try store.save(original, nowMilliseconds: 1)
        var changed = original.definition
        changed.dataSecurity[0].keyLength = 128
        changed.dataSecurity[0].lifetimeSeconds = 7_200
        let stored = try #require(try store.load(group: original.name))
        let (restored, changes) = try GroupState.restoring(stored.snapshot, definition: changed, secrets: GroupSecrets(),
                                                           random: SystemRandom())
        #expect(changes.count == 1)
        guard case .newTEK(let policy, let was, let now)? = changes.first else { Issue.record("\(changes)"); return }
        #expect(policy == changed.dataSecurity[0].name && was?.contains("/256") == true && now.contains("/128"))
        #expect(restored.dataSecuritySAs[0].spi != original.dataSecuritySAs[0].spi)
        #expect(restored.rekeySA?.keyMaterial == original.rekeySA?.keyMaterial)
        #expect(try KeyStoreFixtures.paths(restored) == KeyStoreFixtures.paths(original))

        // Only a lifetime change: the stored TEK is kept under the new lifetime.
        var lifetimeOnly = original.definition
        lifetimeOnly.dataSecurity[0].lifetimeSeconds = 7_200
        let (kept, none) = try GroupState.restoring(stored.snapshot, definition: lifetimeOnly, secrets: GroupSecrets(),
                                                    random: SystemRandom())
        #expect(none.isEmpty)
        #expect(kept.dataSecuritySAs[0].keyMaterial == original.dataSecuritySAs[0].keyMaterial)
        #expect(kept.dataSecuritySAs[0].policy.lifetimeSeconds == 7_200)

        // Saving the new epoch retires the old TEK: its row stays, marked deleted, key erased.
        try store.save(restored, nowMilliseconds: 2)
        let rows = try store.locked { () throws(KeyStoreError) in
            try store.query("SELECT state, length(key_material) FROM tek_epochs ORDER BY created_ms, state") { ($0.text(0), $0.integer(1)) }
        }
        #expect(rows.count == 2)
        #expect(rows.contains { $0.0 == "deleted" && $0.1 == 0 })
        #expect(rows.contains { $0.0 == "active" && $0.1 > 0 })
    }

    @Test("A changed rekey policy gives a new rekey SA and key tree; the members stay listed")
    func rekeyChange() throws {
        let original = try KeyStoreFixtures.state(members: ["a.example"])
        var changed = original.definition
        changed.rekey?.keyWrap = .kw5649_128
        let (restored, changes) = try GroupState.restoring(original.snapshot, definition: changed, secrets: GroupSecrets(),
                                                           random: SystemRandom())
        #expect(changes.contains { if case .newRekeySA = $0 { true } else { false } })
        #expect(restored.rekeySA?.spi != original.rekeySA?.spi)
        #expect(restored.keyTree?.memberCount == 0)
        #expect(restored.members == ["a.example"])
        #expect(restored.dataSecuritySAs[0].keyMaterial == original.dataSecuritySAs[0].keyMaterial)
    }

    @Test("Keys that expired while the server was down are replaced, not served again")
    func expiredKeys() throws {
        let original = try KeyStoreFixtures.state(members: ["a.example"])  // created at 1,000 ms
        let tekLifetime = Int64(original.definition.dataSecurity[0].lifetimeSeconds) * 1000
        let (live, none) = try GroupState.restoring(original.snapshot, definition: original.definition, secrets: GroupSecrets(),
                                                    random: SystemRandom(), nowMilliseconds: 1_000 + tekLifetime - 1)
        #expect(none.isEmpty && live.dataSecuritySAs[0].spi == original.dataSecuritySAs[0].spi)
        let (later, changes) = try GroupState.restoring(original.snapshot, definition: original.definition, secrets: GroupSecrets(),
                                                        random: SystemRandom(), nowMilliseconds: 1_000 + tekLifetime)
        #expect(changes == [.expiredTEK(policy: original.definition.dataSecurity[0].name)])
        #expect(later.dataSecuritySAs.count == 1 && later.dataSecuritySAs[0].spi != original.dataSecuritySAs[0].spi)
        #expect(later.rekeySA?.spi == original.rekeySA?.spi, "the rekey SA lives longer (86,400 s)")
        let rekeyLifetime = Int64(try #require(original.definition.rekey).lifetimeSeconds) * 1000
        let (much, both) = try GroupState.restoring(original.snapshot, definition: original.definition, secrets: GroupSecrets(),
                                                    random: SystemRandom(), nowMilliseconds: 1_000 + rekeyLifetime)
        #expect(both.contains(.expiredRekeySA) && much.rekeySA?.spi != original.rekeySA?.spi)
        #expect(much.keyTree?.memberCount == 0 && much.members == ["a.example"])
    }

    @Test("A changed tree shape gives a new tree and says so")
    func treeShapeChange() throws {
        let original = try KeyStoreFixtures.state(members: ["a.example"])
        var bigger = original.definition
        bigger.lkh = LKHParameters(maximumMembers: 1_000)
        let (restored, changes) = try GroupState.restoring(original.snapshot, definition: bigger, secrets: GroupSecrets(),
                                                           random: SystemRandom())
        #expect(changes == [.newKeyTree])
        #expect(restored.keyTree?.memberCount == 0 && restored.rekeySA?.spi == original.rekeySA?.spi)
        var none = original.definition
        none.lkh = nil
        #expect(try GroupState.restoring(original.snapshot, definition: none, secrets: GroupSecrets(), random: SystemRandom()).changes
                == [.newKeyTree])
    }

    @Test("A stored tree that no tree could produce is refused, not trusted")
    func corruptTree() throws {
        let original = try KeyStoreFixtures.state(members: ["a.example"])
        let export = try #require(original.keyTree?.export())
        let noRoot = LKHTreeExport(degree: export.degree, depth: export.depth, keyLength: export.keyLength, lastSerial: export.lastSerial,
                                   nodes: export.nodes.filter { $0.position != .root }, placements: export.placements,
                                   leavesUsed: export.leavesUsed, freedLeaves: [])
        #expect(throws: LKHError.self) { try LKHTree(restoring: noRoot) }
        let futureSerial = LKHTreeExport(degree: export.degree, depth: export.depth, keyLength: export.keyLength, lastSerial: 1,
                                         nodes: export.nodes, placements: export.placements, leavesUsed: export.leavesUsed, freedLeaves: [])
        #expect(throws: LKHError.self) { try LKHTree(restoring: futureSerial) }
        #expect(try LKHTree(restoring: export).export() == export)
    }
}
