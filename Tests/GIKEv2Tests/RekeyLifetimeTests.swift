import EngineCore
@testable import GIKEv2
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("Rekey: GSA_REKEY back to back over many TEK and rekey-SA lifetimes")
struct RekeyLifetimeTests {
    @Test("Members never lack a TEK any sender uses, rollovers come at the prescribed times, and no member re-registers")
    func coverageOverManyLifetimes() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 4, senders: [0, 2])
        var tekSends: [Int64] = []
        var kekSends: [Int64] = []
        let end = EngineTime(milliseconds: 8 * 3600 * 1000)  // 35 TEK and 4 rekey-SA lifetimes
        var steps = 0
        while let next = group.nextEvent, next <= end, steps < 10_000 {
            steps += 1
            let before = group.sent.count
            let rekeySPI = group.state.rekeySA?.spi
            group.advance(to: next)
            if group.sent.count > before {
                if group.state.rekeySA?.spi != rekeySPI { kekSends.append(next.milliseconds) } else { tekSends.append(next.milliseconds) }
            }
            try Self.checkCoverage(group)
            // Also just before and after the activation delay of whatever was just sent.
            for offset: Int64 in [4_999, 5_000, 5_001] {
                let probe = EngineTime(milliseconds: next.milliseconds + offset)
                if let upcoming = group.nextEvent, upcoming < probe { break }
                var copy = group
                copy.advance(to: probe)
                try Self.checkCoverage(copy)
            }
        }
        #expect(tekSends.first == 810_000, "first TEK replaced 90 s (lead time) before its 900 s lifetime")
        #expect(kekSends.first == 7_110_000, "rekey SA replaced 90 s before its 7200 s lifetime")
        #expect(kekSends.count == 4 && tekSends.count >= 34)
        for member in group.members {
            #expect(member.receiver.reregistration == nil)
            #expect(member.receiver.rejectedCount == 0)
            #expect(member.receiver.accepted == group.sent.count)
            #expect(member.receiver.holdings.dataSecuritySAs.count <= 2, "old TEKs are deleted after DTD")
        }
    }

    /// Every member holds every TEK a sender may use now, with the GCKS's key; every sender's
    /// outbound SAs are held by every member; every member's rekey SA is the GCKS's.
    static func checkCoverage(_ group: RekeyGroup) throws {
        let state = group.state
        let inUse = group.tekSPIsInUse()
        #expect(!inUse.isEmpty, "at \(group.now) some TEK is active")
        for (index, member) in group.members.enumerated() {
            let held = member.receiver.holdings.dataSecuritySAs
            for spi in inUse {
                let gcksKey = try #require(state.dataSecuritySAs.first { $0.spi == spi }).keyMaterial
                #expect(held.first { $0.spi == spi }?.keyMaterial == gcksKey, "gm\(index) lacks TEK \(spi) at \(group.now)")
            }
            #expect(member.receiver.holdings.rekeySA?.spi == state.rekeySA?.spi, "gm\(index) rekey SA at \(group.now)")
            if member.receiver.isSender {
                #expect(!member.receiver.outboundSPIs.isEmpty, "sender gm\(index) has an outbound SA at \(group.now)")
                for spi in member.receiver.outboundSPIs {
                    for other in group.members {
                        #expect(other.receiver.holdings.dataSecuritySAs.contains { $0.spi == spi },
                                "gm\(index) sends on \(spi), which another member lacks at \(group.now)")
                    }
                }
            }
        }
    }

    @Test("A sender switches outbound to the new TEK after the activation delay, and drops the old one")
    func outboundSwitchAtActivationDelay() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 2, senders: [0])
        let old = try #require(group.members[0].receiver.outboundSPIs.first)
        group.now = EngineTime(milliseconds: 100_000)
        group.deliver(group.gcks.rekeyNow(group: group.groupName, now: group.now))
        let new = try #require(group.state.currentTEKs.first?.spi)
        #expect(group.members[0].receiver.outboundSPIs == [old], "before ATD the sender keeps the old SA outbound")
        #expect(group.members[1].receiver.outboundSPIs.isEmpty, "a receiver-only member sends nothing")
        group.advance(to: EngineTime(milliseconds: 105_000))
        #expect(group.members[0].receiver.outboundSPIs == [new])
        #expect(group.members.allSatisfy { $0.receiver.holdings.dataSecuritySAs.contains { $0.spi == old } }, "old kept inbound until DTD")
        group.advance(to: EngineTime(milliseconds: 130_000))
        #expect(group.members.allSatisfy { !$0.receiver.holdings.dataSecuritySAs.contains { $0.spi == old } }, "old removed after DTD")
    }

    @Test("A member that misses rekeys notices: a Message ID gap, or a TEK nearing expiry without replacement")
    func missedRekeyDetection() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 3, senders: [])
        group.now = EngineTime(milliseconds: 1000)
        group.deliver(group.gcks.rekeyNow(group: group.groupName, now: group.now), only: [0, 2])   // gm1 misses ID 0
        group.now = EngineTime(milliseconds: 2000)
        group.deliver(group.gcks.rekeyNow(group: group.groupName, now: group.now), only: [0, 1])   // gm2 misses ID 1
        #expect(group.members[0].receiver.reregistration == nil)
        #expect(group.members[1].receiver.reregistration == .messageIDGap)
        // gm2 got ID 0 but not 1: nothing shows until its newest TEK nears expiry (900 s − 30 s margin).
        #expect(group.members[2].receiver.reregistration == nil)
        _ = group.members[2].receiver.tick(now: EngineTime(milliseconds: 1000 + 869_000))
        #expect(group.members[2].receiver.reregistration == nil)
        _ = group.members[2].receiver.tick(now: EngineTime(milliseconds: 1000 + 870_000))
        #expect(group.members[2].receiver.reregistration == .tekExpiring)
    }

    @Test("A sender registering while old and new TEK overlap gets both, sends on the new one, and drops the old at its expiry")
    func registrationDuringOverlap() throws {
        let state = try RekeyGroup.state()
        let directory = GroupDirectory(groups: [state])
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                      identity: RegistrationSetup.gcksIdentity),
                                     directory: directory, random: SystemRandom())
        _ = gcks.rekeyNow(group: state.name, now: EngineTime(milliseconds: 1_000))
        let tekSPIs = directory.snapshot[0].dataSecuritySAs.map(\.spi)
        #expect(tekSPIs.count == 2)
        let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, psk: GroupFixtures.lkhPSK,
                                                  proposals: [RegistrationSetup.lkhProposal], senderIDs: 1)
        var harness = RegistrationSetup.run(gcks: gcks, member: member, start: EngineTime(milliseconds: 2_000))
        #expect(harness.left.holdings?.dataSecuritySAs.map(\.spi) == tekSPIs)
        #expect(harness.left.rekeyStatus?.outboundSPIs == [tekSPIs[1]])
        _ = harness.left.tick(now: EngineTime(milliseconds: 899_999))
        #expect(harness.left.holdings?.dataSecuritySAs.map(\.spi) == tekSPIs)
        _ = harness.left.tick(now: EngineTime(milliseconds: 900_000))
        #expect(harness.left.holdings?.dataSecuritySAs.map(\.spi) == [tekSPIs[1]], "the old TEK ends with its lifetime (announced as what it had left)")
    }

    @Test("A multicast GSA_REKEY is repeated as the policy says (2 times, 10 s apart); members drop the copies")
    func multicastRepeats() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 2, senders: [])
        let first = group.gcks.rekeyNow(group: group.groupName, now: group.now)
        group.deliver(first)
        let original = group.sent
        var repeats: [[UInt8]] = []
        for second: Int64 in [5, 10, 15, 20, 30, 40] {
            for case .send(let datagram, _) in group.gcks.tick(now: EngineTime(milliseconds: second * 1000)) { repeats.append(datagram) }
        }
        #expect(repeats == original + original, "sent again at 10 s and 20 s, then no more")
        let before = group.members.map(\.receiver.fingerprint)
        for datagram in repeats {
            for index in group.members.indices { _ = group.members[index].receiver.receive(datagram, now: group.now) }
        }
        #expect(group.members.map(\.receiver.fingerprint) == before)
        #expect(group.members.allSatisfy { $0.receiver.rejected[.replay] == 2 })
    }
}
