import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import Testing

/// Lost datagrams: the initiator resends with backoff (RetransmissionSchedule), the responder
/// answers a resent request with the very same octets and never runs a step twice.
@Suite("Phase1 retransmissions")
struct Phase1RetransmissionTests {
    static let suite = Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey)

    final class Counter: @unchecked Sendable { var value = 0 }

    static func harness(mode: Phase1Mode = .main) -> Phase1Fixtures.Harness {
        Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
                               server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: mode)
    }

    @Test("Each lost answer is recovered by one retransmission", arguments: [2, 4, 6])
    func lostAnswer(_ lost: Int) {
        var harness = Self.harness()
        let counter = Counter()
        harness.network = { _, _, bytes in
            counter.value += 1
            return counter.value == lost ? [] : [bytes]
        }
        Phase1Fixtures.run(&harness)
        #expect(harness.left.phase1 == nil)
        harness.advance(milliseconds: 999)
        #expect(harness.left.phase1 == nil, "not before the first timeout")
        harness.advance(milliseconds: 1)
        #expect(harness.left.phase1 != nil)
        #expect(harness.right.establishedCount == 1)
        // Messages 1 and 3 were processed anew only if their answer was lost before processing; a
        // lost answer means the responder recognised the resent request.
        #expect(harness.right.statistics.retransmissionsAnswered == 1)
    }

    @Test("Duplicated requests are answered with identical octets")
    func duplicates() {
        var harness = Self.harness()
        harness.network = { from, _, bytes in from == Phase1Fixtures.memberAddress ? [bytes, bytes] : [bytes] }
        Phase1Fixtures.run(&harness)
        #expect(harness.left.phase1 != nil)
        #expect(harness.right.establishedCount == 1)
        let answers = harness.delivered.filter { $0.from == Phase1Fixtures.serverAddress }.map(\.bytes)
        // Every answer went out twice, byte for byte.
        #expect(answers.count == 6)
        for pair in stride(from: 0, to: answers.count, by: 2) { #expect(answers[pair] == answers[pair + 1]) }
    }

    @Test("Backoff doubles the wait and the member gives up after the last retransmission")
    func backoffAndGiveUp() {
        var harness = Self.harness()
        harness.network = { from, _, bytes in from == Phase1Fixtures.memberAddress ? [bytes] : [] }
        Phase1Fixtures.run(&harness)
        var sendTimes: [Int64] = [0]
        for step in 1...70 {
            let before = harness.delivered.count
            harness.advance(milliseconds: 1_000)
            if harness.delivered.count > before { sendTimes.append(Int64(step) * 1_000) }
        }
        // 1 s, then 2, 4, 8, 16 s (RetransmissionSchedule.standard), then failure.
        #expect(sendTimes == [0, 1_000, 3_000, 7_000, 15_000, 31_000])
        #expect(harness.left.failure == .timedOut)
        #expect(harness.left.isFinished)
    }

    @Test("Aggressive Mode: a lost message 2 is recovered")
    func aggressiveLostAnswer() {
        var harness = Self.harness(mode: .aggressive)
        let counter = Counter()
        harness.network = { _, _, bytes in
            counter.value += 1
            return counter.value == 2 ? [] : [bytes]
        }
        Phase1Fixtures.run(&harness)
        harness.advance(milliseconds: 1_000)
        #expect(harness.left.phase1 != nil)
        #expect(harness.right.establishedCount == 1)
    }

    @Test("Key server: timers for half-open exchanges and SA lifetimes; an SA ends at its lifetime")
    func lifetime() throws {
        let short = Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey, lifetimeSeconds: 600)
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [short]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [short]))
        Phase1Fixtures.run(&harness)
        #expect(harness.right.establishedCount == 1)
        #expect(harness.left.phase1?.lifetimeSeconds == 600)
        let timers = harness.rightActions.compactMap { if case .scheduleTimer(_, let at) = $0 { return at } else { return nil } }
        #expect(timers.last == EngineTime(milliseconds: 600_000))
        harness.advance(milliseconds: 599_999)
        #expect(harness.right.establishedCount == 1)
        harness.advance(milliseconds: 1)
        #expect(harness.right.establishedCount == 0)
        #expect(harness.left.phase1 == nil)
    }

    /// The responder echoes the transform unchanged (RFC 2408 §4.2) and enforces its own, shorter
    /// limit; it sends no RESPONDER-LIFETIME, so the initiator keeps what it offered until the
    /// responder's expiry shows (a GDOI member re-registers then).
    @Test("The responder holds the SA to the shorter of the offered and configured lifetimes")
    func lifetimeNegotiation() {
        let offered = Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey, lifetimeSeconds: 90_000)
        let ours = Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey, lifetimeSeconds: 3_600)
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [offered]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [ours]))
        Phase1Fixtures.run(&harness)
        #expect(harness.right.phase1SAs.first?.lifetimeSeconds == 3_600)
        // Life Duration over 16 bits travels as a variable attribute (RFC 2409 App. A).
        #expect(harness.left.phase1?.lifetimeSeconds == 90_000)
    }
}
