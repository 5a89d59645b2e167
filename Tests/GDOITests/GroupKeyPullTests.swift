import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import LKH
import Testing

@Suite("GroupKeyPull back to back")
struct GroupKeyPullBackToBackTests {
    @Test("A GDOI member gets the same TEK SPIs and key octets as the shared GroupState (what G-IKEv2 members get)")
    func demoGroupSameKeysAsGroupState() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 40))
        var client = GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: 2), random: DeterministicRandom(seed: 90))
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair())
        #expect(run.transcript.count == 4)
        #expect(client.state == .registered)
        let holdings = try #require(client.holdings)
        let group = try #require(directory.snapshot.first)
        #expect(holdings.teks.count == group.dataSecuritySAs.count)
        for (tek, shared) in zip(holdings.teks, group.dataSecuritySAs) {
            #expect(tek.spi == shared.spi)
            #expect(tek.keyMaterial == shared.keyMaterial)
            #expect(tek.protocolID == 1)           // GDOI_PROTO_IPSEC_ESP, where IKEv2 says 3
            #expect(tek.transformID == 20)         // ESP_AES-GCM_16 (IPsec DOI)
            #expect(tek.encryption == 20)          // ENCR_AES_GCM_16 (IKEv2) for the data plane
            #expect(tek.keyBits == 256)
            #expect(tek.lifetimeSeconds == 3600)
        }
        // The KEK is the group's Rekey SA: its cookie-pair SPI and GSK_e.
        let rekey = try #require(group.rekeySA)
        let kek = try #require(holdings.kek)
        #expect(kek.key.spi == rekey.spi)
        #expect(kek.key.key == rekey.keyMaterial.slice(0..<rekey.encryptionKeyLength))
        #expect(kek.signingPublicKey == rekey.signingPublicKey)
        #expect(holdings.sequence == 0)
        // Sender-IDs from the one allocator both protocols share, starting at 0.
        #expect(holdings.senderIDs == [0, 1])
        #expect(holdings.senderIDBits == 16)
        #expect(holdings.deactivationDelay == 30)
        #expect(group.members == ["id2:gm1.example"])
        let installs = run.clientActions.compactMap { if case .installSA(let sa) = $0 { return sa } else { return nil } }
        #expect(installs.map(\.reference.kind) == [.esp, .rekey])
        #expect(installs[0].keyMaterial == group.dataSecuritySAs[0].keyMaterial)
        #expect(installs[0].direction == .both)
        #expect(GroupKeyFixtures.logCodes(run.serverActions).contains("GDOI-PULL-REGISTERED"))
        #expect(run.serverActions.contains { if case .persist(.memberRegistered) = $0 { return true } else { return false } })
    }

    @Test("With a key tree the member gets its LKH path, leaf first, and the root is its KEK")
    func lkhPathAndKEK() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(lkh: true)])
        let client = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 3)
        let holdings = try #require(client.holdings)
        let tree = try #require(directory.snapshot.first?.keyTree)
        let path = try tree.path(of: LKHMemberID("id2:gm1.example"))
        #expect(holdings.lkhKeys.map(\.lkhID) == path.map { UInt16(exactly: $0.position.rawValue) })
        #expect(holdings.lkhKeys.map(\.keyHandle) == path.map(\.serial))
        #expect(holdings.kek?.key.key == tree.root.key)
    }

    @Test("A member joining 1000 s into a TEK's life gets what is left of it (SA Life Duration 2600 of 3600 s)")
    func lateJoinerGetsRemainingLifetime() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 46))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 97))
        try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair(),
                                     now: EngineTime(milliseconds: 1_000_000))
        #expect(client.holdings?.teks.first?.lifetimeSeconds == 2600)
    }

    @Test("GDOI and G-IKEv2 admissions share one Sender-ID space and one key tree; a GDOI member registering again keeps its leaf")
    func sharedSenderIDsAndTree() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(lkh: true)])
        // What the G-IKEv2 engine does for its member (GCKSResponder+Admission): GroupState.admit.
        let gikev2 = try directory.withGroup(named: "demo-1001") { (state) throws(GroupStateError) in
            try state.admit(member: "id2:gikev2.example", senderIDCount: 1, random: DeterministicRandom(seed: 30))
        }
        #expect(gikev2.senderIDs == [0])
        let first = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1, senderIDs: 2)
        #expect(first.holdings?.senderIDs == [1, 2])
        // One tree: the GDOI member's root (its KEK) is the root the G-IKEv2 member holds.
        #expect(first.holdings?.lkhKeys.last?.keyHandle == gikev2.keyPath.last?.serial)
        let again = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 2, senderIDs: 1)
        #expect(again.holdings?.lkhKeys.first?.keyHandle == first.holdings?.lkhKeys.first?.keyHandle)
        #expect(again.holdings?.senderIDs == [3])   // fresh Sender-IDs on every registration (RFC 6407 §3.5)
        #expect(directory.snapshot[0].members == ["id2:gikev2.example", "id2:gm1.example"])
    }

    @Test("HASH(1) computed independently from RFC 6407 §3.2 over bytes decrypted with the RFC 2409 App. B IV")
    func hash1Independent() throws {
        let pair = try GroupKeyFixtures.phase1Pair()
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 11))
        let message1 = try #require(GroupKeyFixtures.datagrams(client.phase1Established(pair.member, now: .zero)).first)
        // Header: exchange 32, E flag, Next Payload HASH.
        #expect(message1[16] == 8 && message1[18] == 32 && message1[19] == 1)
        let messageID = message1[20..<24].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        // IV = SHA-256(last phase-1 CBC block | M-ID), first 16 octets (RFC 2409 App. B).
        let iv = Array(try DigestAlgorithm.sha256.hash([pair.member.lastPhase1Block, Array(message1[20..<24])]).prefix(16))
        let plaintext = try CBCCipher(.aes256, key: pair.member.encryptionKey).decrypt(Array(message1[28...]), iv: iv, aad: [UInt8]())
        // HASH payload: Next Payload NONCE (10), 32-octet SHA-256 HMAC.
        #expect(plaintext[0] == 10)
        let hashLength = Int(plaintext[2]) << 8 | Int(plaintext[3])
        #expect(hashLength == 36)
        let nonceStart = hashLength
        #expect(plaintext[nonceStart] == 5)  // Ni's Next Payload: ID
        let nonceLength = Int(plaintext[nonceStart + 2]) << 8 | Int(plaintext[nonceStart + 3])
        let idStart = nonceStart + nonceLength
        // ID payload written out by hand: no next payload, length 12, ID_KEY_ID, DOI octets 0, group 1001.
        let expectedID: [UInt8] = [0, 0, 0, 12, 11, 0, 0, 0, 0x00, 0x00, 0x03, 0xE9]
        #expect(Array(plaintext[idStart..<(idStart + 12)]) == expectedID)
        // HASH(1) = prf(SKEYID_a, M-ID | Ni | ID), Ni and ID whole payloads with their headers.
        let expected = try HMAC(.sha256).authenticationCode(key: pair.member.keys.skeyidA,
                                                            parts: [Array(message1[20..<24]), Array(plaintext[nonceStart..<(idStart + 12)])])
        #expect(Array(plaintext[4..<36]) == expected)
        #expect(messageID != 0)
    }

    @Test("A retransmitted message 1 is answered with the same message 2; a retransmitted message 3 with the same message 4")
    func retransmissionsAnsweredIdentically() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 41))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 91))
        let pair = try GroupKeyFixtures.phase1Pair()
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: pair)
        for (request, answer) in [(run.transcript[0], run.transcript[1]), (run.transcript[2], run.transcript[3])] {
            let again = server.handle(datagram: request, header: try GroupKeyFixtures.header(request), under: pair.server, now: .zero)
            #expect(GroupKeyFixtures.datagrams(again) == [answer])
        }
        #expect(directory.snapshot[0].members.count == 1)
    }

    @Test("The member retransmits message 1 on its timer and gives up after the limit")
    func memberRetransmits() throws {
        let pair = try GroupKeyFixtures.phase1Pair()
        var client = GroupKeyPullClient(configuration: .init(group: 1001, retransmitIntervalMilliseconds: 1000, retransmitLimit: 1),
                                        random: DeterministicRandom(seed: 12))
        let first = GroupKeyFixtures.datagrams(client.phase1Established(pair.member, now: .zero))
        #expect(client.tick(now: EngineTime(milliseconds: 500)).isEmpty)
        #expect(GroupKeyFixtures.datagrams(client.tick(now: EngineTime(milliseconds: 1000))) == first)
        _ = client.tick(now: EngineTime(milliseconds: 60_000))
        #expect(client.isFinished)
    }
}


