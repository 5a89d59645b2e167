import EngineCore
import Foundation
@testable import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
@testable import KeyStore
import Logging
import Testing

/// Group commit (StateCommitter, EngineDriver+Durability): admissions are written off the event
/// loop, several per transaction, and the answer that hands out what a record records still waits
/// until the record is on disk.
@Suite("KeyStore group commit", .serialized)
struct GroupCommitTests {
    /// Holds the store's lock on another thread for `milliseconds`, so that no commit can finish
    /// meanwhile; returns when the lock is taken.
    static func holdStore(_ store: KeyStore, milliseconds: UInt32) {
        let taken = DispatchSemaphore(value: 0)
        Thread {
            try? store.locked { () throws(KeyStoreError) in
                taken.signal()
                usleep(milliseconds * 1_000)
            }
        }.start()
        taken.wait()
    }

    @Test("The answer to a registration waits until its admission is committed")
    func answerWaitsForCommit() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, store) = try await KeyStoreRestartTests.server(statePath: directory.appendingPathComponent("state.db").path)
        _ = try await KeyStoreRestartTests.join(server, as: "warm.example")  // first use of the file, outside the timing

        let clock = ContinuousClock()
        let start = clock.now
        Self.holdStore(store, milliseconds: 600)
        _ = try await KeyStoreRestartTests.join(server, as: "gm1.example")
        let waited = clock.now - start
        // Read before the server stops (stopping drains the committer): the row must already be there.
        let row = try store.member("id2:gm1.example", group: "demo-1001")
        await server.stop()
        #expect(row?.protocol == "gikev2", "the admission was on disk when the member got its keys")
        #expect(waited >= .milliseconds(550), "the answer went before the commit could finish (\(waited))")
    }

    @Test("Admissions arriving during a commit share the next one; every member is written")
    func concurrentAdmissionsShareCommits() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, store) = try await KeyStoreRestartTests.server(statePath: directory.appendingPathComponent("state.db").path)
        Self.holdStore(store, milliseconds: 300)
        let names = (0..<24).map { "gm\($0).example" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { _ = try await KeyStoreRestartTests.join(server, as: name) } }
            try await group.waitForAll()
        }
        let (commits, records) = await server.stateCommits()
        for name in names { #expect(try store.member("id2:\(name)", group: "demo-1001") != nil, "\(name) written") }
        await server.stop()
        #expect(records >= names.count, "an admission record per member at least (\(records))")
        #expect(commits < records, "records queued behind the held lock went out in shared commits (\(commits) for \(records))")
    }

    @Test("An admission that cannot be stored hands out nothing, not even to a retransmission; the member's next try works")
    func unstoredAdmissionGivesNoKeys() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, store) = try await KeyStoreRestartTests.server(statePath: directory.appendingPathComponent("state.db").path)
        // No Sender-IDs asked for: the admission is one record, written alone, and the injected
        // failure (the next transaction's first statement) sinks it.
        var options = MemberClient.Options(server: server.boundAddresses[0], groupID: MemberClient.groupIdentification("1001"),
                                           identity: MemberClient.memberIdentification("gm1.example"),
                                           preSharedKey: DemoSecrets.preSharedKey, senderIDsRequested: nil,
                                           timeoutMilliseconds: 4_000)
        store.failAtStatement = 1
        let refused = try await MemberClient.join(options, logger: KeyStoreRestartTests.quietLogger)
        let heldAfterFailure = await server.sessionCount()
        options.timeoutMilliseconds = 15_000
        let second = try await MemberClient.join(options, logger: KeyStoreRestartTests.quietLogger)
        let stored = try store.member("id2:gm1.example", group: "demo-1001")
        await server.stop()
        if case .registered = refused { Issue.record("keys went out for an admission the state file does not hold") }
        #expect(heldAfterFailure == 0, "the registration SA with the cached answer is gone")
        guard case .registered = second else {
            Issue.record("the next registration failed: \(second)")
            return
        }
        #expect(stored != nil, "the second admission is stored")
    }

    @Test("Retransmissions answered while the admission's commit is on its way get nothing when the commit fails")
    func retransmissionDuringFailingCommitGetsNothing() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, store) = try await KeyStoreRestartTests.server(statePath: directory.appendingPathComponent("state.db").path)
        let options = MemberClient.Options(server: server.boundAddresses[0], groupID: MemberClient.groupIdentification("1001"),
                                           identity: MemberClient.memberIdentification("gm1.example"),
                                           preSharedKey: DemoSecrets.preSharedKey, senderIDsRequested: nil,
                                           timeoutMilliseconds: 5_000)
        // The admission's commit waits 2.5 s for the lock, then fails; meanwhile the member's
        // retransmitted GSA_AUTH requests are answered from the SA's cache, and those answers wait
        // behind the record too.
        store.failAtStatement = 1
        Self.holdStore(store, milliseconds: 2_500)
        let outcome = try await MemberClient.join(options, logger: KeyStoreRestartTests.quietLogger)
        let statistics = await server.statistics()
        await server.stop()
        if case .registered = outcome { Issue.record("a held answer to a retransmission carried the keys of an admission that was not stored") }
        #expect(statistics.retransmissionsAnswered > 0, "the member retransmitted while the commit was held (else this shows nothing)")
    }

    @Test("A GDOI admission that cannot be stored hands out nothing, not even to a retransmitted message 3")
    func unstoredGDOIAdmissionGivesNoKeys() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, store) = try await KeyStoreRestartTests.server(statePath: directory.appendingPathComponent("state.db").path)
        var options = GDOIMemberClient.Options(server: server.boundAddresses[0], group: 1001,
                                               identity: GDOIMemberClient.memberIdentification("gdoi-gm.example"),
                                               preSharedKey: DemoSecrets.preSharedKey, senderIDsRequested: nil, timeoutMilliseconds: 4_000)
        store.failAtStatement = 1
        let refused = try await GDOIMemberClient.join(options, logger: KeyStoreRestartTests.quietLogger)
        options.timeoutMilliseconds = 15_000
        let second = try await GDOIMemberClient.join(options, logger: KeyStoreRestartTests.quietLogger)
        await server.stop()
        if case .registered = refused { Issue.record("GROUPKEY-PULL keys went out for an admission the state file does not hold") }
        guard case .registered = second else {
            Issue.record("the next GDOI registration failed: \(second)")
            return
        }
    }

    @Test("An operator rekey whose state cannot be written is answered CTL-NOT-STORED; the next one is answered as usual")
    func unstoredRekeyIsReported() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, groups, persister) = try KeyStoreRestartTests.demoState(in: directory)
        let socket = "/tmp/gk-gc-\(UUID().uuidString.prefix(8)).sock"
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: KeyStoreRestartTests.quietLogger, persister: persister)
        configuration.controlSocketPath = socket
        let server = try await GatewayServer.start(configuration: configuration, directory: groups)
        store.failAtStatement = 1
        let failed = try await ControlClient.send(.rekey(group: "demo-1001", dryRun: false), to: socket)
        let next = try await ControlClient.send(.rekey(group: "demo-1001", dryRun: false), to: socket)
        await server.stop()
        #expect(!failed.ok && failed.error?.code == .notStored, "\(String(describing: failed.error))")
        #expect(next.ok, "\(String(describing: next.error))")
    }

    @Test("Errors about the file are not retried record by record; far-behind commits stop new IKE SAs")
    func storeWideErrorsAndBacklog() {
        #expect(StatePersister.isStoreWide(.sqlite(code: 5, message: "database is locked")), "SQLITE_BUSY")
        #expect(StatePersister.isStoreWide(.sqlite(code: 1034, message: "disk I/O error")), "SQLITE_IOERR_FSYNC")
        #expect(StatePersister.isStoreWide(.sqlite(code: 13, message: "database or disk is full")), "SQLITE_FULL")
        #expect(!StatePersister.isStoreWide(.sqlite(code: 2067, message: "UNIQUE constraint failed")), "a record's own fault")
        #expect(!StatePersister.isStoreWide(.injected("statement 1")))

        var queue = DurabilityQueue()
        #expect(!queue.isBacklogged)
        queue.submitted = DurabilityQueue.maximumHeld + 1
        #expect(queue.isBacklogged, "records far ahead of the disk")
        queue.durable = queue.submitted
        #expect(!queue.isBacklogged)
    }

    @Test("A batch that fails is written record by record; a record for an unserved group fails alone")
    func batchFailureIsolated() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, groups, persister) = try KeyStoreRestartTests.demoState(in: directory)
        let name = try #require(groups.snapshot.first?.name)

        // The batch's transaction fails at its first statement (the hook fires once); each record
        // is then written alone and lands.
        store.failAtStatement = 1
        let failures = persister.persist(batch: [
            (record: .counterReserved(group: name, counter: .gdoiSequence, end: 40), memberProtocol: "gdoi"),
            (record: .counterReserved(group: name, counter: .gikev2RekeyMessageID, end: 7), memberProtocol: "gikev2"),
        ])
        #expect(failures.isEmpty)
        #expect(try store.reserve(counter: .gdoiSequence, group: name, count: 1).lowerBound >= 40)
        #expect(try store.reserve(counter: .gikev2RekeyMessageID, group: name, count: 1).lowerBound >= 7)

        let mixed = persister.persist(batch: [
            (record: .counterReserved(group: "no-such-group", counter: .gdoiSequence, end: 5), memberProtocol: "gdoi"),
            (record: .counterReserved(group: name, counter: .gdoiSequence, end: 90), memberProtocol: "gdoi"),
        ])
        #expect(mixed.keys.sorted() == [0], "only the unserved group's record failed")
        #expect(try store.reserve(counter: .gdoiSequence, group: name, count: 1).lowerBound >= 90)
    }
}
