import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import LKH
import Testing

@Suite("G-IKEv2 registration back to back")
struct RegistrationTests {
    @Test("A GM joins the demo group and holds the GCKS's TEK, rekey SA and AUTH_KEY byte for byte")
    func demoRegistration() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory),
                                            member: try RegistrationSetup.member(senderIDs: 2))
        let holdings = try #require(harness.left.holdings, "failure: \(String(describing: harness.left.failure))")
        let state = try #require(directory.snapshot.first)
        #expect(holdings.dataSecuritySAs.count == 1)
        let tek = holdings.dataSecuritySAs[0]
        #expect(tek.spi == state.dataSecuritySAs[0].spi)
        #expect(tek.keyMaterial == state.dataSecuritySAs[0].keyMaterial)
        #expect(tek.encryption == 20 && tek.keyBits == 256 && tek.integrity == nil)
        #expect(tek.sequenceNumbers == 2, "multi-sender AES-GCM uses 32-bit Unspecified Numbers (RFC 9838 §4.4.2.1.3)")
        #expect(tek.lifetimeSeconds == 3600)
        let rekey = try #require(holdings.rekeySA)
        let rekeyState = try #require(state.rekeySA)
        #expect(rekey.spi == rekeyState.spi)
        #expect(rekey.keyMaterial == rekeyState.keyMaterial)
        #expect(rekey.keyMaterial.count == 32 + 32 + 32, "GSK_e (AES-256) | GSK_a (HMAC-SHA2-256) | GSK_w (KW-256)")
        #expect(rekey.authenticationMethod == 2)
        #expect(rekey.authKey == rekeyState.signingPublicKey)
        #expect(rekey.signatureAlgorithmIdentifier == SignatureAlgorithmIdentifier.encode(.rsaPKCS1v15(.sha256)))
        #expect(holdings.senderIDs == [0, 1])
        #expect(holdings.senderIDBits == 16)
        #expect(holdings.deactivationDelay == 30)
        #expect(!holdings.transportMode)
        #expect(harness.right.statistics.registrations == 1)
        #expect(harness.right.halfOpenCount == 0 && harness.right.sessionCount == 1)
        #expect(harness.left.failure == nil)
        // The GM installs what it holds: a sender's TEK both ways, the rekey SA inbound only.
        let installs = harness.leftActions.installs
        #expect(installs.map(\.reference.kind) == [.esp, .rekey])
        #expect(installs[0].direction == .both && installs[1].direction == .inbound)
        #expect(harness.rightActions.contains { if case .persist(.memberRegistered(_, _, [0, 1], nil, nil)) = $0 { true } else { false } })
        #expect(harness.rightActions.logCodes.contains("GCKS-REGISTERED"))
    }

    @Test("A member behind a NAT is detected from its NAT_DETECTION_SOURCE_IP and still registers (RFC 7296 §2.23)")
    func natDetected() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        // The GM believes it is 10.0.0.5:500; the GCKS sees the NAT's 198.51.100.7:4500.
        let member = try RegistrationSetup.member(address: .ipv4(10, 0, 0, 5, port: 500))
        var harness = BackToBackHarness(left: member, leftAddress: .ipv4(198, 51, 100, 7, port: 4500),
                                        right: try RegistrationSetup.gcks(directory), rightAddress: RegistrationSetup.gcksAddress)
        harness.pumpFromLeft(harness.left.start(now: harness.clock.now))
        #expect(harness.left.holdings != nil)
        #expect(harness.rightActions.logCodes.contains("GCKS-NAT"))
    }

    @Test("With inband rekey the response has no rekey SA policy and no key lifetimes (RFC 9838 §2.4.2, §4.4.2.2.1)")
    func inbandRekeyGroup() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7), inbandRekey: true)])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member())
        let holdings = try #require(harness.left.holdings)
        #expect(holdings.rekeySA == nil)
        #expect(holdings.dataSecuritySAs.count == 1 && holdings.dataSecuritySAs[0].lifetimeSeconds == nil)
        #expect(holdings.dataSecuritySAs[0].keyMaterial == directory.snapshot[0].dataSecuritySAs[0].keyMaterial)
    }

    @Test("Sender-IDs come from one counter: the second sender continues where the first stopped")
    func senderIDsAreSequential() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        var gcks = try RegistrationSetup.gcks(directory)
        var results: [[UInt32]] = []
        for index in 0..<3 {
            let member = try RegistrationSetup.member(identity: "gm\(index).example", senderIDs: index == 1 ? 0 : 3,
                                                      seed: UInt8(0x90 + index),
                                                      address: .ipv4(127, 0, 0, UInt8(10 + index), port: 5000))
            let harness = RegistrationSetup.run(gcks: gcks, member: member)
            gcks = harness.right
            results.append(try #require(harness.left.holdings).senderIDs)
        }
        // A sender that asks for none still gets one (RFC 9838 §2.5.1).
        #expect(results == [[0, 1, 2], [3], [4, 5, 6]])
    }

    @Test("A receive-only member gets no Sender-IDs and installs its TEK inbound only")
    func receiveOnlyMember() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member())
        let holdings = try #require(harness.left.holdings)
        #expect(holdings.senderIDs.isEmpty)
        #expect(holdings.senderIDBits == nil, "GWP_SENDER_ID_BITS only for a member that sent GROUP_SENDER")
        #expect(harness.leftActions.installs.first?.direction == .inbound)
    }

    @Test("With a key tree, each GM's Working Key Path is its LKH path and the rekey KEYMAT unwraps through it")
    func lkhRegistration() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 9))])
        var gcks = try RegistrationSetup.gcks(directory)
        for index in 0..<3 {
            let name = "member\(index).example"
            let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, identity: name, psk: GroupFixtures.lkhPSK,
                                                      proposals: [RegistrationSetup.lkhProposal], senderIDs: 1,
                                                      seed: UInt8(0x20 + index), address: .ipv4(127, 0, 1, UInt8(index + 1), port: 848))
            let harness = RegistrationSetup.run(gcks: gcks, member: member)
            gcks = harness.right
            let holdings = try #require(harness.left.holdings, "failure: \(String(describing: harness.left.failure))")
            let state = try #require(directory.snapshot.first)
            let tree = try #require(state.keyTree)
            let path = try tree.path(of: LKHMemberID("id2:\(name)"))
            #expect(holdings.workingKeyPath.keys.map(\.id) == path.reversed().map(\.serial))
            #expect(holdings.workingKeyPath.keys.map(\.key) == path.reversed().map(\.key))
            #expect(holdings.rekeySA?.keyMaterial == state.rekeySA?.keyMaterial)
            #expect(holdings.rekeySA?.keyMaterial.count == 20 + 16, "GSK_e (AES-128 + salt) | GSK_w (KW-128); no GSK_a with AEAD")
            #expect(holdings.rekeySA?.authKey == nil && holdings.rekeySA?.authenticationMethod == 1)
            #expect(holdings.senderIDs == [UInt32(index)] && holdings.senderIDBits == 12)
            #expect(holdings.activationDelay == 5)
        }
    }

    @Test("The GCKS answers a member whose KE group is not the chosen one with INVALID_KE_PAYLOAD, and the retry succeeds")
    func invalidKEPayloadRetry() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        // First proposal (X25519) is not in the policy; the second (MODP-2048) is.
        let x25519 = IKEProposal(encryption: 12, keyBits: 256, integrity: 12, prf: 5, keyExchange: 31)
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory),
                                            member: try RegistrationSetup.member(proposals: [x25519, .demo]))
        #expect(harness.left.holdings != nil)
        #expect(harness.rightActions.logCodes.contains("GCKS-INVALID-KE"))
        #expect(harness.leftActions.logCodes.contains("GM-INIT-RETRY"))
    }

    @Test("Under load the GCKS demands a COOKIE, keeps no state for it, and admits the member that returns it")
    func cookieUnderLoad() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory, cookieThreshold: 0),
                                            member: try RegistrationSetup.member())
        #expect(harness.left.holdings != nil)
        #expect(harness.right.statistics.cookiesDemanded == 1)
        let first = try IKEv2Message.parse(harness.delivered[1].bytes)
        #expect(first.header.responderSPI == 0)
        guard case .notify(let cookie) = first.payloads.first else { Issue.record("no COOKIE"); return }
        #expect(cookie.messageType == IKEv2NotifyType.cookie)
        // The retried IKE_SA_INIT starts with the same cookie (RFC 7296 §2.6).
        let retried = try IKEv2Message.parse(harness.delivered[2].bytes)
        #expect(retried.payloads.first == .notify(cookie))
    }

    @Test("IKE_SA_INIT carries the KWA, NAT detection and IKEV2_FRAGMENTATION_SUPPORTED both ways")
    func saInitShape() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory), member: try RegistrationSetup.member())
        let request = try IKEv2Message.parse(harness.delivered[0].bytes)
        let response = try IKEv2Message.parse(harness.delivered[1].bytes)
        func notifyTypes(_ message: IKEv2Message) -> [UInt16] {
            message.payloads.compactMap { if case .notify(let n) = $0 { return n.messageType } else { return nil } }
        }
        for message in [request, response] {
            #expect(notifyTypes(message).contains(IKEv2NotifyType.natDetectionSourceIP))
            #expect(notifyTypes(message).contains(IKEv2NotifyType.natDetectionDestinationIP))
            #expect(notifyTypes(message).contains(IKEv2NotifyType.ikev2FragmentationSupported))
        }
        guard case .securityAssociation(let chosen) = response.payloads.first else { Issue.record("no SA"); return }
        #expect(chosen.proposals.count == 1)
        let kwa = chosen.proposals[0].transforms.filter { $0.type == IKEv2TransformTypeNumber.keyWrapAlgorithm }
        #expect(kwa.map(\.id) == [3], "KW_5649_256 chosen from the offered 3, 2, 1 (RFC 9838 §4.5.4)")
        #expect(harness.right.statistics.datagramsDropped == 0)
        #expect(!harness.rightActions.logCodes.contains("GCKS-NAT"), "no NAT between the configured addresses")
    }
}