@Suite("GroupKeyPull errors")
struct GroupKeyPullErrorTests {
    @Test("An unknown group is answered INVALID-ID-INFORMATION and admits nobody")
    func unknownGroup() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 42))
        var client = GroupKeyPullClient(configuration: .init(group: 4242), random: DeterministicRandom(seed: 92))
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair())
        #expect(GroupKeyFixtures.logCodes(run.serverActions).contains("GDOI-PULL-UNKNOWN-GROUP"))
        #expect(try GroupKeyFixtures.header(run.transcript[1]).exchangeType == ISAKMPExchangeType.informational)
        #expect(client.state == .failed(.refused(notify: 18)))
        #expect(directory.snapshot[0].members.isEmpty)
    }

    @Test("A group whose key tree is beyond GDOI's 16-bit LKH IDs refuses GDOI members before admitting them, and sends them no pushes")
    func treeTooLargeForGDOI() throws {
        var state = try GroupKeyFixtures.demoGroup()
        var definition = state.definition
        definition.lkh = LKHParameters(maximumMembers: 100_000)  // binary tree: leaves from position 131,072
        state = try GroupState(definition: definition, secrets: state.secrets, random: DeterministicRandom(seed: 8))
        #expect(state.keyTree?.shape.fitsGDOILKHIDs == false)
        let directory = GroupDirectory(groups: [state])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 45))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 96))
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair())
        #expect(GroupKeyFixtures.logCodes(run.serverActions).contains("GDOI-PULL-TREE-TOO-LARGE"))
        #expect(client.state == .failed(.refused(notify: 18)))
        #expect(directory.snapshot[0].members.isEmpty, "nobody admitted")
        var distributor = GDOIRekeyDistributor()
        var rekeyed = directory.snapshot[0]
        let rekey = try rekeyed.rollOverTEKs(atMilliseconds: 10_000, random: DeterministicRandom(seed: 9))
        #expect(distributor.distribute([rekey], group: rekeyed, now: .zero).isEmpty, "no GROUPKEY-PUSH for a group no GDOI member can be in")
    }

    @Test("Keys the member cannot take, in a message 4 whose HASH verified, end the registration instead of a retransmission loop")
    func authenticatedUnacceptableKeysFail() throws {
        // A counter-mode TEK but no Sender-ID allocator: message 4 carries no Sender-ID for a
        // member that asked for one (RFC 6407 §4.4: it must not install the SAs).
        var state = try GroupKeyFixtures.demoGroup()
        var definition = state.definition
        for index in definition.dataSecurity.indices { definition.dataSecurity[index].senderIDBits = nil }
        state = try GroupState(definition: definition, secrets: state.secrets, random: DeterministicRandom(seed: 8))
        #expect(state.senderIDs == nil)
        var server = GroupKeyPullServer(directory: GroupDirectory(groups: [state]), random: DeterministicRandom(seed: 45))
        var client = GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: 1), random: DeterministicRandom(seed: 96))
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair())
        guard case .failed(.unacceptablePolicy) = client.state else {
            Issue.record("the member should have failed on the keys, is \(client.state)")
            return
        }
        #expect(run.clientActions.contains { if case .cancelTimer = $0 { true } else { false } }, "no more retransmissions")
        #expect(GroupKeyFixtures.logCodes(run.clientActions).contains("GDOI-GM-FAILED"))
    }

    @Test("A group that does not serve GDOI is unknown to GDOI members")
    func groupWithoutGDOI() throws {
        var state = try GroupKeyFixtures.demoGroup()
        var definition = state.definition
        definition.protocols = ServedProtocols(gdoi: false, gikev2: true)
        state = try GroupState(definition: definition, secrets: state.secrets, random: DeterministicRandom(seed: 8))
        let directory = GroupDirectory(groups: [state])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 45))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 96))
        try GroupKeyFixtures.runPull(client: &client, server: &server, pair: GroupKeyFixtures.phase1Pair())
        #expect(client.state == .failed(.refused(notify: 18)))
        #expect(directory.snapshot[0].members.isEmpty)
    }

    @Test("A member not on the authorization list is answered AUTHENTICATION-FAILED and admits nobody")
    func unauthorizedMember() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(authorizedFQDNs: ["allowed.example"])])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 43))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 93))
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server,
                                               pair: GroupKeyFixtures.phase1Pair(member: "intruder.example"))
        #expect(GroupKeyFixtures.logCodes(run.serverActions).contains("GDOI-PULL-UNAUTHORIZED"))
        #expect(client.state == .failed(.refused(notify: 24)))
        #expect(directory.snapshot[0].members.isEmpty)

        var allowed = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 94))
        try GroupKeyFixtures.runPull(client: &allowed, server: &server, pair: GroupKeyFixtures.phase1Pair(member: "allowed.example", seed: 2))
        #expect(allowed.state == .registered)
    }

    @Test("A message 2 with one flipped octet is dropped: HASH(2) or the payload rules refuse it")
    func tamperedMessage2() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 44))
        var client = GroupKeyPullClient(configuration: .init(group: 1001), random: DeterministicRandom(seed: 95))
        let pair = try GroupKeyFixtures.phase1Pair()
        let message1 = try #require(GroupKeyFixtures.datagrams(client.phase1Established(pair.member, now: .zero)).first)
        var message2 = try #require(GroupKeyFixtures.datagrams(server.handle(datagram: message1, header: try GroupKeyFixtures.header(message1),
                                                                             under: pair.server, now: .zero)).first)
        message2[message2.count - 20] ^= 0x01
        let actions = client.handle(datagram: message2, header: try GroupKeyFixtures.header(message2), under: pair.member,
                                    from: GroupKeyFixtures.serverAddress, now: .zero)
        #expect(GroupKeyFixtures.logCodes(actions) == ["GDOI-GM-REFUSED"])
        #expect(client.state == .awaitingMessage2)
        #expect(directory.snapshot[0].members.isEmpty)
    }
}
