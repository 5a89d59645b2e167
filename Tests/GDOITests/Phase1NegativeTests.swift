import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupKeyTypes
import Testing

/// What must not produce an SA: a wrong key, altered or cut messages, replays, strangers' cookies,
/// suites we do not accept.
@Suite("Phase1 negative cases")
struct Phase1NegativeTests {
    static let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)

    static func harness(serverPSK: SecretBytes = Phase1Fixtures.psk, mode: Phase1Mode = .main) -> Phase1Fixtures.Harness {
        Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [suite]),
                               server: Phase1Fixtures.serverConfiguration(proposals: [suite], psk: serverPSK), mode: mode)
    }

    @Test("Wrong pre-shared key: HASH_I fails, no SA on either side, the member gives up after its retransmissions",
          arguments: [Phase1Mode.main, .aggressive])
    func wrongPSK(_ mode: Phase1Mode) {
        var harness = Self.harness(serverPSK: SecretBytes(Array("another key".utf8)), mode: mode)
        Phase1Fixtures.run(&harness)
        #expect(harness.right.establishedCount == 0)
        #expect(harness.left.phase1 == nil)
        if mode == .main {
            // Message 5 under the wrong SKEYID_e does not even decrypt to a payload chain, or its HASH fails.
            #expect(harness.right.statistics.phase1Failures >= 1)
        }
        // The member retransmits its last message, then fails for good.
        for _ in 0..<8 { harness.advance(milliseconds: 20_000) }
        #expect(harness.left.phase1 == nil)
        #expect(harness.right.establishedCount == 0)
        if mode == .main {
            #expect(harness.left.failure == .timedOut)
        } else {
            // Aggressive Mode: the member's check of HASH_R fails first; it never sends message 3.
            #expect(harness.delivered.count >= 2)
            #expect(!harness.delivered.contains { $0.from == Phase1Fixtures.memberAddress && $0.bytes.count > 28
                        && (try? ISAKMPMessage.parse($0.bytes))?.payloads.first.map { if case .hash = $0 { true } else { false } } == true })
        }
    }

    @Test("No acceptable proposal: NO-PROPOSAL-CHOSEN in the clear, and the member stops")
    func noProposal() {
        let offered = Phase1Proposal(cipher: .aes128, hash: .sha1, group: .ecp256, authentication: .preSharedKey)
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [offered]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]))
        Phase1Fixtures.run(&harness)
        #expect(harness.left.failure == .peerRefused(notify: ISAKMPNotifyType.noProposalChosen))
        #expect(harness.left.isFinished)
        #expect(harness.right.establishedCount == 0 && harness.right.halfOpenCount == 0)
        let answer = try? ISAKMPMessage.parse(harness.delivered[1].bytes)
        #expect(answer?.header.exchangeType == ISAKMPExchangeType.informational)
        if case .notification(let n)? = answer?.payloads.first {
            #expect(n.messageType == ISAKMPNotifyType.noProposalChosen)
        } else {
            Issue.record("expected a Notify")
        }
    }

    @Test("Legacy suites are refused unless allowed")
    func legacyRefused() {
        let legacy = Phase1Proposal(cipher: .tripleDES, hash: .sha1, group: .modp1024, authentication: .preSharedKey)
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [legacy], allowLegacy: true),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [legacy], allowLegacy: false))
        Phase1Fixtures.run(&harness)
        #expect(harness.left.failure == .peerRefused(notify: ISAKMPNotifyType.noProposalChosen))
    }

    @Test("MD5, DES and group 1 are never offered, even when configured")
    func unsupportedNeverOffered() {
        let md5 = Phase1Proposal(cipher: .aes128, hash: .md5, group: .modp2048, authentication: .preSharedKey)
        var member = GDOIMember(configuration: Phase1Fixtures.memberConfiguration(proposals: [md5], allowLegacy: true),
                                server: Phase1Fixtures.serverAddress, random: DeterministicRandom())
        let actions = member.start(now: .zero)
        #expect(Phase1Fixtures.datagrams(actions).isEmpty)
        #expect(member.failure?.code == "GDOI-NO-PROPOSAL")
    }

    /// Counts datagrams in flight, so a test can alter the n-th one.
    final class Counter: @unchecked Sendable { var value = 0 }

    @Test("Changed octets anywhere in Main Mode message 5 are rejected and leave no SA")
    func tamperedMessage5() throws {
        var clean = Self.harness()
        Phase1Fixtures.run(&clean)
        let length = clean.delivered[4].bytes.count
        #expect(clean.right.establishedCount == 1)
        for offset in stride(from: 28, to: length, by: 5) {
            var harness = Self.harness()
            let counter = Counter()
            harness.network = { _, _, bytes in
                counter.value += 1
                guard counter.value == 5 else { return [bytes] }
                var altered = bytes
                altered[offset] ^= 0x40
                return [altered]
            }
            Phase1Fixtures.run(&harness)
            #expect(harness.right.establishedCount == 0, "octet \(offset) changed")
            #expect(harness.left.phase1 == nil)
            #expect(harness.right.halfOpenCount == 1, "the exchange survives a forged message")
        }
    }

    @Test("Changed octets in message 6 are rejected by the member, which keeps waiting")
    func tamperedMessage6() throws {
        for offset in [28, 40, 60] {
            var harness = Self.harness()
            let counter = Counter()
            harness.network = { _, _, bytes in
                counter.value += 1
                guard counter.value == 6 else { return [bytes] }
                var altered = bytes
                altered[min(offset, altered.count - 1)] ^= 0x01
                return [altered]
            }
            Phase1Fixtures.run(&harness)
            #expect(harness.left.phase1 == nil)
            #expect(harness.left.failure == nil)
            // The retransmitted message 5 gets the cached, intact message 6.
            harness.network = { _, _, bytes in [bytes] }
            harness.advance(milliseconds: 1_000)
            #expect(harness.left.phase1 != nil)
        }
    }

    @Test("Truncated messages are dropped and counted, whatever the cut")
    func truncated() {
        var clean = Self.harness()
        Phase1Fixtures.run(&clean)
        var server = GDOIKeyServer(configuration: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]), random: DeterministicRandom())
        for message in clean.delivered where message.from == Phase1Fixtures.memberAddress {
            for cut in [0, 1, 27, 28, message.bytes.count / 2, message.bytes.count - 1] where cut < message.bytes.count {
                let actions = server.handle(datagram: Array(message.bytes.prefix(cut)), from: Phase1Fixtures.memberAddress, now: .zero)
                #expect(Phase1Fixtures.datagrams(actions).isEmpty)
            }
        }
        #expect(server.establishedCount == 0)
        #expect(server.statistics.datagramsDropped == server.statistics.datagramsReceived)
    }

    @Test("Datagrams under unknown cookies are dropped and counted")
    func unknownCookies() throws {
        var server = GDOIKeyServer(configuration: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]), random: DeterministicRandom())
        let header = ISAKMPHeader(initiatorCookie: 0x1122_3344_5566_7788, responderCookie: 0x99AA_BBCC_DDEE_FF00,
                                  exchangeType: ISAKMPExchangeType.informational, flags: ISAKMPHeader.encryptionFlag, messageID: 7)
        let datagram = try ISAKMPMessage(header: header, payloads: [], encryptedBody: [UInt8](repeating: 0xAB, count: 32)).serializedBytes()
        let actions = server.handle(datagram: datagram, from: Phase1Fixtures.memberAddress, now: .zero)
        #expect(Phase1Fixtures.datagrams(actions).isEmpty)
        #expect(server.statistics.unknownCookies == 1)
        #expect(Phase1Fixtures.logCodes(actions).contains("GDOI-DROPPED"))
    }

    @Test("A replayed message 1 from the same peer gets the same answer and no second exchange; a new member gets its own")
    func replayedFirstMessage() throws {
        var member = GDOIMember(configuration: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                server: Phase1Fixtures.serverAddress, random: DeterministicRandom())
        let first = try #require(Phase1Fixtures.datagrams(member.start(now: .zero)).first)
        var server = GDOIKeyServer(configuration: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]), random: DeterministicRandom(seed: 5))
        let a = Phase1Fixtures.datagrams(server.handle(datagram: first, from: Phase1Fixtures.memberAddress, now: .zero))
        let b = Phase1Fixtures.datagrams(server.handle(datagram: first, from: Phase1Fixtures.memberAddress, now: .zero))
        #expect(a == b && a.count == 1)
        #expect(server.halfOpenCount == 1)
        #expect(server.statistics.retransmissionsAnswered == 1)
        _ = server.handle(datagram: first, from: EndpointAddress.ipv4(192, 0, 2, 8, port: 848), now: .zero)
        #expect(server.halfOpenCount == 2)
        // Half-open exchanges are forgotten after their lifetime.
        _ = server.tick(now: EngineTime(milliseconds: 31_000))
        #expect(server.halfOpenCount == 0)
    }

    @Test("A Main Mode message replayed after the SA is up changes nothing; a replayed message 5 gets the same message 6")
    func replayAfterEstablished() {
        var harness = Self.harness()
        Phase1Fixtures.run(&harness)
        #expect(harness.right.establishedCount == 1)
        let message5 = harness.delivered[4].bytes, message6 = harness.delivered[5].bytes
        let message3 = harness.delivered[2].bytes
        let again = harness.right.handle(datagram: message5, from: Phase1Fixtures.memberAddress, now: harness.clock.now)
        #expect(Phase1Fixtures.datagrams(again) == [message6])
        let old = harness.right.handle(datagram: message3, from: Phase1Fixtures.memberAddress, now: harness.clock.now)
        #expect(Phase1Fixtures.datagrams(old).isEmpty)
        #expect(harness.right.establishedCount == 1)
        // The member ignores a duplicate message 6.
        _ = harness.left.handle(datagram: message6, from: Phase1Fixtures.serverAddress, now: harness.clock.now)
        #expect(harness.left.phase1 != nil)
    }

    @Test("Past the half-open limit new first messages are dropped until the unfinished ones expire")
    func halfOpenLimit() throws {
        var configuration = Phase1Fixtures.serverConfiguration(proposals: [Self.suite])
        configuration.maximumHalfOpen = 2
        var server = GDOIKeyServer(configuration: configuration, random: DeterministicRandom())
        var answered = 0
        for index in 0..<3 {
            var member = GDOIMember(configuration: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                    server: Phase1Fixtures.serverAddress, random: DeterministicRandom(seed: UInt8(index + 20)))
            let first = try #require(Phase1Fixtures.datagrams(member.start(now: .zero)).first)
            answered += Phase1Fixtures.datagrams(server.handle(datagram: first, from: Phase1Fixtures.memberAddress, now: .zero)).count
        }
        #expect(answered == 2 && server.halfOpenCount == 2 && server.statistics.halfOpenRefused == 1)
        _ = server.tick(now: EngineTime(milliseconds: 30_000))
        #expect(server.halfOpenCount == 0)
    }
}
