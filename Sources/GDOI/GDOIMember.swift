import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// The GDOI group member (RFC 6407) as one pure engine: it runs IKEv1 phase 1 as initiator to
/// its key server, then hands the established SA to its `Phase2Initiator` (GROUPKEY-PULL), and
/// passes that exchange's answers and any GROUPKEY-PUSH (exchange 33, under the group's KEK
/// cookies) to it. Informational exchanges (DPD, Delete, notifications) it answers itself.
public struct GDOIMember: Sendable {
    public let configuration: Phase1Configuration
    public let server: EndpointAddress
    public let mode: Phase1Mode
    let random: any RandomSource
    public var phase2: (any Phase2Initiator)?
    var exchange: Phase1Exchange?
    var record: EstablishedPhase1?
    /// Why the member stopped, if it failed for good.
    public private(set) var failure: GDOIError?
    public private(set) var log: [LogEvent] = []

    static let timer = TimerID("gdoi-member")

    public init(configuration: Phase1Configuration, server: EndpointAddress, mode: Phase1Mode = .main,
                random: any RandomSource, phase2: (any Phase2Initiator)? = nil) {
        self.configuration = configuration
        self.server = server
        self.mode = mode
        self.random = random
        self.phase2 = phase2
    }

    /// The established phase-1 SA, once there is one.
    public var phase1: Phase1SA? { record?.sa }
    /// The sequence number of the last R-U-THERE the key server acknowledged (RFC 3706).
    public var lastDeadPeerAcknowledged: UInt32? { record?.lastDPDAcknowledged }

    /// Done: failed for good, or phase 1 is up and phase 2 (if any) holds what it came for.
    public var isFinished: Bool {
        if failure != nil { return true }
        guard record != nil else { return false }
        return phase2?.isFinished ?? true
    }

    /// Sends Main or Aggressive Mode message 1.
    public mutating func start(now: EngineTime) -> [Action] {
        do {
            let (exchange, datagram) = try Phase1Exchange.initiate(mode: mode, to: server, configuration: configuration,
                                                                   random: random, now: now)
            self.exchange = exchange
            return [.log(LogEvent(.info, "GDOI-PHASE1-START", "\(mode == .main ? "Main" : "Aggressive") Mode to \(server)")),
                    .send(datagram: datagram, to: server)] + scheduleNextTimer()
        } catch {
            return fail(GDOIError.wire(error))
        }
    }

