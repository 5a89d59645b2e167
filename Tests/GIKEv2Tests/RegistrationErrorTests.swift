import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("G-IKEv2 registration errors")
struct RegistrationErrorTests {
    static func demoDirectory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
    }

    @Test("A wrong PSK gives AUTHENTICATION_FAILED and admits nobody")
    func wrongPSK() throws {
        let directory = try Self.demoDirectory()
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory),
                                            member: try RegistrationSetup.member(psk: SecretBytes(Array("not-the-psk".utf8)), senderIDs: 1))
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
        #expect(harness.left.holdings == nil)
        #expect(harness.right.statistics.registrationFailures == 1 && harness.right.statistics.registrations == 0)
        #expect(harness.right.halfOpenCount == 0, "a refused SA is no longer half-open")
        #expect(directory.snapshot[0].members.isEmpty)
        #expect(directory.snapshot[0].senderIDs?.next == 0, "no Sender-ID is spent on a failed registration")
    }

    @Test("An unknown IDg gives INVALID_GROUP_ID")
    func unknownGroup() throws {
        let unknown = IdentificationPayload(idType: IdentificationPayload.keyID, data: [0, 0, 0x03, 0xEA])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(group: unknown))
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.invalidGroupID))
    }

    @Test("An identity missing from the group's authorization list gives AUTHORIZATION_FAILED; a listed one joins")
    func authorization() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 3),
                                                                           authorized: ["allowed.example"])])
        func join(_ name: String, seed: UInt8) throws -> GroupMemberInitiator {
            let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, identity: name, psk: GroupFixtures.lkhPSK,
                                                      proposals: [RegistrationSetup.lkhProposal], seed: seed)
            return RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory, seed: seed), member: member).left
        }
        #expect(try join("intruder.example", seed: 1).failure == .peerRefused(notify: IKEv2NotifyType.authorizationFailed))
        #expect(try join("ALLOWED.example", seed: 2).holdings != nil, "FQDNs compare case-insensitively (RFC 4343)")
        #expect(directory.snapshot[0].members == ["id2:ALLOWED.example"])
    }

    @Test("A member whose SAg cannot take the group's transforms gets NO_PROPOSAL_CHOSEN")
    func sagRefusesPolicy() throws {
        let cbcOnly = AcceptableGroupPolicy(encryption: [.init(id: 12, keyBits: 256)], integrity: [12], keyWraps: [3])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(acceptable: cbcOnly))
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.noProposalChosen))
    }

    @Test("A member whose SAg covers the group's transforms joins")
    func sagAcceptsPolicy() throws {
        let accepting = AcceptableGroupPolicy(encryption: [.init(id: 20, keyBits: 256), .init(id: 12, keyBits: 256)],
                                              integrity: [12], keyWraps: [3])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(acceptable: accepting))
        #expect(harness.left.holdings != nil)
    }

    @Test("No common IKE SA proposal gives NO_PROPOSAL_CHOSEN in IKE_SA_INIT")
    func noCommonProposal() throws {
        let chacha = IKEProposal(encryption: 28, keyBits: nil, integrity: nil, prf: 7, keyExchange: 31)
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()),
                                            member: try RegistrationSetup.member(proposals: [chacha]))
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.noProposalChosen))
        #expect(harness.right.sessionCount == 0, "no state for a refused IKE_SA_INIT")
    }

    @Test("A member offering only a key wrap the GCKS lacks gets NO_PROPOSAL_CHOSEN")
    func noCommonKeyWrap() throws {
        var member = try RegistrationSetup.member()
        member = try GroupMemberInitiator(configuration: {
            var configuration = member.configuration
            configuration.keyWraps = [4]  // KW_ARX: not implemented
            return configuration
        }(), random: DeterministicRandom(seed: 5))
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()), member: member)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.noProposalChosen))
    }

    @Test("A registration KWA smaller than the group's cipher keys gives NO_PROPOSAL_CHOSEN (RFC 9838 §3.1)")
    func keyWrapTooSmall() throws {
        var member = try RegistrationSetup.member()
        member = try GroupMemberInitiator(configuration: {
            var configuration = member.configuration
            configuration.keyWraps = [1]  // KW_5649_128 for a group with AES-256 keys
            return configuration
        }(), random: DeterministicRandom(seed: 5))
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(try Self.demoDirectory()), member: member)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.noProposalChosen))
    }

    @Test("Garbage and messages for unknown SAs are dropped and counted, never answered")
    func garbageIsDropped() throws {
        var gcks = try RegistrationSetup.gcks(try Self.demoDirectory())
        let inputs: [[UInt8]] = [[], [0xFF], Array(repeating: 0, count: 28), Array(repeating: 0xAB, count: 200)]
        for input in inputs {
            let actions = gcks.handle(datagram: input, from: RegistrationSetup.memberAddress, now: .zero)
            #expect(actions.sentDatagrams.isEmpty)
        }
        #expect(gcks.statistics.datagramsDropped == inputs.count)
    }

    @Test("A request of a later major version is answered INVALID_MAJOR_VERSION with version 2 (RFC 7296 §1.5)")
    func laterMajorVersion() throws {
        var gcks = try RegistrationSetup.gcks(try Self.demoDirectory())
        var member = try RegistrationSetup.member()
        var request = member.start(now: .zero).sentDatagrams[0]
        request[17] = 0x30
        let answer = try #require(gcks.handle(datagram: request, from: RegistrationSetup.memberAddress, now: .zero).sentDatagrams.first)
        let message = try IKEv2Message.parse(answer)
        #expect(message.header.majorVersion == 2 && message.header.isResponse)
        #expect(message.payloads == [.notify(NotifyPayload(messageType: IKEv2NotifyType.invalidMajorVersion))])
        #expect(gcks.sessionCount == 0)
    }

    @Test("An unknown critical payload in IKE_SA_INIT is answered UNSUPPORTED_CRITICAL_PAYLOAD naming its type (RFC 7296 §2.5)")
    func unknownCriticalPayload() throws {
        var gcks = try RegistrationSetup.gcks(try Self.demoDirectory())
        var member = try RegistrationSetup.member()
        var message = try IKEv2Message.parse(member.start(now: .zero).sentDatagrams[0])
        message.payloads.append(.unknown(type: 200, critical: true, body: [1, 2, 3]))
        let answer = try #require(gcks.handle(datagram: try message.serializedBytes(), from: RegistrationSetup.memberAddress,
                                              now: .zero).sentDatagrams.first)
        #expect(try IKEv2Message.parse(answer).payloads == [.notify(NotifyPayload(messageType: IKEv2NotifyType.unsupportedCriticalPayload,
                                                                                   data: [200]))])
    }
}
