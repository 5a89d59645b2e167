import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// The plain-IKEv2 paths that strongSwan exercises, back to back in memory: a GCKS answering an
/// initiator that offers no KWA and sends IKE_AUTH (RFC 7296 §1.2), and the GM's childless
/// IKE_AUTH mode (RFC 6023). The strongSwan suites check the same paths against an independent stack.
@Suite("Childless IKE_AUTH back to back")
struct ChildlessIKEAuthTests {
    static func childlessMember(psk: SecretBytes = GroupSecrets.demoPreSharedKey) throws -> GroupMemberInitiator {
        var configuration = GroupMemberConfiguration(
            server: RegistrationSetup.gcksAddress, localEndpoint: RegistrationSetup.memberAddress,
            groupID: RegistrationSetup.demoIDg,
            identity: IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array("plain.example".utf8)),
            preSharedKey: psk)
        configuration.mode = .childlessIKEAuth
        return try GroupMemberInitiator(configuration: configuration, random: DeterministicRandom(seed: 0x91))
    }

    static func payloads(_ datagram: [UInt8]) throws -> [IKEv2Payload] { try IKEv2Message.parse(datagram).payloads }

    @Test("No KWA offered: the GCKS answers without one, announces childless support, and authenticates IKE_AUTH")
    func childlessAgainstGCKS() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try Self.childlessMember())
        let sa = try #require(harness.left.childlessIKESA, "failure: \(String(describing: harness.left.failure))")
        #expect(sa.responderIdentity == RegistrationSetup.gcksIdentity)
        #expect(sa.responderAuthMethod == AuthenticationPayload.sharedKeyMIC)
        #expect(sa.encryption == 12 && sa.keyBits == 256 && sa.integrity == 12 && sa.keyExchange == 14)
        // The first two datagrams: our IKE_SA_INIT request and its answer.
        let request = try Self.payloads(harness.delivered[0].bytes)
        let answer = try Self.payloads(harness.delivered[1].bytes)
        func transforms(_ payloads: [IKEv2Payload]) -> [IKEv2Transform] {
            payloads.flatMap { payload -> [IKEv2Transform] in
                guard case .securityAssociation(let sa) = payload else { return [] }
                return sa.proposals.flatMap(\.transforms)
            }
        }
        func notifies(_ payloads: [IKEv2Payload]) -> [UInt16] {
            payloads.compactMap { if case .notify(let n) = $0 { n.messageType } else { nil } }
        }
        #expect(!transforms(request).contains { $0.type == IKEv2TransformTypeNumber.keyWrapAlgorithm })
        #expect(!transforms(answer).contains { $0.type == IKEv2TransformTypeNumber.keyWrapAlgorithm },
                "RFC 7296 §3.3.6: only transform types the initiator offered")
        #expect(notifies(request).contains(IKEv2NotifyType.childlessIKEv2Supported))
        #expect(notifies(answer).contains(IKEv2NotifyType.childlessIKEv2Supported))
        // IKE_AUTH, not GSA_AUTH, on the wire; no group joined, the SA kept for INFORMATIONAL.
        #expect(harness.delivered[2].bytes[18] == IKEv2ExchangeType.ikeAuth)
        #expect(harness.right.statistics.registrations == 0)
        #expect(harness.right.halfOpenCount == 0 && harness.right.sessionCount == 1)
        #expect(harness.rightActions.logCodes.contains("GCKS-IKE-AUTH"))
    }

    @Test("A G-IKEv2 member's IKE_SA_INIT still negotiates a KWA and gets no childless notify")
    func registrationUnchanged() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member())
        #expect(harness.left.holdings != nil)
        let answer = try Self.payloads(harness.delivered[1].bytes)
        #expect(!answer.contains { if case .notify(let n) = $0 { n.messageType == IKEv2NotifyType.childlessIKEv2Supported } else { false } })
    }

    @Test("IKE_AUTH with a PSK no served group holds is answered SK{N(AUTHENTICATION_FAILED)}")
    func wrongPSK() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory),
                                            member: try Self.childlessMember(psk: SecretBytes(Array("not-the-psk".utf8))))
        #expect(harness.left.childlessIKESA == nil)
        guard case .peerRefused(let notify) = harness.left.failure else {
            Issue.record("expected a refusal, got \(String(describing: harness.left.failure))")
            return
        }
        #expect(notify == IKEv2NotifyType.authenticationFailed)
        #expect(harness.rightActions.logCodes.contains("GCKS-IKE-AUTH-REFUSED"))
    }

    @Test("A G-IKEv2 member refuses an IKE_SA_INIT answer without a KWA (RFC 9838 §4.5.4)")
    func memberNeedsKWA() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        var configuration = try RegistrationSetup.member().configuration
        configuration.keyWraps = []  // offers none, so the GCKS answers none
        let member = try GroupMemberInitiator(configuration: configuration, random: DeterministicRandom(seed: 0x92))
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: member)
        guard case .noProposalChosen = harness.left.failure else {
            Issue.record("expected NO_PROPOSAL_CHOSEN, got \(String(describing: harness.left.failure))")
            return
        }
        #expect(harness.right.statistics.registrations == 0)
    }
}

@Suite("GCKS timers per registration SA")
struct HalfOpenTimerTests {
    @Test("The half-open timer of IKE_SA_INIT is cancelled once GSA_AUTH or IKE_AUTH is answered")
    func cancelledAfterAuthentication() throws {
        for childless in [false, true] {
            let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
            let member = childless ? try ChildlessIKEAuthTests.childlessMember() : try RegistrationSetup.member()
            let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: member)
            let scheduled = harness.rightActions.compactMap { if case .scheduleTimer(let id, _) = $0 { id } else { nil } }
            let cancelled = harness.rightActions.compactMap { if case .cancelTimer(let id) = $0 { id } else { nil } }
            #expect(scheduled.count == 1 && cancelled == scheduled, "childless: \(childless)")
        }
    }
}
