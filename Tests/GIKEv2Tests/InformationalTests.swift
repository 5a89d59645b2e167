import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("INFORMATIONAL on the registration IKE SA (RFC 7296 §1.4; RFC 9838 §2.3.3)")
struct InformationalTests {
    static func registered(network: ((EndpointAddress, EndpointAddress, [UInt8]) -> [[UInt8]])? = nil,
                           lifetime: Int64 = 600_000) throws -> BackToBackHarness<GroupMemberInitiator, GCKSResponder> {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        return RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory, registrationSALifetime: lifetime),
                                     member: try RegistrationSetup.member(), network: network)
    }

    @Test("A liveness check is answered, and a duplicate of it gets the same answer")
    func liveness() throws {
        var harness = try Self.registered(network: { from, _, bytes in
            from == RegistrationSetup.memberAddress ? [bytes, bytes] : [bytes]
        })
        #expect(harness.left.holdings != nil && harness.left.canSendRequest)
        let before = harness.delivered.count
        let check = harness.left.checkLiveness(now: harness.clock.now)
        harness.pumpFromLeft(check)
        let answers = harness.delivered[before...].filter { $0.from == RegistrationSetup.gcksAddress }.map(\.bytes)
        #expect(answers.count == 2 && answers[0] == answers[1])
        let answer = try IKEv2Message.parse(answers[0])
        #expect(answer.header.exchangeType == IKEv2ExchangeType.informational && answer.header.messageID == 2)
        #expect(harness.leftActions.logCodes.contains("GM-ALIVE"))
        #expect(harness.left.isIKESAOpen)
        // Nothing is outstanding any more: time passes without retransmissions.
        let quiet = harness.delivered.count
        harness.advance(milliseconds: 60_000)
        #expect(harness.delivered.count == quiet)
    }

    @Test("An unanswered liveness check marks the IKE SA closed but keeps the group SAs")
    func unansweredLiveness() throws {
        let plan = FlightPlan()
        var harness = try Self.registered(network: { from, _, bytes in
            guard from == RegistrationSetup.gcksAddress else { return [bytes] }
            plan.count += 1
            return plan.count > 3 ? [] : [bytes]  // the GCKS goes silent after registration
        })
        #expect(harness.left.holdings != nil)
        harness.pumpFromLeft(harness.left.checkLiveness(now: harness.clock.now))
        #expect(!harness.left.canSendRequest, "the check is outstanding")
        for _ in 0..<64 { harness.advance(milliseconds: 1_000) }
        #expect(!harness.left.isIKESAOpen)
        #expect(harness.left.holdings != nil)
        #expect(harness.leftActions.logCodes.contains("GM-GCKS-UNREACHABLE"))
    }

    @Test("The GCKS closes the registration IKE SA at the end of its lifetime; the GM answers and keeps its keys")
    func gcksClosesSA() throws {
        var harness = try Self.registered(lifetime: 60_000)
        #expect(harness.right.sessionCount == 1)
        harness.advance(milliseconds: 59_999)
        #expect(harness.right.sessionCount == 1)
        harness.advance(milliseconds: 1)
        #expect(harness.right.sessionCount == 0)
        #expect(!harness.left.isIKESAOpen)
        #expect(harness.left.holdings?.dataSecuritySAs.count == 1)
        #expect(harness.rightActions.logCodes.contains("GCKS-IKE-SA-CLOSED"))
        #expect(harness.leftActions.logCodes.contains("GM-IKE-SA-CLOSED"))
    }

    @Test("A registration SA that carries in-band rekeys outlives the short lifetime, then closes at its own (RFC 9838 §2.3.3, §2.4.2)")
    func inbandSAKeptLonger() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7), inbandRekey: true)])
        var configuration = GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress, identity: RegistrationSetup.gcksIdentity,
                                              registrationSALifetimeMilliseconds: 60_000)
        configuration.inbandRegistrationSALifetimeMilliseconds = 600_000
        let gcks = try GCKSResponder(configuration: configuration, directory: directory, random: DeterministicRandom(seed: 8))
        var harness = RegistrationSetup.run(gcks: gcks, member: try RegistrationSetup.member())
        #expect(harness.right.sessionCount == 1)
        harness.advance(milliseconds: 120_000)
        #expect(harness.right.sessionCount == 1 && harness.left.isIKESAOpen)
        harness.advance(milliseconds: 480_000)
        #expect(harness.right.sessionCount == 0)
        #expect(!harness.left.isIKESAOpen)
        #expect(harness.rightActions.logCodes.contains("GCKS-IKE-SA-CLOSED"))
    }

    @Test("INFORMATIONAL before registration, or damaged, is dropped")
    func informationalNeedsRegistration() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        var gcks = try RegistrationSetup.gcks(directory)
        let header = IKEv2Header(initiatorSPI: 1, responderSPI: 2, exchangeType: IKEv2ExchangeType.informational,
                                 flags: IKEv2Header.initiatorFlag, messageID: 2)
        let bogus = try IKEv2Message(header: header, payloads: [.encrypted(EncryptedPayload(firstInnerPayload: 0,
                                                                                             content: Array(repeating: 0, count: 48)))])
            .serializedBytes()
        #expect(gcks.handle(datagram: bogus, from: RegistrationSetup.memberAddress, now: .zero).sentDatagrams.isEmpty)
        #expect(gcks.statistics.datagramsDropped == 1)
    }
}
