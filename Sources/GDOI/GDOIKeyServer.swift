import EngineCore
import GDOIWire
import GroupKeyCrypto
import GroupState
import WireCore

/// The GDOI key server (RFC 6407) as one pure engine: it answers IKEv1 phase 1 (Main and
/// Aggressive Mode, RFC 2409 §5), owns the established ISAKMP SAs by cookie pair, answers
/// Informational exchanges under them (notifications, Delete, DPD), and hands GROUPKEY-PULL
/// (exchange 32) datagrams under a GDOI phase-1 SA to its `Phase2Responder`.
public struct GDOIKeyServer: Sendable {
    public let configuration: Phase1Configuration
    let random: any RandomSource
    /// The GROUPKEY-PULL responder; nil until one is wired in (exchange 32 is then refused).
    public var phase2: (any Phase2Responder)?
    /// Carries the group's rekeys to GDOI members as GROUPKEY-PUSH; nil: this key server pushes
    /// nothing (members re-register for new keys).
    public var distributor: GDOIRekeyDistributor?
    /// Negotiations in progress, by cookie pair.
    var exchanges: [CookiePair: Phase1Exchange] = [:]
    /// Our responder cookie for each initiator cookie and address, so a retransmitted message 1
    /// gets the same answer (RFC 2408 §2.5.3 cookies; no second exchange).
    var exchangeByInitiator: [InitiatorKey: UInt64] = [:]
    var established: [CookiePair: EstablishedPhase1] = [:]
    public internal(set) var statistics = GDOIKeyServerStatistics()

    struct InitiatorKey: Hashable, Sendable {
        var cookie: UInt64
        var peer: EndpointAddress
    }

    static let timer = TimerID("gdoi-key-server")

    public init(configuration: Phase1Configuration, random: any RandomSource, phase2: (any Phase2Responder)? = nil) {
        self.configuration = configuration
        self.random = random
        self.phase2 = phase2
    }

    /// Established ISAKMP SAs.
    public var establishedCount: Int { established.count }
    /// Phase-1 negotiations not yet complete.
    public var halfOpenCount: Int { exchanges.count }

    /// The established SA with these cookies.
    public func phase1SA(_ cookies: CookiePair) -> Phase1SA? { established[cookies]?.sa }

    /// Every established SA, for status output.
    public var phase1SAs: [Phase1SA] { established.values.map(\.sa).sorted { $0.establishedAtMilliseconds < $1.establishedAtMilliseconds } }

