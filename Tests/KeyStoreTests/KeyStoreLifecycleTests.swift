import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
@testable import KeyStore
import LKH
import Logging
import Testing

/// The rekey lifecycle (GroupState+Rekey) through the store: rollovers, evictions, counters.
@Suite("KeyStore rekey lifecycle")
struct KeyStoreLifecycleTests {
    @Test("TEK rollover, eviction and a rekey-SA rollover survive a save and restore whole")
    func lifecycleRoundTrip() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var state = try KeyStoreFixtures.state(members: ["a.example", "b.example", "c.example", "d.example"])
        state.setProtocol(.gikev2, of: "a.example")
        state.setProtocol(.gdoi, of: "b.example")
        let store = try KeyStore(path: path)
        try store.save(state, nowMilliseconds: 1)

        _ = try state.rollOverTEKs(atMilliseconds: 2_000, random: SystemRandom())
        #expect(state.lifecycle.retiringTEKs.count == 1 && state.dataSecuritySAs.count == 2)
        _ = try state.evict(["c.example"], atMilliseconds: 3_000, random: SystemRandom())
        #expect(state.lifecycle.lastGDOISequence >= 3)
        try store.save(state, nowMilliseconds: 3_000, history: (kind: "keys-changed", detail: "test"))

        let loaded = try #require(try KeyStore(path: path).load(group: state.name))
        #expect(loaded.snapshot == state.snapshot)
        let (restored, changes) = try GroupState.restoring(loaded.snapshot, definition: state.definition, secrets: GroupSecrets(),
                                                           random: SystemRandom())
        #expect(changes.isEmpty)
        #expect(restored.snapshot == state.snapshot)
        #expect(restored.lifecycle == state.lifecycle)
        #expect(restored.currentTEKs.map(\.spi) == state.currentTEKs.map(\.spi))
        #expect(restored.memberProtocol(of: "b.example") == .gdoi)
        #expect(restored.keyTree?.contains(LKHMemberID("c.example")) == false)
        #expect(try KeyStoreFixtures.paths(restored) == KeyStoreFixtures.paths(state))
        #expect(try store.member("b.example", group: state.name)?.protocol == "gdoi")

        // The next rekey after the restart continues every counter: no SEQ or Message ID again.
        var original = state, again = restored
        let a = try original.rollOverTEKs(atMilliseconds: 4_000, random: SystemRandom())
        let b = try again.rollOverTEKs(atMilliseconds: 4_000, random: SystemRandom())
        #expect(a.gdoiSequence == b.gdoiSequence && a.gikev2MessageID == b.gikev2MessageID)

        // A rekey-SA rollover starts the new SA's Message IDs at 0 and erases the old SA's keys.
        let oldSPI = try #require(state.rekeySA?.spi)
        _ = try state.rollOverRekeySA(atMilliseconds: 5_000, random: SystemRandom())
        try store.save(state, nowMilliseconds: 5_000)
        let rolled = try #require(try store.load(group: state.name))
        #expect(rolled.snapshot.rekey?.spi == state.rekeySA?.spi && rolled.snapshot.rekey?.nextMessageID == 0)
        #expect(rolled.snapshot.lifecycle.rekeySACreatedAtMilliseconds == 5_000)
        let old = try store.locked { () throws(KeyStoreError) in
            try store.query("SELECT state, length(key_material) FROM rekey_sas WHERE spi = ?", [.blob(oldSPI)]) { ($0.text(0), $0.integer(1)) }
        }
        #expect(old.count == 1 && old[0].0 == "deleted" && old[0].1 == 0)
        #expect(try store.history(group: state.name).map(\.kind) == ["keys-changed"])
    }

    @Test("A version-1 file is migrated to the current schema with its rows kept")
    func migrationFromVersionOne() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        do {
            let connection = try SQLiteConnection(path: path)
            for statement in KeyStoreSchema.migrations[0] { try connection.execute(statement) }
            try connection.execute("PRAGMA user_version=1")
            try connection.run("INSERT INTO counters (group_name, name, next, reserved_end) VALUES (?, ?, ?, ?)",
                               [.text("g"), .text("gdoi-seq"), .integer(10), .integer(70)])
        }
        let store = try KeyStore(path: path)
        #expect(try store.schemaVersion == KeyStore.currentSchemaVersion && KeyStore.currentSchemaVersion >= 2)
        #expect(try store.resumePoint(counter: .gdoiSequence, group: "g") == 70)
        let columns = try store.locked { () throws(KeyStoreError) in
            try store.query("SELECT name FROM pragma_table_info('tek_epochs')") { $0.text(0) }
        }
        #expect(columns.contains("remove_at_ms"))
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("The GCKS persists a rekey before sending it, and the persister writes the new epoch")
    func gcksRekeyPersistedFirst() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, groups, persister) = try KeyStoreRestartTests.demoState(in: directory)
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: .ipv4(127, 0, 0, 1, port: 848),
                                                                      identity: GatewayServer.defaultIdentity),
                                     directory: groups, random: SystemRandom())
        let name = try #require(groups.snapshot.first?.name)
        let actions = gcks.rekeyNow(group: name, now: EngineTime(milliseconds: 10_000))
        let persistIndex = try #require(actions.firstIndex { if case .persist = $0 { true } else { false } })
        let sendIndex = try #require(actions.firstIndex { if case .send = $0 { true } else { false } })
        #expect(persistIndex < sendIndex, "persist before the send that carries the keys")
        for action in actions { if case .persist(let record) = action { try persister.persist(record, memberProtocol: "gikev2") } }
        let stored = try #require(try store.load(group: name))
        let current = try #require(groups.snapshot.first)
        #expect(stored.snapshot == current.snapshot)
        #expect(stored.snapshot.teks.count == 2 && stored.snapshot.lifecycle.retiringTEKs.count == 1)
        #expect(stored.snapshot.rekey?.nextMessageID == 1, "Message ID 0 went out; the next is 1")
    }

    @Test("A large tree: an eviction rewrites the changed nodes only, and the file reads back equal")
    func largeTreeIncremental() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        var definition = try KeyStoreFixtures.definition(maximumMembers: 1_024)
        definition.dataSecurity[0].senderIDBits = 16
        var state = try GroupState(definition: definition, secrets: GroupSecrets(), random: SystemRandom())
        for index in 0..<1_000 { _ = try state.admit(member: "gm\(index).example", senderIDCount: nil, random: SystemRandom()) }
        try store.save(state, nowMilliseconds: 1)
        let nodes = try #require(state.keyTree?.export().nodes.count)
        #expect(nodes > 1_900)

        _ = try state.evict(["gm5.example", "gm700.example"], atMilliseconds: 2, random: SystemRandom())
        let before = try store.locked { () throws(KeyStoreError) in try store.query("SELECT total_changes()") { $0.integer(0) } }
        try store.save(state, nowMilliseconds: 2)
        let after = try store.locked { () throws(KeyStoreError) in try store.query("SELECT total_changes()") { $0.integer(0) } }
        let changed = (after.first ?? 0) - (before.first ?? 0)
        // Two leaves and two paths of 10 nodes, two member rows, the TEKs, the rekey SA, counters,
        // the tree header and the group row: not the ~2,000 nodes nor the ~1,000 members.
        #expect(changed < 100, "\(changed) rows changed")
        #expect(try store.load(group: state.name)?.snapshot == state.snapshot)
    }
}
