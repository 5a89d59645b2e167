import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import Testing

/// Informational exchanges under an established ISAKMP SA (RFC 2408 §4.8; RFC 2409 §5.7):
/// DPD both ways (RFC 3706), Delete, and what happens to forged or replayed ones.
@Suite("Phase1 Informational exchanges")
struct Phase1InformationalTests {
    static let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)

    static func established(mode: Phase1Mode = .main) throws -> Phase1Fixtures.Harness {
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: mode)
        Phase1Fixtures.run(&harness)
        try #require(harness.left.phase1 != nil && harness.right.establishedCount == 1)
        return harness
    }

    @Test("Member R-U-THERE, key server R-U-THERE-ACK with the same sequence number", arguments: [Phase1Mode.main, .aggressive])
    func memberProbes(_ mode: Phase1Mode) throws {
        var harness = try Self.established(mode: mode)
        let probe = harness.left.probeKeyServer(now: harness.clock.now)
        let sent = try #require(Phase1Fixtures.datagrams(probe).first)
        let header = try ISAKMPMessage.parse(sent).header
        #expect(header.exchangeType == ISAKMPExchangeType.informational && header.isEncrypted && header.messageID != 0)
        harness.pumpFromLeft(probe)
        #expect(harness.left.lastDeadPeerAcknowledged != nil)
        // A replay of the same R-U-THERE is not answered again.
        let before = harness.delivered.count
        harness.pumpFromLeft([.send(datagram: sent, to: Phase1Fixtures.serverAddress)])
        #expect(harness.delivered.count == before + 1)
    }

    @Test("Key server R-U-THERE, member R-U-THERE-ACK")
    func serverProbes() throws {
        var harness = try Self.established()
        let cookies = CookiePair(try #require(harness.left.phase1))
        harness.pumpFromRight(harness.right.probePeer(cookies, now: harness.clock.now))
        #expect(harness.right.lastDeadPeerAcknowledged(cookies) != nil)
    }

    @Test("A forged Informational (bad HASH(1) or altered octets) is dropped")
    func forged() throws {
        var harness = try Self.established()
        let sa = try #require(harness.left.phase1)
        // Built with the right keys but a different SKEYID_a would give: simulate by altering.
        var probe = try #require(Phase1Fixtures.datagrams(harness.left.probeKeyServer(now: harness.clock.now)).first)
        probe[probe.count - 1] ^= 0x01
        let actions = harness.right.handle(datagram: probe, from: Phase1Fixtures.memberAddress, now: harness.clock.now)
        #expect(Phase1Fixtures.datagrams(actions).isEmpty)
        #expect(Phase1Fixtures.logCodes(actions).contains("GDOI-DROPPED"))
        // A Delete without protection is ignored: the SA stays.
        let clear = try ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: CookiePair(sa).initiator, responderCookie: CookiePair(sa).responder,
                                                           exchangeType: ISAKMPExchangeType.informational, flags: 0, messageID: 9),
                                      payloads: [ISAKMPInformational.deletion(of: sa)]).serializedBytes()
        _ = harness.right.handle(datagram: clear, from: Phase1Fixtures.memberAddress, now: harness.clock.now)
        #expect(harness.right.establishedCount == 1)
    }

    @Test("The member's Delete removes the ISAKMP SA on the key server")
    func memberDeletes() throws {
        var harness = try Self.established()
        harness.pumpFromLeft(harness.left.leave(now: harness.clock.now))
        #expect(harness.right.establishedCount == 0)
        #expect(harness.left.phase1 == nil)
        #expect(Phase1Fixtures.logCodes(harness.rightActions).contains("GDOI-SA-DELETED"))
    }

    @Test("The key server's Delete ends the member's SA")
    func serverDeletes() throws {
        var harness = try Self.established()
        let cookies = CookiePair(try #require(harness.left.phase1))
        harness.pumpFromRight(harness.right.deleteSA(cookies, now: harness.clock.now))
        #expect(harness.left.phase1 == nil)
        #expect(harness.right.establishedCount == 0)
        #expect(harness.left.isFinished)
    }

    @Test("HASH(1) is prf(SKEYID_a, M-ID | N/D) with the phase-2 IV, checked against an independent computation")
    func hashLayout() throws {
        let harness = try Self.established()
        let sa = try #require(harness.left.phase1)
        let notify = ISAKMPInformational.notification(ISAKMPNotifyType.rUThere, about: sa, data: [0, 0, 0, 5])
        let messageID: UInt32 = 0x0102_0304
        let datagram = try ISAKMPInformational.seal([notify], under: sa, messageID: messageID)
        let message = try ISAKMPMessage.parse(datagram)
        // Decrypt by hand: IV = hash(last phase-1 block | M-ID) truncated (RFC 2409 App. B).
        let iv = Array(try DigestAlgorithm.sha256.hash([sa.lastPhase1Block, [1, 2, 3, 4]]).prefix(16))
        let plaintext = try CBCCipher(.aes256, key: sa.encryptionKey).decrypt(try #require(message.encryptedBody), iv: iv)
        // HASH payload: generic header (next = N, 11), 32 octets of HMAC.
        #expect(Array(plaintext[0..<4]) == [11, 0, 0, 36])
        let notifyOctets = try ISAKMPMessage.serializePayloads([notify])
        #expect(Array(plaintext[36..<(36 + notifyOctets.count)]) == notifyOctets)
        let expected = try PseudorandomFunction(digest: .sha256).authenticate(key: sa.keys.skeyidA, [1, 2, 3, 4] + notifyOctets)
        #expect(Array(plaintext[4..<36]) == expected)
        #expect(try ISAKMPInformational.open(message, under: sa) == [notify])
    }
}

/// INITIAL-CONTACT (RFC 2407 §4.6.3.3): a member that starts afresh replaces its older SAs.
@Suite("Phase1 INITIAL-CONTACT")
struct Phase1InitialContactTests {
    static let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey)

    static func register(twice initialContact: Bool, mode: Phase1Mode) -> GDOIKeyServer {
        var member = Phase1Fixtures.memberConfiguration(proposals: [suite])
        member.sendInitialContact = initialContact
        var harness = Phase1Fixtures.harness(member: member, server: Phase1Fixtures.serverConfiguration(proposals: [suite]), mode: mode)
        Phase1Fixtures.run(&harness)
        // The same member again, a fresh engine with new cookies, against the same key server.
        var again = Phase1Fixtures.Harness(left: GDOIMember(configuration: member, server: Phase1Fixtures.serverAddress, mode: mode,
                                                            random: DeterministicRandom(seed: 77)),
                                           leftAddress: Phase1Fixtures.memberAddress, right: harness.right,
                                           rightAddress: Phase1Fixtures.serverAddress)
        Phase1Fixtures.run(&again)
        return again.right
    }

    @Test("With INITIAL-CONTACT the older SA of the same member is forgotten; without, both stay",
          arguments: [Phase1Mode.main, .aggressive])
    func replaces(_ mode: Phase1Mode) {
        #expect(Self.register(twice: true, mode: mode).establishedCount == 1)
        #expect(Self.register(twice: false, mode: mode).establishedCount == 2)
    }
}

/// The debug key log (`serve --ike-key-log`): one ikev1_decryption_table line per ISAKMP SA.
@Suite("Phase1 key log")
struct Phase1KeyLogTests {
    final class Lines: @unchecked Sendable { var lines: [String] = [] }

    @Test("Each side logs its SA once, as initiator cookie and encryption key in hex")
    func logsOnce() throws {
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey)
        let serverLines = Lines(), memberLines = Lines()
        var server = Phase1Fixtures.serverConfiguration(proposals: [suite])
        server.keyLog = { serverLines.lines.append($0.wiresharkLine) }
        var member = Phase1Fixtures.memberConfiguration(proposals: [suite])
        member.keyLog = { memberLines.lines.append($0.wiresharkLine) }
        var harness = Phase1Fixtures.harness(member: member, server: server)
        Phase1Fixtures.run(&harness)
        let sa = try #require(harness.left.phase1)
        let hex = { (octets: [UInt8]) in octets.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        let expected = hex(sa.initiatorCookie) + "," + hex(sa.encryptionKey.unsafeCopyBytes())
        #expect(serverLines.lines == [expected])
        #expect(memberLines.lines == [expected])
    }
}
