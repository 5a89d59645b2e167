import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import Testing

/// Records what an engine handed to its phase-2 side.
final class Phase2CallLog: @unchecked Sendable {
    struct Call: Equatable {
        var exchangeType: UInt8
        var messageID: UInt32
        var cookies: CookiePair?
    }
    var calls: [Call] = []
    var established: [CookiePair] = []
    var ticks = 0
}

/// A GROUPKEY-PULL responder double: answers each datagram with one encrypted exchange-32 message
/// under the same SA and Message ID.
struct EchoPhase2Responder: Phase2Responder {
    let log: Phase2CallLog

    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA, now: EngineTime) -> [Action] {
        log.calls.append(.init(exchangeType: header.exchangeType, messageID: header.messageID, cookies: CookiePair(sa)))
        guard let answer = try? ISAKMPInformational.seal([.nonce(data: [UInt8](repeating: 7, count: 16))], under: sa,
                                                         messageID: header.messageID, exchangeType: ISAKMPExchangeType.groupkeyPull)
        else { return [] }
        return [.send(datagram: answer, to: sa.peerAddress)]
    }

    mutating func tick(now: EngineTime) -> [Action] {
        log.ticks += 1
        return []
    }
}

/// A GROUPKEY-PULL initiator double: sends one exchange-32 message once phase 1 is up and is
/// finished when an answer under the SA comes back.
struct OneShotPhase2Initiator: Phase2Initiator {
    let log: Phase2CallLog
    var finished = false

    mutating func phase1Established(_ sa: Phase1SA, now: EngineTime) -> [Action] {
        log.established.append(CookiePair(sa))
        guard let request = try? ISAKMPInformational.seal([.nonce(data: [UInt8](repeating: 1, count: 16)),
                                                           .identification(.group(1001))], under: sa,
                                                          messageID: 0x4242_0001, exchangeType: ISAKMPExchangeType.groupkeyPull)
        else { return [] }
        return [.send(datagram: request, to: sa.peerAddress)]
    }

    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA?, from peer: EndpointAddress,
                         now: EngineTime) -> [Action] {
        log.calls.append(.init(exchangeType: header.exchangeType, messageID: header.messageID, cookies: sa.map(CookiePair.init)))
        if sa != nil && header.exchangeType == ISAKMPExchangeType.groupkeyPull { finished = true }
        return []
    }

    mutating func tick(now: EngineTime) -> [Action] {
        log.ticks += 1
        return []
    }

    var isFinished: Bool { finished }
}

