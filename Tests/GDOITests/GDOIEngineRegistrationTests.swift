import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// The whole GDOI registration through both engines: IKEv1 phase 1 (our code on both ends), then
/// GROUPKEY-PULL (GroupKeyPullClient / GroupKeyPullServer) dispatched through the seams, on the
/// demo group from the shared GroupState.
@Suite("GDOIEngine registration end to end")
struct GDOIEngineRegistrationTests {
    static func register(mode: Phase1Mode, suite: Phase1Proposal) throws -> (Phase1Fixtures.Harness, GroupDirectory) {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var harness = Phase1Fixtures.harness(
            member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
            server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: mode,
            phase2Initiator: GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: 1), random: DeterministicRandom(seed: 3)),
            phase2Responder: GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 4)))
        Phase1Fixtures.run(&harness)
        return (harness, directory)
    }

    @Test("Main and Aggressive Mode, then GROUPKEY-PULL: the member holds the group's TEKs and KEK",
          arguments: [Phase1Mode.main, .aggressive])
    func registers(_ mode: Phase1Mode) throws {
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)
        let (harness, directory) = try Self.register(mode: mode, suite: suite)
        #expect(harness.left.isFinished)
        #expect(harness.left.failure == nil)
        let client = try #require(harness.left.phase2 as? GroupKeyPullClient)
        #expect(client.state == .registered)
        let holdings = try #require(client.holdings)
        #expect(holdings.group == 1001)
        // The TEKs are the shared group state's, byte for byte.
        let group = try #require(directory.snapshot.first)
        let current = try #require(group.dataSecuritySAs.first)
        let tek = try #require(holdings.teks.first)
        #expect(tek.spi == current.spi)
        #expect(tek.keyMaterial == current.keyMaterial)
        #expect(holdings.kek != nil)
        #expect(holdings.senderIDs.count == 1)
        let installs = harness.leftActions.filter { if case .installSA = $0 { return true } else { return false } }
        #expect(!installs.isEmpty)
    }

    @Test("A member the key server refuses (unknown group) fails and sends GROUPKEY-PULL no more")
    func refusedMemberStops() throws {
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var harness = Phase1Fixtures.harness(
            member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
            server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: .main,
            phase2Initiator: GroupKeyPullClient(configuration: .init(group: 4242), random: DeterministicRandom(seed: 3)),
            phase2Responder: GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 4)))
        Phase1Fixtures.run(&harness)
        #expect(harness.left.failure == .peerRefused(notify: 18), "INVALID-ID-INFORMATION ends the registration")
        // Past every retransmission deadline: nothing more is sent.
        let sentBefore = harness.leftActions.filter { if case .send = $0 { true } else { false } }.count
        for _ in 0..<6 { harness.advance(milliseconds: 20_000) }
        let sentAfter = harness.leftActions.filter { if case .send = $0 { true } else { false } }.count
        #expect(sentAfter == sentBefore, "a refused member retransmitted its GROUPKEY-PULL")
    }
}
