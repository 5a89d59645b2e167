import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// Counts datagrams in flight so a test can drop or duplicate chosen ones.
final class FlightPlan: @unchecked Sendable {
    var count = 0
}

@Suite("G-IKEv2 retransmission and the responder's cache")
struct RetransmissionTests {
    static func demoDirectory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
    }

    @Test("Duplicated requests are answered with the same bytes and processed once")
    func duplicatesAnsweredFromCache() throws {
        let directory = try Self.demoDirectory()
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member(senderIDs: 1),
                                            network: { from, _, bytes in
                                                from == RegistrationSetup.memberAddress ? [bytes, bytes] : [bytes]
                                            })
        #expect(harness.left.holdings != nil)
        let answers = harness.delivered.filter { $0.from == RegistrationSetup.gcksAddress }.map(\.bytes)
        // IKE_SA_INIT twice, then the GSA_AUTH response (in RFC 7383 fragments) twice.
        let fragments = (answers.count - 2) / 2
        #expect(fragments >= 2 && answers.count == 2 + 2 * fragments)
        #expect(answers[0] == answers[1], "IKE_SA_INIT answered twice with identical octets")
        #expect(answers[2..<(2 + fragments)] == answers[(2 + fragments)...], "GSA_AUTH answered twice with identical octets")
        #expect(harness.right.statistics.retransmissionsAnswered == 2)
        #expect(harness.right.statistics.registrations == 1)
        #expect(directory.snapshot[0].senderIDs?.next == 1, "the duplicate did not allocate a second Sender-ID")
    }

    @Test("A lost response is recovered: the GM retransmits after its timeout and the GCKS resends its cached answer")
    func lostResponseRecovered() throws {
        let plan = FlightPlan()
        var harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(),
                                            network: { from, _, bytes in
                                                guard from == RegistrationSetup.gcksAddress else { return [bytes] }
                                                plan.count += 1
                                                return plan.count == 2 ? [] : [bytes]  // lose the GSA_AUTH response
                                            })
        #expect(harness.left.holdings == nil && harness.left.failure == nil)
        harness.advance(milliseconds: 999)
        #expect(harness.left.holdings == nil, "nothing is resent before the 1 s timeout")
        harness.advance(milliseconds: 1)
        #expect(harness.left.holdings != nil)
        let requests = harness.delivered.filter { $0.from == RegistrationSetup.memberAddress }.map(\.bytes)
        #expect(requests.count == 3 && requests[1] == requests[2], "the retransmitted GSA_AUTH is the same octets")
        #expect(harness.right.statistics.retransmissionsAnswered == 1)
        #expect(harness.right.statistics.registrations == 1)
    }

    @Test("Without answers the GM backs off 1, 2, 4, 8, 16, 16 s and then gives up")
    func backoffThenTimeout() throws {
        var harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(),
                                            network: { from, _, bytes in from == RegistrationSetup.gcksAddress ? [] : [bytes] })
        var sendTimes: [Int64] = [0]
        for _ in 0..<48_000 / 500 {
            let before = harness.delivered.count
            harness.advance(milliseconds: 500)
            if harness.delivered.count > before { sendTimes.append(harness.clock.now.milliseconds) }
        }
        #expect(sendTimes == [0, 1_000, 3_000, 7_000, 15_000, 31_000])
        #expect(harness.left.failure == .timedOut)
    }

    @Test("An IKE_SA_INIT copy arriving after registration gets the old answer and opens no second SA")
    func lateInitCopy() throws {
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()), member: try RegistrationSetup.member())
        #expect(harness.left.holdings != nil)
        var gcks = harness.right
        let answer = gcks.handle(datagram: harness.delivered[0].bytes, from: RegistrationSetup.memberAddress, now: .zero)
        #expect(answer.sentDatagrams == [harness.delivered[1].bytes])
        #expect(gcks.sessionCount == 1)
    }

    @Test("Half-open IKE SAs expire on tick")
    func halfOpenExpiry() throws {
        var gcks = try RegistrationSetup.gcks(try Self.demoDirectory())
        var member = try RegistrationSetup.member()
        let start = member.start(now: .zero)
        _ = gcks.handle(datagram: start.sentDatagrams[0], from: RegistrationSetup.memberAddress, now: .zero)
        #expect(gcks.halfOpenCount == 1)
        _ = gcks.tick(now: EngineTime(milliseconds: 29_999))
        #expect(gcks.halfOpenCount == 1)
        _ = gcks.tick(now: EngineTime(milliseconds: 30_000))
        #expect(gcks.halfOpenCount == 0)
    }
}
