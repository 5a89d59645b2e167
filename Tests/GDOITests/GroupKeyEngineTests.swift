import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// The whole GDOI path through the top-level engines with a manual clock: IKEv1 Main Mode, then
/// GROUPKEY-PULL, then GROUPKEY-PUSHes over several TEK and KEK lifetimes.
@Suite("GroupKeyPush end to end through the GDOI engines")
struct GroupKeyEngineTests {
    @Test("Main Mode + GROUPKEY-PULL + pushes over three TEK lifetimes and a KEK rollover: the member follows every one")
    func mainModePullAndPushes() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)
        var harness = Phase1Fixtures.harness(
            member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
            server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: .main,
            phase2Initiator: GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 5)),
            phase2Responder: GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 6)))
        Phase1Fixtures.run(&harness)
        var client = try #require(harness.left.phase2 as? GroupKeyPullClient)
        #expect(client.state == .registered)
        let group = directory.snapshot[0]
        var kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        var currentTEK = group.dataSecuritySAs[0]
        var sequence: UInt32 = 0
        let lifetime = Int64(currentTEK.policy.lifetimeSeconds) * 1000
        for round in 1...3 {
            harness.advance(milliseconds: lifetime - 90_000)   // the rekey lead time before expiry
            sequence += 1
            let fresh = PushFixtures.newTEK(like: currentTEK, spi: [0, 1, 0, UInt8(round)], fill: UInt8(round))
            let content = GDOIPushContent(group: group.name, teks: [fresh], deletedTEKSPIs: [currentTEK.spi], sequence: sequence)
            let push = try GroupKeyPushBuilder().build(content, group: group, encryptingUnder: kek)
            harness.pumpFromRight([.send(datagram: push, to: harness.leftAddress)])
            harness.advance(milliseconds: 31_000)   // past the 30 s deactivation delay of the old TEK
            client = try #require(harness.left.phase2 as? GroupKeyPullClient)
            #expect(client.holdings?.sequence == sequence)
            #expect(client.holdings?.teks.map(\.spi) == [fresh.spi])
            #expect(client.holdings?.teks.first?.keyMaterial == fresh.keyMaterial)
            currentTEK = fresh
            if round == 2 {
                // KEK rollover in its own push (the KEK lifetime is the group's rekey lifetime).
                sequence += 1
                let rekey = try #require(group.rekeySA)
                let newRekey = PushFixtures.newRekeySA(like: rekey, spi: [UInt8](repeating: 0x42, count: 16), fill: 0x24)
                let kekContent = GDOIPushContent(group: group.name, newKEK: newRekey, sequence: sequence)
                let kekPush = try GroupKeyPushBuilder().build(kekContent, group: group, encryptingUnder: kek)
                harness.pumpFromRight([.send(datagram: kekPush, to: harness.leftAddress)])
                kek = try GroupKeyPushBuilder.kekAfter(kekContent, group: group, current: kek)
                client = try #require(harness.left.phase2 as? GroupKeyPullClient)
                #expect(client.holdings?.kek?.key == kek)
            }
        }
        #expect(client.pushes.accepted == 4)
        #expect(client.pushes.rejected.isEmpty)
        let removals = harness.leftActions.filter { if case .removeSA = $0 { return true } else { return false } }
        #expect(removals.count == 3)
    }
}
