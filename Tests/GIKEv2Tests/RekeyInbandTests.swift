import EngineCore
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("Rekey: GSA_INBAND_REKEY over the registration IKE SA for unicast-rekey groups")
struct RekeyInbandTests {
    static func registered(network: ((EndpointAddress, EndpointAddress, [UInt8]) -> [[UInt8]])? = nil) throws
        -> (BackToBackHarness<GroupMemberInitiator, GCKSResponder>, GroupDirectory) {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: SystemRandom(), inbandRekey: true)])
        let gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                      identity: RegistrationSetup.gcksIdentity),
                                     directory: directory, random: SystemRandom())
        var harness = RegistrationSetup.run(gcks: gcks, member: try RegistrationSetup.member())
        if let network { harness.network = network }
        return (harness, directory)
    }

    @Test("An operator rekey reaches the member in-band, keys wrapped under its IKE SA's GSK_w; the member answers")
    func inbandRekeyDelivered() throws {
        var (harness, directory) = try Self.registered()
        let before = try #require(harness.left.holdings).dataSecuritySAs.count
        let actions = harness.right.rekeyNow(group: "demo-1001", now: harness.clock.now)
        #expect(actions.contains { if case .send = $0 { true } else { false } })
        harness.pumpFromRight(actions)
        let tek = try #require(directory.snapshot[0].currentTEKs.first)
        let held = try #require(harness.left.holdings).dataSecuritySAs
        #expect(held.count == before + 1)
        #expect(held.first { $0.spi == tek.spi }?.keyMaterial == tek.keyMaterial)
        #expect(harness.right.inbandRekeys.isEmpty, "the member's answer completed the exchange and nothing else waits: no queue is kept")
        #expect(harness.rightActions.logCodes.contains("GCKS-INBAND-REKEY-ACKED"))
        // A second rekey uses the next Message ID on the same SA.
        harness.pumpFromRight(harness.right.rekeyNow(group: "demo-1001", now: harness.clock.now))
        #expect(try #require(harness.left.holdings).dataSecuritySAs.count == before + 2)
    }

    @Test("A lost request is retransmitted on the policy's schedule and then answered")
    func retransmission() throws {
        nonisolated(unsafe) var dropNext = false
        var (harness, _) = try Self.registered(network: { _, _, bytes in
            if dropNext { dropNext = false; return [] }
            return [bytes]
        })
        dropNext = true
        harness.pumpFromRight(harness.right.rekeyNow(group: "demo-1001", now: harness.clock.now))
        #expect(harness.right.inbandRekeys.values.contains { $0.inFlight != nil }, "unanswered so far")
        harness.advance(milliseconds: 10_000)  // the demo policy: 2 retransmissions, 10 s apart
        #expect(harness.right.inbandRekeys.values.allSatisfy { $0.inFlight == nil })
        #expect(harness.rightActions.logCodes.contains("GCKS-INBAND-REKEY-ACKED"))
    }

    @Test("A member that never answers is dropped from the group and logged after the last retransmission")
    func silentMemberDropped() throws {
        nonisolated(unsafe) var silent = false
        var (harness, directory) = try Self.registered(network: { _, to, bytes in
            silent && to == RegistrationSetup.memberAddress ? [] : [bytes]
        })
        #expect(directory.snapshot[0].members.count == 1)
        silent = true
        harness.pumpFromRight(harness.right.rekeyNow(group: "demo-1001", now: harness.clock.now))
        harness.advance(milliseconds: 10_000)
        harness.advance(milliseconds: 10_000)
        #expect(!harness.rightActions.logCodes.contains("GCKS-INBAND-MEMBER-DROPPED"), "two retransmissions first")
        #expect(directory.snapshot[0].members.count == 1)
        harness.advance(milliseconds: 10_000)
        #expect(harness.rightActions.logCodes.contains("GCKS-INBAND-MEMBER-DROPPED"))
        #expect(directory.snapshot[0].members.isEmpty)
        #expect(harness.right.sessionCount == 0, "its registration IKE SA is closed")
    }
}

@Suite("Rekey: the member engine owns its GSA_REKEY receiver")
struct RekeyMemberEngineTests {
    @Test("GSA_REKEY datagrams handed to GroupMemberInitiator update its holdings; timers activate and delete")
    func initiatorProcessesMulticastRekeys() throws {
        let state = try RekeyGroup.state()
        let directory = GroupDirectory(groups: [state])
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                      identity: RegistrationSetup.gcksIdentity),
                                     directory: directory, random: SystemRandom())
        let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, psk: GroupFixtures.lkhPSK,
                                                  proposals: [RegistrationSetup.lkhProposal], senderIDs: 1)
        var harness = RegistrationSetup.run(gcks: gcks, member: member)
        gcks = harness.right
        let old = try #require(harness.left.holdings?.dataSecuritySAs.first?.spi)
        for case .send(let datagram, _) in gcks.rekeyNow(group: state.name, now: harness.clock.now) {
            _ = harness.left.handle(datagram: datagram, from: RegistrationSetup.gcksAddress, now: harness.clock.now)
        }
        let new = try #require(directory.snapshot[0].currentTEKs.first)
        #expect(harness.left.holdings?.dataSecuritySAs.first { $0.spi == new.spi }?.keyMaterial == new.keyMaterial)
        #expect(harness.left.rekeyStatus?.outboundSPIs == [old])
        _ = harness.left.tick(now: harness.clock.now.adding(milliseconds: 5_000))
        #expect(harness.left.rekeyStatus?.outboundSPIs == [new.spi], "outbound switches after the 5 s activation delay")
        _ = harness.left.tick(now: harness.clock.now.adding(milliseconds: 30_000))
        #expect(harness.left.holdings?.dataSecuritySAs.map(\.spi) == [new.spi], "the old TEK is gone after the 30 s deactivation delay")
        #expect(harness.left.needsReregistration == nil)
    }

    @Test("A member that sees a Message ID gap registers again over its open IKE SA and holds the current keys")
    func gapTriggersReregistration() throws {
        let state = try RekeyGroup.state()
        let directory = GroupDirectory(groups: [state])
        let gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                      identity: RegistrationSetup.gcksIdentity),
                                     directory: directory, random: SystemRandom())
        let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, psk: GroupFixtures.lkhPSK,
                                                  proposals: [RegistrationSetup.lkhProposal])
        var harness = RegistrationSetup.run(gcks: gcks, member: member)
        _ = harness.right.rekeyNow(group: state.name, now: harness.clock.now)           // Message ID 0: lost
        let second = harness.right.rekeyNow(group: state.name, now: harness.clock.now)  // Message ID 1
        var actions: [Action] = []
        for case .send(let datagram, _) in second {
            actions += harness.left.handle(datagram: datagram, from: RegistrationSetup.gcksAddress, now: harness.clock.now)
        }
        #expect(actions.logCodes.contains("GM-REREGISTER"))
        harness.pumpFromLeft(actions)
        let current = directory.snapshot[0].currentTEKs.map(\.spi)
        let held = try #require(harness.left.holdings).dataSecuritySAs.map(\.spi)
        #expect(current.allSatisfy { held.contains($0) }, "the re-registration brought the current TEK")
        #expect(harness.left.needsReregistration == nil, "a new receiver starts from the fresh holdings")
        #expect(harness.left.lastRegistrationError == nil)
    }
}
