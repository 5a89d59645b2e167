import Foundation
import GroupKeyCrypto
import GroupState
@testable import KeyStore
import Testing

@Suite("KeyStore transactions")
struct KeyStoreTransactionTests {
    @Test("A save that fails at any statement leaves the previous state whole")
    func rollbackAtEveryStatement() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        let before = try KeyStoreFixtures.state(members: ["a.example", "b.example"])
        try store.save(before, nowMilliseconds: 1)
        let saved = try #require(try store.load(group: before.name)).snapshot

        var after = before
        for member in ["c.example", "d.example", "e.example"] {
            _ = try after.admit(member: member, senderIDCount: 1, random: SystemRandom())
        }
        _ = after.takeRekeyMessageID()
        var failures = 0
        for statement in 1...200 {
            store.failAtStatement = statement
            do {
                try store.save(after, nowMilliseconds: 2)
                store.failAtStatement = nil
                break  // the save has fewer statements than this: it completed
            } catch KeyStoreError.injected {
                failures += 1
                #expect(try store.load(group: before.name)?.snapshot == saved, "after a failure at statement \(statement)")
                #expect(try store.resumePoint(counter: .senderID, group: before.name) == 2)
            }
        }
        #expect(failures > 10, "the save is many statements, each one a place to fail")
        #expect(try store.load(group: before.name)?.snapshot == after.snapshot, "the save without a failure lands whole")
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("A failed admission record leaves neither the member nor its keys behind")
    func admissionRollback() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        var state = try KeyStoreFixtures.state(members: ["a.example"])
        try store.save(state, nowMilliseconds: 1)
        let saved = try #require(try store.load(group: state.name)).snapshot
        let admission = try state.admit(member: "b.example", senderIDCount: 1, random: SystemRandom())
        store.failAtStatement = 3
        #expect(throws: KeyStoreError.injected("statement 3")) {
            try store.recordAdmission(of: "b.example", protocol: "gikev2", senderIDs: admission.senderIDs, in: state, nowMilliseconds: 2)
        }
        #expect(try store.load(group: state.name)?.snapshot == saved)
        #expect(try store.member("b.example", group: state.name) == nil)
    }
}

@Suite("KeyStore counters")
struct KeyStoreCounterTests {
    @Test("Blocks follow each other, per group and counter, from each counter's first value")
    func blocks() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        #expect(try store.reserve(counter: .gdoiSequence, group: "g") == 1..<65, "GDOI SEQ starts at 1 (RFC 6407 §5.7)")
        #expect(try store.reserve(counter: .gdoiSequence, group: "g") == 65..<129)
        #expect(try store.reserve(counter: .gikev2RekeyMessageID, group: "g", count: 10) == 0..<10, "Message IDs start at 0")
        #expect(try store.reserve(counter: .gdoiSequence, group: "h", count: 3) == 1..<4)
        var numbers = ReservedNumbers(try store.reserve(counter: .gikev2RekeyMessageID, group: "g", count: 2))
        #expect(numbers.take() == 10 && numbers.take() == 11 && numbers.take() == nil)
    }

    @Test("After a reopen, no number is reused, used or not")
    func noReuseAcrossReopen() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var handedOut = Set<UInt64>()
        for _ in 0..<5 {
            let store = try KeyStore(path: path)
            var block = ReservedNumbers(try store.reserve(counter: .gdoiSequence, group: "g", count: 16))
            // Use only part of the block, as a server that stops (or crashes) mid-block does.
            for _ in 0..<5 {
                let taken = block.take()
                let number = try #require(taken)
                #expect(handedOut.insert(number).inserted, "number \(number) handed out twice")
            }
            #expect(try store.resumePoint(counter: .gdoiSequence, group: "g") > handedOut.max() ?? 0)
        }
        #expect(handedOut.count == 25)
    }

    @Test("A counter that would pass its wire field's maximum is exhausted, not wrapped")
    func exhaustion() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        _ = try store.reserve(counter: .gikev2RekeyMessageID, group: "g", count: UInt64(UInt32.max) - 1)
        #expect(try store.reserve(counter: .gikev2RekeyMessageID, group: "g", count: 2) == UInt64(UInt32.max) - 1..<UInt64(UInt32.max) + 1)
        #expect(throws: KeyStoreError.counterExhausted(counter: "gikev2-rekey-message-id", group: "g")) {
            try store.reserve(counter: .gikev2RekeyMessageID, group: "g", count: 1)
        }
    }

    @Test("A restored rekey SA resumes its Message ID past the last reserved block")
    func rekeyMessageIDResumes() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try KeyStore(path: directory.appendingPathComponent("state.db").path)
        let state = try KeyStoreFixtures.state(members: [])
        try store.save(state, nowMilliseconds: 1)
        _ = try store.reserve(counter: .gikev2RekeyMessageID, group: state.name)  // 0..<64, committed before use
        let stored = try #require(try store.load(group: state.name))
        #expect(stored.snapshot.rekey?.nextMessageID == 64)
    }
}
