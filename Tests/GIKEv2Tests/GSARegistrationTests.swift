import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("GSA_REGISTRATION over the registration IKE SA (RFC 9838 §2.3.2)")
struct GSARegistrationTests {
    static let secondIDg = IdentificationPayload(idType: IdentificationPayload.keyID, data: [0, 0, 0x03, 0xEA])

    /// Demo group 1001, a second group 1002 with the same PSK, and the LKH group with another PSK.
    static func directory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7)),
                                try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 77), renamedTo: ("demo-1002", 1002)),
                                try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 8))])
    }

    static func registered(_ directory: GroupDirectory,
                           network: ((EndpointAddress, EndpointAddress, [UInt8]) -> [[UInt8]])? = nil)
        throws -> BackToBackHarness<GroupMemberInitiator, GCKSResponder> {
        RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member(senderIDs: 1),
                              network: network)
    }

    @Test("A registered member joins a second group that trusts the same PSK")
    func joinSecondGroup() throws {
        let directory = try Self.directory()
        var harness = try Self.registered(directory)
        harness.pumpFromLeft(harness.left.register(group: Self.secondIDg, senderIDsRequested: 2, now: harness.clock.now))
        let all = harness.left.allHoldings
        #expect(all.count == 2 && harness.left.lastRegistrationError == nil)
        let second = try #require(all.last)
        let state = try #require(directory.snapshot.first { $0.name == "demo-1002" })
        #expect(second.group == [0, 0, 0x03, 0xEA])
        #expect(second.dataSecuritySAs.first?.keyMaterial == state.dataSecuritySAs.first?.keyMaterial)
        #expect(second.dataSecuritySAs.first?.spi == state.dataSecuritySAs.first?.spi)
        #expect(second.senderIDs == [0, 1], "each group has its own Sender-ID counter")
        #expect(harness.right.statistics.registrations == 2)
        #expect(harness.leftActions.installs.count == 4, "TEK and rekey SA of each group")
    }

    @Test("A group that does not trust the SA's credential refuses with AUTHORIZATION_FAILED")
    func otherCredential() throws {
        var harness = try Self.registered(try Self.directory())
        harness.pumpFromLeft(harness.left.register(group: RegistrationSetup.lkhIDg, now: harness.clock.now))
        #expect(harness.left.lastRegistrationError == .peerRefused(notify: IKEv2NotifyType.authorizationFailed))
        #expect(harness.left.allHoldings.count == 1)
        #expect(harness.left.isIKESAOpen)
    }

    @Test("An unknown group gives INVALID_GROUP_ID and the SA stays usable")
    func unknownGroup() throws {
        var harness = try Self.registered(try Self.directory())
        let unknown = IdentificationPayload(idType: IdentificationPayload.keyID, data: [0, 0, 0x27, 0x0F])
        harness.pumpFromLeft(harness.left.register(group: unknown, now: harness.clock.now))
        #expect(harness.left.lastRegistrationError == .peerRefused(notify: IKEv2NotifyType.invalidGroupID))
        harness.pumpFromLeft(harness.left.register(group: Self.secondIDg, now: harness.clock.now))
        #expect(harness.left.allHoldings.count == 2)
    }

    @Test("Re-registering to the same group gives fresh Sender-IDs (RFC 9838 §2.5.1)")
    func reRegistration() throws {
        var harness = try Self.registered(try Self.directory())
        #expect(harness.left.holdings?.senderIDs == [0])
        harness.pumpFromLeft(harness.left.register(group: RegistrationSetup.demoIDg, senderIDsRequested: 1, now: harness.clock.now))
        #expect(harness.left.allHoldings.count == 1)
        #expect(harness.left.holdings?.senderIDs == [1])
    }

    @Test("A duplicated GSA_REGISTRATION is answered from the cache and admits once")
    func duplicate() throws {
        let directory = try Self.directory()
        var harness = try Self.registered(directory, network: { from, _, bytes in
            from == RegistrationSetup.memberAddress ? [bytes, bytes] : [bytes]
        })
        let before = harness.right.statistics.retransmissionsAnswered
        harness.pumpFromLeft(harness.left.register(group: Self.secondIDg, senderIDsRequested: 1, now: harness.clock.now))
        #expect(harness.left.allHoldings.count == 2)
        #expect(harness.right.statistics.retransmissionsAnswered == before + 1)
        #expect(directory.snapshot.first { $0.name == "demo-1002" }?.senderIDs?.next == 1)
    }
}