/// The engines' dispatch of phase-2 datagrams through the seams (Phase2Seams.swift).
@Suite("GDOIEngine phase-2 dispatch")
struct GDOIEngineDispatchTests {
    static let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .ecp256, authentication: .preSharedKey)

    @Test("Phase 1 up -> the member starts phase 2; exchange 32 goes to the key server's responder and back")
    func pullRoundTrip() throws {
        let serverLog = Phase2CallLog(), memberLog = Phase2CallLog()
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]),
                                             phase2Initiator: OneShotPhase2Initiator(log: memberLog),
                                             phase2Responder: EchoPhase2Responder(log: serverLog))
        Phase1Fixtures.run(&harness)
        let sa = try #require(harness.left.phase1)
        #expect(memberLog.established == [CookiePair(sa)])
        #expect(serverLog.calls == [.init(exchangeType: 32, messageID: 0x4242_0001, cookies: CookiePair(sa))])
        #expect(memberLog.calls == [.init(exchangeType: 32, messageID: 0x4242_0001, cookies: CookiePair(sa))])
        #expect(harness.left.isFinished)
        // Ticks reach both phase-2 sides.
        harness.advance(milliseconds: 10)
        #expect(serverLog.ticks >= 1 && memberLog.ticks >= 1)
    }

    @Test("The member is not finished while phase 2 is not; a key server with no responder refuses and the member stops")
    func notFinishedWithoutAnswer() throws {
        let memberLog = Phase2CallLog()
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]),
                                             phase2Initiator: OneShotPhase2Initiator(log: memberLog))
        // Phase 1's six messages pass; the key server's answer to the GROUPKEY-PULL is lost.
        harness.network = { from, _, bytes in
            from == Phase1Fixtures.serverAddress && (try? ISAKMPMessage.parse(bytes))?.header.exchangeType == ISAKMPExchangeType.informational
                ? [] : [bytes]
        }
        Phase1Fixtures.run(&harness)
        #expect(harness.left.phase1 != nil)
        #expect(!harness.left.isFinished)
        // With no responder the key server refuses GROUPKEY-PULL with a protected Notify.
        #expect(harness.right.statistics.phase2Refused == 1)
        let refusal = try #require(harness.rightActions.compactMap { if case .send(let d, _) = $0 { return d } else { return nil } }.last)
        harness.network = { _, _, bytes in [bytes] }
        harness.pumpFromRight([.send(datagram: refusal, to: Phase1Fixtures.memberAddress)])
        #expect(harness.left.isFinished)
        #expect(harness.left.failure == .peerRefused(notify: ISAKMPNotifyType.noProposalChosen))
        #expect(harness.left.phase1 != nil, "the ISAKMP SA itself stays")
    }

    @Test("GROUPKEY-PUSH (33) under any cookies goes to the member's phase-2 side with no phase-1 SA")
    func pushDispatch() throws {
        let memberLog = Phase2CallLog()
        var member = GDOIMember(configuration: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                server: Phase1Fixtures.serverAddress, random: DeterministicRandom(),
                                phase2: OneShotPhase2Initiator(log: memberLog))
        let header = ISAKMPHeader(initiatorCookie: 0xAAAA, responderCookie: 0xBBBB, exchangeType: ISAKMPExchangeType.groupkeyPush,
                                  flags: ISAKMPHeader.encryptionFlag, messageID: 0)
        let push = try ISAKMPMessage(header: header, payloads: [], encryptedBody: [UInt8](repeating: 1, count: 32)).serializedBytes()
        _ = member.handle(datagram: push, from: Phase1Fixtures.serverAddress, now: .zero)
        #expect(memberLog.calls == [.init(exchangeType: 33, messageID: 0, cookies: nil)])
    }

    @Test("Exchange 32 under unknown cookies never reaches the responder")
    func unknownCookiesNotDispatched() throws {
        let serverLog = Phase2CallLog()
        var server = GDOIKeyServer(configuration: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]),
                                   random: DeterministicRandom(), phase2: EchoPhase2Responder(log: serverLog))
        let header = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, exchangeType: ISAKMPExchangeType.groupkeyPull,
                                  flags: ISAKMPHeader.encryptionFlag, messageID: 5)
        let pull = try ISAKMPMessage(header: header, payloads: [], encryptedBody: [UInt8](repeating: 1, count: 32)).serializedBytes()
        _ = server.handle(datagram: pull, from: Phase1Fixtures.memberAddress, now: .zero)
        #expect(serverLog.calls.isEmpty)
        #expect(server.statistics.unknownCookies == 1)
    }

    @Test("Quick Mode under an IPsec-DOI phase 1 is refused with a protected NO-PROPOSAL-CHOSEN; the SA stays and phase 2 never sees it")
    func quickModeRefused() throws {
        let serverLog = Phase2CallLog()
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [Self.suite], doi: ISAKMPDOI.ipsec),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]),
                                             phase2Responder: EchoPhase2Responder(log: serverLog))
        Phase1Fixtures.run(&harness)
        let sa = try #require(harness.left.phase1)
        // Quick Mode message 1: HASH(1), SA (IPsec DOI, ESP proposal), Ni (RFC 2409 §5.5).
        let esp = ISAKMPSecurityAssociation(doi: ISAKMPDOI.ipsec, situation: 1, proposals: [
            ISAKMPProposal(number: 1, protocolID: 3, spi: [0xC0, 0xFF, 0xEE, 0x01],
                           transforms: [ISAKMPTransform(number: 1, transformID: 12, attributes: [.tv(1, 1), .tv(2, 3600)])]),
        ])
        let quickMode = try ISAKMPInformational.seal([.securityAssociation(esp), .nonce(data: [UInt8](repeating: 3, count: 16))],
                                                     under: sa, messageID: 77, exchangeType: 32)
        harness.pumpFromLeft([.send(datagram: quickMode, to: Phase1Fixtures.serverAddress)])
        #expect(serverLog.calls.isEmpty)
        #expect(harness.right.establishedCount == 1)
        #expect(harness.right.statistics.phase2Refused == 1)
        let answer = try #require(harness.delivered.last)
        #expect(answer.from == Phase1Fixtures.serverAddress)
        let message = try ISAKMPMessage.parse(answer.bytes)
        #expect(message.header.exchangeType == ISAKMPExchangeType.informational)
        let payloads = try ISAKMPInformational.open(message, under: sa)
        guard case .notification(let n)? = payloads.first else { Issue.record("expected a Notify"); return }
        #expect(n.messageType == ISAKMPNotifyType.noProposalChosen)
        #expect(n.protocolID == 3 && n.spi == [0xC0, 0xFF, 0xEE, 0x01])
        // The member logs the notify and keeps its SA.
        #expect(harness.left.phase1 != nil)
    }
}
