import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("IKE fragmentation of large GSA_AUTH responses (RFC 7383)")
struct FragmentationTests {
    static func demoDirectory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
    }

    static func gcksDatagrams(_ harness: BackToBackHarness<GroupMemberInitiator, GCKSResponder>) -> [[UInt8]] {
        harness.delivered.filter { $0.from == RegistrationSetup.gcksAddress }.map(\.bytes)
    }

    @Test("Over IPv4 every datagram of the demo registration fits 576 octets, and the GM reassembles the response")
    func demoResponseIsFragmented() throws {
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(senderIDs: 1))
        #expect(harness.left.holdings != nil)
        let answers = Self.gcksDatagrams(harness)
        #expect(answers.count >= 3, "IKE_SA_INIT response and at least two fragments")
        // 576 less IP (20), UDP (8) and the non-ESP marker (4) (RFC 7383 §2.5.1, Appendix B).
        #expect(answers.allSatisfy { $0.count <= 544 })
        let fragments = try answers.dropFirst().map { try IKEv2Message.parse($0) }
        for (index, fragment) in fragments.enumerated() {
            guard case .encryptedFragment(let skf) = fragment.payloads.last else { Issue.record("not SKF"); continue }
            #expect(Int(skf.fragmentNumber) == index + 1 && Int(skf.totalFragments) == fragments.count)
            #expect(fragment.header.messageID == 1 && fragment.header.exchangeType == IKEv2ExchangeType.gsaAuth)
            #expect((skf.firstInnerPayload == 0) == (index > 0), "only fragment 1 names the first inner payload")
        }
    }

    @Test("A member that did not announce fragmentation gets the response whole")
    func noFragmentationWithoutAnnouncement() throws {
        var configuration = try RegistrationSetup.member().configuration
        configuration.announceFragmentation = false
        let member = try GroupMemberInitiator(configuration: configuration, random: DeterministicRandom(seed: 0x90))
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()), member: member)
        #expect(harness.left.holdings != nil)
        let answers = Self.gcksDatagrams(harness)
        #expect(answers.count == 2 && answers[1].count > 544)
        let initResponse = try IKEv2Message.parse(answers[0])
        #expect(!initResponse.payloads.contains { if case .notify(let n) = $0 { n.messageType == IKEv2NotifyType.ikev2FragmentationSupported } else { false } })
    }

    @Test("IPv6 peers get the 1280-octet threshold")
    func ipv6Threshold() throws {
        let v6 = EndpointAddress(addressOctets: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2], port: 500)
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(address: v6))
        #expect(harness.left.holdings != nil)
        #expect(Self.gcksDatagrams(harness).count == 2, "the demo response fits 1228 octets whole")
    }

    @Test("A lost fragment is recovered by the GM's retransmission; the GCKS resends every fragment unchanged")
    func lostFragment() throws {
        let plan = FlightPlan()
        var harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(),
                                            network: { from, _, bytes in
                                                guard from == RegistrationSetup.gcksAddress else { return [bytes] }
                                                plan.count += 1
                                                return plan.count == 3 ? [] : [bytes]  // lose fragment 2 of the first answer
                                            })
        #expect(harness.left.holdings == nil)
        harness.advance(milliseconds: 1_000)
        #expect(harness.left.holdings != nil)
        #expect(harness.right.statistics.retransmissionsAnswered == 1)
    }

    @Test("Mutated fragments never crash the GM nor make it hold keys")
    func fragmentSweep() throws {
        let directory = try Self.demoDirectory()
        var gcks = try RegistrationSetup.gcks(directory)
        var member = try RegistrationSetup.member()
        let from = RegistrationSetup.memberAddress, server = RegistrationSetup.gcksAddress
        let initResponse = gcks.handle(datagram: member.start(now: .zero).sentDatagrams[0], from: from, now: .zero).sentDatagrams[0]
        let authRequest = member.handle(datagram: initResponse, from: server, now: .zero).sentDatagrams[0]
        let fragments = gcks.handle(datagram: authRequest, from: from, now: .zero).sentDatagrams
        #expect(fragments.count >= 2)
        for (index, fragment) in fragments.enumerated() {
            var held = 0
            WireMutator.forEachMutation(of: fragment, randomRuns: 100) { mutated in
                guard mutated != fragment else { return }
                var copy = member
                for (other, original) in fragments.enumerated() {
                    _ = copy.handle(datagram: other == index ? mutated : original, from: server, now: .zero)
                }
                if copy.holdings != nil { held += 1 }
            }
            #expect(held == 0, "fragment \(index + 1)")
        }
        // And the intact set still works from the same starting point.
        var intact = member
        for fragment in fragments { _ = intact.handle(datagram: fragment, from: server, now: .zero) }
        #expect(intact.holdings != nil)
    }
}