    public mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action] {
        let message: ISAKMPMessage
        do {
            message = try ISAKMPMessage.parse(datagram)
            try Phase1Exchange.checkHeader(message.header)
        } catch {
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "malformed ISAKMP datagram from \(peer): \(error)"))]
        }
        let header = message.header
        // GROUPKEY-PUSH arrives under the KEK's cookies, not the phase-1 SA's (RFC 6407 §4).
        if header.exchangeType == ISAKMPExchangeType.groupkeyPush {
            return toPhase2(datagram, header: header, under: nil, from: peer, now: now)
        }
        if var exchange, header.initiatorCookie == exchange.cookiePair.initiator {
            return continuePhase1(&exchange, message: message, datagram: datagram, from: peer, now: now)
        }
        guard var record, CookiePair(header) == CookiePair(record.sa) else {
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "\(GDOIExchangeRules.exchangeName(header.exchangeType)) from \(peer) with unknown cookies"))]
        }
        switch header.exchangeType {
        case ISAKMPExchangeType.informational:
            do {
                let result = try record.handleInformational(message, random: random)
                var actions = result.logs.map(Action.log) + result.send.map { Action.send(datagram: $0, to: record.sa.peerAddress) }
                if result.deleted {
                    self.record = nil
                    actions += fail(.peerRefused(notify: 0), reason: "the key server deleted the ISAKMP SA")
                } else {
                    self.record = record
                    // An error Notify while phase 2 is still running is the key server's refusal
                    // (RFC 2408 §3.14.1; RFC 6407 §3.2): stop rather than wait for a timeout.
                    if let error = result.errors.first, !(phase2?.isFinished ?? true) {
                        actions += fail(.peerRefused(notify: error), reason: "\(ISAKMPNotifyName.of(error)) from \(peer)")
                    }
                }
                return actions
            } catch {
                return [.log(LogEvent(.warning, "GDOI-DROPPED", "Informational from \(peer): \(error)"))]
            }
        default:
            return toPhase2(datagram, header: header, under: record.sa, from: peer, now: now)
        }
    }

    public mutating func tick(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        if var exchange, var pending = exchange.pending {
            switch pending.tick(now: now) {
            case .wait: break
            case .resend:
                exchange.pending = pending
                self.exchange = exchange
                actions += pending.datagrams.map { .send(datagram: $0, to: pending.destination) }
            case .gaveUp:
                self.exchange = nil
                actions += fail(.timedOut, reason: "phase 1 with \(server) unanswered")
            }
        }
        if let current = record, now >= current.expiresAt {
            record = nil
            actions.append(.log(LogEvent(.info, "GDOI-SA-EXPIRED", "ISAKMP SA with \(server) reached its lifetime")))
        }
        // A member whose registration failed (the key server refused it) does no more phase-2
        // work: its GROUPKEY-PULL would otherwise go on retransmitting message 1.
        if failure == nil, var initiator = phase2 {
            phase2 = nil
            actions += initiator.tick(now: now)
            phase2 = initiator
        }
        return actions + scheduleNextTimer()
    }

    /// R-U-THERE to the key server (RFC 3706 §5); its ACK sets `lastDeadPeerAcknowledged`.
    public mutating func probeKeyServer(now: EngineTime) -> [Action] {
        guard var current = record, let probe = try? current.deadPeerProbe(random: random) else { return [] }
        record = current
        return [.send(datagram: probe, to: current.sa.peerAddress)]
    }

    /// Deletes the ISAKMP SA (RFC 2408 §4.8, §3.15) and forgets it.
    public mutating func leave(now: EngineTime) -> [Action] {
        guard let current = record, let id = try? EstablishedPhase1.messageID(random),
              let datagram = try? ISAKMPInformational.seal([ISAKMPInformational.deletion(of: current.sa)], under: current.sa,
                                                           messageID: id) else { return [] }
        record = nil
        return [.send(datagram: datagram, to: current.sa.peerAddress),
                .log(LogEvent(.info, "GDOI-SA-DELETED", "ISAKMP SA with \(server) deleted"))]
    }

    // MARK: Steps

    private mutating func continuePhase1(_ exchange: inout Phase1Exchange, message: ISAKMPMessage, datagram: [UInt8],
                                         from peer: EndpointAddress, now: EngineTime) -> [Action] {
        let header = message.header
        let knownResponder = exchange.cookiePair.responder
        guard knownResponder == 0 || header.responderCookie == knownResponder || header.responderCookie == 0 else {
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "answer from \(peer) with a different responder cookie"))]
        }
        if header.exchangeType == ISAKMPExchangeType.informational && !header.isEncrypted {
            // An unprotected Notify before keys exist (e.g. NO-PROPOSAL-CHOSEN): it cannot be
            // authenticated, so only an error type ends the exchange.
            let types = message.payloads.compactMap { if case .notification(let n) = $0 { return n.messageType } else { return nil } }
            guard let error = types.first(where: { $0 < 8192 }) else { return [] }
            self.exchange = nil
            return fail(.peerRefused(notify: error), reason: "\(ISAKMPNotifyName.of(error)) from \(peer) during phase 1")
        }
        guard header.exchangeType == exchange.mode.exchangeType, header.messageID == 0 else {
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "\(GDOIExchangeRules.exchangeName(header.exchangeType)) from \(peer) during phase 1"))]
        }
        do {
            let outcome = try exchange.receiveAnswer(message, datagram: datagram, configuration: configuration, random: random, now: now)
            exchange.logKeysOnce(configuration)
            var actions = outcome.logs.map(Action.log) + outcome.send.map { Action.send(datagram: $0, to: exchange.peer) }
            if let sa = outcome.established {
                self.exchange = nil
                record = EstablishedPhase1(exchange: exchange, sa: sa, now: now, random: random)
                actions.append(.log(LogEvent(.info, "GDOI-PHASE1-ESTABLISHED",
                                             "ISAKMP SA \(CookiePair(sa)) with \(sa.peerIdentity.displayString) at \(peer), "
                                             + "\(exchange.proposal.map(\.description) ?? "")")))
                if var initiator = phase2 {
                    phase2 = nil
                    actions += initiator.phase1Established(sa, now: now)
                    phase2 = initiator
                }
            } else {
                self.exchange = exchange
            }
            return actions + scheduleNextTimer()
        } catch {
            // Keep waiting: a forged or corrupted answer must not end the exchange; the
            // retransmission schedule decides when to give up.
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "phase 1 answer from \(peer): \(error)"))]
        }
    }

    private mutating func toPhase2(_ datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA?, from peer: EndpointAddress,
                                   now: EngineTime) -> [Action] {
        guard var initiator = phase2 else {
            return [.log(LogEvent(.warning, "GDOI-DROPPED", "\(GDOIExchangeRules.exchangeName(header.exchangeType)) from \(peer): no phase-2 handler"))]
        }
        phase2 = nil
        let actions = initiator.handle(datagram: datagram, header: header, under: sa, from: peer, now: now)
        phase2 = initiator
        return actions
    }

    private mutating func fail(_ error: GDOIError, reason: String? = nil) -> [Action] {
        failure = error
        let event = LogEvent(.error, error.code, reason.map { "\($0): \(error)" } ?? "\(error)")
        log.append(event)
        return [.log(event), .cancelTimer(Self.timer)]
    }

    private func scheduleNextTimer() -> [Action] {
        var next: EngineTime?
        if let deadline = exchange?.pending?.deadline { next = deadline }
        if let expiry = record?.expiresAt, next.map({ expiry < $0 }) ?? true { next = expiry }
        guard let next else { return [] }
        return [.scheduleTimer(Self.timer, at: next)]
    }
}

extension GDOIMember: DatagramEngine {}