    /// One ISAKMP datagram from `peer` (no non-ESP marker).
    public mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action] {
        statistics.datagramsReceived += 1
        let message: ISAKMPMessage
        do {
            message = try ISAKMPMessage.parse(datagram)
            try Phase1Exchange.checkHeader(message.header)
        } catch {
            return drop("malformed ISAKMP datagram from \(peer): \(error)") + scheduleNextTimer(now: now)
        }
        let header = message.header
        var actions: [Action]
        if header.exchangeType == ISAKMPExchangeType.groupkeyPushAck, distributor != nil {
            // RFC 8263 §3: in the clear under the push's KEK cookies, not under a phase-1 SA.
            actions = distributor?.receiveAck(datagram, from: peer) ?? []
        } else if header.responderCookie == 0 {
            actions = handleFirstMessage(message, datagram: datagram, from: peer, now: now)
        } else {
            let cookies = CookiePair(header)
            if exchanges[cookies] != nil {
                actions = continueExchange(cookies, message: message, datagram: datagram, from: peer, now: now)
            } else if established[cookies] != nil {
                actions = handleUnderSA(cookies, message: message, datagram: datagram, from: peer, now: now)
            } else {
                statistics.unknownCookies += 1
                actions = drop("\(GDOIExchangeRules.exchangeName(header.exchangeType)) from \(peer) with unknown cookies \(cookies)")
            }
        }
        return actions + scheduleNextTimer(now: now)
    }

    /// Expires half-open exchanges and SAs past their lifetime; ticks the phase-2 responder.
    public mutating func tick(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        for (cookies, exchange) in exchanges where now.milliseconds(since: exchange.createdAt) >= configuration.halfOpenLifetimeMilliseconds {
            removeExchange(cookies)
            actions.append(.log(LogEvent(.debug, "GDOI-PHASE1-EXPIRED", "unfinished phase 1 with \(exchange.peer) forgotten")))
        }
        for (cookies, record) in established where now >= record.expiresAt {
            established[cookies] = nil
            actions.append(.log(LogEvent(.info, "GDOI-SA-EXPIRED", "ISAKMP SA \(cookies) with \(record.sa.peerAddress) reached its lifetime")))
        }
        if var responder = phase2 {
            phase2 = nil
            actions += responder.tick(now: now)
            phase2 = responder
        }
        actions += distributor?.tick(now: now) ?? []
        return actions + scheduleNextTimer(now: now)
    }

    /// Sends the rekeys the group state made (in any engine) to the group's GDOI members.
    public mutating func distribute(_ rekeys: [GroupRekey], group: GroupState, now: EngineTime) -> [Action] {
        guard distributor != nil else { return [] }
        let actions = distributor?.distribute(rekeys, group: group, now: now) ?? []
        return actions + scheduleNextTimer(now: now)
    }

    /// Sends R-U-THERE on an established SA (RFC 3706 §5).
    public mutating func probePeer(_ cookies: CookiePair, now: EngineTime) -> [Action] {
        guard var record = established[cookies], let probe = try? record.deadPeerProbe(random: random) else { return [] }
        established[cookies] = record
        return [.send(datagram: probe, to: record.sa.peerAddress)]
    }

    /// The sequence number of the last R-U-THERE this peer acknowledged (RFC 3706).
    public func lastDeadPeerAcknowledged(_ cookies: CookiePair) -> UInt32? { established[cookies]?.lastDPDAcknowledged }

    /// Deletes an ISAKMP SA and tells the peer (RFC 2408 §4.8, §3.15: Delete with the cookie pair).
    public mutating func deleteSA(_ cookies: CookiePair, now: EngineTime) -> [Action] {
        guard let record = established.removeValue(forKey: cookies) else { return [] }
        var actions: [Action] = [.log(LogEvent(.info, "GDOI-SA-DELETED", "ISAKMP SA \(cookies) with \(record.sa.peerAddress) deleted"))]
        if let id = try? EstablishedPhase1.messageID(random),
           let datagram = try? ISAKMPInformational.seal([ISAKMPInformational.deletion(of: record.sa)], under: record.sa, messageID: id) {
            actions.append(.send(datagram: datagram, to: record.sa.peerAddress))
        }
        return actions + scheduleNextTimer(now: now)
    }

    // MARK: Phase 1

    private mutating func handleFirstMessage(_ message: ISAKMPMessage, datagram: [UInt8], from peer: EndpointAddress,
                                             now: EngineTime) -> [Action] {
        let header = message.header
        guard header.exchangeType == ISAKMPExchangeType.identityProtection || header.exchangeType == ISAKMPExchangeType.aggressive,
              header.messageID == 0, !header.isEncrypted else {
            return drop("\(GDOIExchangeRules.exchangeName(header.exchangeType)) from \(peer) without a responder cookie")
        }
        let key = InitiatorKey(cookie: header.initiatorCookie, peer: peer)
        if let responderCookie = exchangeByInitiator[key],
           let exchange = exchanges[CookiePair(initiator: header.initiatorCookie, responder: responderCookie)] {
            guard exchange.lastRequest == datagram else { return drop("a different message 1 reusing cookie from \(peer)") }
            statistics.retransmissionsAnswered += 1
            return exchange.lastResponse.map { .send(datagram: $0, to: peer) }
        }
        guard exchanges.count < configuration.maximumHalfOpen else {
            statistics.halfOpenRefused += 1
            return drop("phase 1 from \(peer) refused: \(exchanges.count) negotiations already unfinished")
        }
        do {
            var (exchange, outcome) = try Phase1Exchange.respond(toFirst: message, datagram: datagram, from: peer,
                                                                 configuration: configuration, random: random, now: now)
            exchange.logKeysOnce(configuration)
            exchanges[exchange.cookiePair] = exchange
            exchangeByInitiator[key] = exchange.cookiePair.responder
            return outcome.logs.map(Action.log) + outcome.send.map { .send(datagram: $0, to: peer) }
        } catch GDOIError.noProposalChosen(let why) {
            statistics.phase1Failures += 1
            // RFC 2408 §5.4 (SA processing): NO-PROPOSAL-CHOSEN, in the clear since no keys exist.
            var actions: [Action] = [.log(LogEvent(.warning, "GDOI-NO-PROPOSAL", "phase 1 from \(peer): \(why)"))]
            if let notify = try? ISAKMPInformational.unprotectedNotification(ISAKMPNotifyType.noProposalChosen,
                                                                             initiatorCookie: header.initiatorCookie,
                                                                             responderCookie: 0, doi: configuration.doi) {
                actions.append(.send(datagram: notify, to: peer))
            }
            return actions
        } catch {
            statistics.phase1Failures += 1
            return drop("phase 1 message 1 from \(peer): \(error)")
        }
    }

    private mutating func continueExchange(_ cookies: CookiePair, message: ISAKMPMessage, datagram: [UInt8],
                                           from peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard var exchange = exchanges[cookies] else { return [] }
        if exchange.lastRequest == datagram {
            statistics.retransmissionsAnswered += 1
            return exchange.lastResponse.map { .send(datagram: $0, to: peer) }
        }
        guard message.header.exchangeType == exchange.mode.exchangeType, message.header.messageID == 0 else {
            return drop("\(GDOIExchangeRules.exchangeName(message.header.exchangeType)) from \(peer) during phase 1")
        }
        // The initiator may float to port 4500 after NAT detection (RFC 3947 §4).
        exchange.peer = peer
        do {
            let outcome = try exchange.respond(to: message, datagram: datagram, configuration: configuration, random: random, now: now)
            exchange.logKeysOnce(configuration)
            var actions = outcome.logs.map(Action.log) + outcome.send.map { Action.send(datagram: $0, to: peer) }
            if let sa = outcome.established {
                removeExchange(cookies)
                if outcome.initialContact { actions += forgetStaleSAs(of: sa) }
                established[cookies] = EstablishedPhase1(exchange: exchange, sa: sa, now: now, random: random)
                statistics.phase1Established += 1
                actions.append(.log(LogEvent(.info, "GDOI-PHASE1-ESTABLISHED",
                                             "\(exchange.mode == .main ? "Main" : "Aggressive") Mode ISAKMP SA \(cookies) with "
                                             + "\(sa.peerIdentity.displayString) at \(peer), \(exchange.proposal.map(\.description) ?? "")")))
            } else {
                exchanges[cookies] = exchange
            }
            return actions
        } catch {
            // The exchange stays: a forged or corrupted message must not end a peer's negotiation;
            // an unfinished one expires (halfOpenLifetime).
            statistics.phase1Failures += 1
            if case GDOIError.authenticationFailed = error { statistics.authenticationFailures += 1 }
            return drop("phase 1 with \(peer): \(error)")
        }
    }

    private mutating func removeExchange(_ cookies: CookiePair) {
        guard let exchange = exchanges.removeValue(forKey: cookies) else { return }
        // Indexed under the address message 1 came from, whatever the peer floated to since.
        exchangeByInitiator[InitiatorKey(cookie: cookies.initiator, peer: exchange.firstPeer ?? exchange.peer)] = nil
    }

    /// INITIAL-CONTACT (RFC 2407 §4.6.3.3): the peer rebooted or restarted, so our older SAs with
    /// the same authenticated identity at the same address are dead; forget them without a Delete.
    private mutating func forgetStaleSAs(of sa: Phase1SA) -> [Action] {
        let stale = established.filter {
            $0.value.sa.peerIdentity == sa.peerIdentity && $0.value.sa.peerCredential == sa.peerCredential
                && $0.value.sa.peerAddress.addressOctets == sa.peerAddress.addressOctets
        }
        for cookies in stale.keys { established[cookies] = nil }
        return stale.keys.sorted { $0.initiator < $1.initiator }.map {
            .log(LogEvent(.info, "GDOI-INITIAL-CONTACT", "ISAKMP SA \($0) with \(sa.peerAddress) replaced after INITIAL-CONTACT"))
        }
    }

    // MARK: Under an established SA

    private mutating func handleUnderSA(_ cookies: CookiePair, message: ISAKMPMessage, datagram: [UInt8],
                                        from peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard var record = established[cookies] else { return [] }
        let header = message.header
        switch header.exchangeType {
        case ISAKMPExchangeType.identityProtection, ISAKMPExchangeType.aggressive:
            // A retransmitted final message: the initiator lost our message 6 (RFC 2408 §5).
            guard record.lastRequest == datagram else { return drop("phase-1 message under established SA \(cookies)") }
            statistics.retransmissionsAnswered += 1
            return record.lastResponse.map { .send(datagram: $0, to: peer) }
        case ISAKMPExchangeType.informational:
            do {
                let result = try record.handleInformational(message, random: random)
                let actions = result.logs.map(Action.log) + result.send.map { Action.send(datagram: $0, to: record.sa.peerAddress) }
                if result.deleted {
                    established[cookies] = nil
                } else {
                    established[cookies] = record
                }
                return actions
            } catch {
                return drop("Informational under \(cookies) from \(peer): \(error)")
            }
        case ISAKMPExchangeType.groupkeyPull where record.doi == ISAKMPDOI.gdoi && phase2 != nil:
            guard var responder = phase2 else { return [] }
            phase2 = nil
            let actions = responder.handle(datagram: datagram, header: header, under: record.sa, now: now)
            phase2 = responder
            // A completed GROUPKEY-PULL admits the member: unicast pushes go to where it registered
            // from (RFC 6407 §4), and the address is persisted with the admission so they still do
            // after a restart.
            let peerAddress = record.sa.peerAddress
            var addressed: [Action] = []
            for action in actions {
                guard case .persist(.memberRegistered(let group, let member, let senderIDs, let leaf, _)) = action else {
                    addressed.append(action)
                    continue
                }
                distributor?.noteRegistration(group: group, member: member, address: peerAddress)
                addressed.append(.persist(.memberRegistered(group: group, member: member, senderIDs: senderIDs, leafKeyID: leaf,
                                                            address: peerAddress)))
            }
            return addressed
        default:
            return refusePhase2(message, record: record, from: peer)
        }
    }

    /// A phase-2 exchange we do not run: IPsec DOI Quick Mode (also exchange 32, RFC 2409 §5.5)
    /// from a peer that negotiated phase 1 under DOI 1, or any exchange type unknown here. If its
    /// HASH(1) verifies it is answered with a protected Notify (RFC 2408 §5.1 INVALID-EXCHANGE-TYPE,
    /// or NO-PROPOSAL-CHOSEN for a Quick Mode SA a group key server never grants); the ISAKMP SA stays.
    private mutating func refusePhase2(_ message: ISAKMPMessage, record: EstablishedPhase1, from peer: EndpointAddress) -> [Action] {
        let header = message.header
        let name = header.exchangeType == ISAKMPExchangeType.groupkeyPull
            ? (record.doi == ISAKMPDOI.gdoi ? "GROUPKEY-PULL" : "Quick Mode") : GDOIExchangeRules.exchangeName(header.exchangeType)
        let payloads: [ISAKMPPayload]
        do { payloads = try ISAKMPInformational.open(message, under: record.sa, parsingAs: ISAKMPExchangeType.informational) } catch {
            return drop("\(name) from \(peer) under \(CookiePair(header)): \(error)")
        }
        statistics.phase2Refused += 1
        let isQuickMode = header.exchangeType == ISAKMPExchangeType.groupkeyPull && record.doi == ISAKMPDOI.ipsec
        let type = isQuickMode || header.exchangeType == ISAKMPExchangeType.groupkeyPull
            ? ISAKMPNotifyType.noProposalChosen : ISAKMPNotifyType.invalidExchangeType
        // For Quick Mode the Notify names the peer's proposed SA (its protocol and SPI).
        var notification = ISAKMPNotification(doi: record.doi, protocolID: ISAKMPInformational.protocolISAKMP, messageType: type)
        if isQuickMode, case .securityAssociation(let sa)? = payloads.first(where: { if case .securityAssociation = $0 { return true } else { return false } }),
           let proposal = sa.proposals.first {
            notification = ISAKMPNotification(doi: record.doi, protocolID: proposal.protocolID, messageType: type, spi: proposal.spi)
        }
        var actions: [Action] = [.log(LogEvent(.info, "GDOI-PHASE2-REFUSED", "\(name) from \(peer) refused with \(ISAKMPNotifyName.of(type))"))]
        if let id = try? EstablishedPhase1.messageID(random),
           let answer = try? ISAKMPInformational.seal([.notification(notification)], under: record.sa, messageID: id) {
            actions.append(.send(datagram: answer, to: record.sa.peerAddress))
        }
        return actions
    }

    // MARK: Housekeeping

    private func scheduleNextTimer(now: EngineTime) -> [Action] {
        var next: EngineTime?
        for exchange in exchanges.values {
            let due = exchange.createdAt.adding(milliseconds: configuration.halfOpenLifetimeMilliseconds)
            if next.map({ due < $0 }) ?? true { next = due }
        }
        for record in established.values where next.map({ record.expiresAt < $0 }) ?? true { next = record.expiresAt }
        if let due = distributor?.nextDeadline, next.map({ due < $0 }) ?? true { next = due }
        guard let next else { return [] }
        return [.scheduleTimer(Self.timer, at: max(next, now))]
    }

    mutating func drop(_ reason: String) -> [Action] {
        statistics.datagramsDropped += 1
        return [.log(LogEvent(.warning, "GDOI-DROPPED", reason))]
    }
}

/// Counters an operator watches; every dropped datagram is counted.
public struct GDOIKeyServerStatistics: Sendable, Equatable {
    public var datagramsReceived = 0
    public var datagramsDropped = 0
    public var retransmissionsAnswered = 0
    public var unknownCookies = 0
    public var phase1Established = 0
    public var phase1Failures = 0
    public var authenticationFailures = 0
    public var phase2Refused = 0
    public var halfOpenRefused = 0
    public init() {}
}

extension GDOIKeyServer: DatagramEngine {
    /// Hands a record its GROUPKEY-PULL responder made, and could not be stored, back to it.
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] {
        guard var responder = phase2 else { return [] }
        phase2 = nil
        let actions = responder.recordNotPersisted(record, now: now)
        phase2 = responder
        return actions
    }
}
