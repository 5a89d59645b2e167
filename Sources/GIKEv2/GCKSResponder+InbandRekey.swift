import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

/// One member's GSA_INBAND_REKEY requests: the one in flight (with its retransmission schedule)
/// and those waiting for it to be answered (one request at a time, RFC 7296 §2.3 window of 1).
struct InbandRekeyQueue: Sendable {
    var inFlight: (messageID: UInt32, request: PendingRequest)?
    var waiting: [[IKEv2Payload]] = []
    var group: String
    var member: String
}

/// GSA_INBAND_REKEY (RFC 9838 §2.4.2): for groups whose rekey policy says unicast, the GCKS sends
/// each member its new keys over the member's registration IKE SA, as an ordinary IKEv2 request
/// the member answers; TEK keys are wrapped under that SA's GSK_w (§4.5.4). Unanswered requests
/// are retransmitted on the rekey policy's schedule; a member that never answers is dropped from
/// the group and logged, as GETVPN operators expect after missed acknowledgements.
extension GCKSResponder {
    mutating func sendInband(_ rekey: GroupRekey, group: GroupState, now: EngineTime) -> [Action] {
        var actions: [Action] = []
        let recipients = Set(rekey.recipients)
        let content: GSARekeyMessage.Content
        do { content = try GSARekeyMessage.Content(rekey, group: group, includeRekeySA: false) } catch {
            return [.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name): \(error)"))]
        }
        for (spi, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard case .registered(let groups, let member) = session.state, groups.contains(group.name),
                  recipients.contains(member) else { continue }
            // Registered sessions negotiated a Key Wrap Algorithm (GSA_AUTH requires it, §4.5.4).
            guard let keyWrap = session.keys.keyWrap else { continue }
            let inner: [IKEv2Payload]
            do {
                inner = try GSARekeyMessage.innerPayloads(content, rekey: rekey, group: group, defaultWrap: keyWrap, includeDeletes: false)
            } catch {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name) member \(member): \(error)")))
                continue
            }
            // A rekey that only changes the (unused) rekey SA or the tree has nothing for in-band members.
            guard !inner.isEmpty else { continue }
            var queue = inbandRekeys[spi] ?? InbandRekeyQueue(group: group.name, member: member)
            queue.waiting.append(inner)
            inbandRekeys[spi] = queue
            actions += sendNextInband(spi: spi, now: now)
        }
        return actions
    }

    /// Sends the next queued request of a session when none is in flight.
    mutating func sendNextInband(spi: UInt64, now: EngineTime) -> [Action] {
        guard var queue = inbandRekeys[spi], queue.inFlight == nil, !queue.waiting.isEmpty,
              var session = sessions[spi] else { return [] }
        guard let messageID = session.requests.allocate() else {
            return [.log(LogEvent(.warning, "GCKS-MESSAGE-IDS", "no Message ID left on the IKE SA with \(session.peer)"))]
        }
        let inner = queue.waiting.removeFirst()
        do {
            let header = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                     exchangeType: IKEv2ExchangeType.gsaInbandRekey, flags: 0, messageID: messageID)
            let datagrams = try seal(inner, header: header, session: session)
            let schedule = Self.inbandSchedule(directory: directory, group: queue.group)
            queue.inFlight = (messageID, PendingRequest(datagrams: datagrams, destination: session.peer, sentAt: now, schedule: schedule))
            sessions[spi] = session
            inbandRekeys[spi] = queue
            return datagrams.map { .send(datagram: $0, to: session.peer) }
                + [.scheduleTimer(TimerID("gcks-inband-\(spi)"), at: now.adding(milliseconds: schedule.initialTimeoutMilliseconds)),
                   .log(LogEvent(.info, "GCKS-INBAND-REKEY-SENT", "group \(queue.group) to \(queue.member) Message ID \(messageID)"))]
        } catch {
            return [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "GSA_INBAND_REKEY to \(session.peer): \(error)"))]
        }
    }

    /// The rekey policy's retransmissions: `count` resends `intervalSeconds` apart.
    static func inbandSchedule(directory: GroupDirectory, group: String) -> RetransmissionSchedule {
        let policy = directory.snapshot.first { $0.name == group }?.definition.rekey?.retransmissions
        let interval = Int64(max(policy?.intervalSeconds ?? 10, 1)) * 1000
        return RetransmissionSchedule(initialTimeoutMilliseconds: interval, backoffFactor: 1.0, maximumTimeoutMilliseconds: interval,
                                      maximumRetransmissions: max(policy?.count ?? 2, 0))
    }

    /// The member's (empty) answer: the request is done; send the next.
    mutating func handleInbandRekeyResponse(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress,
                                            now: EngineTime) -> [Action] {
        let spi = header.responderSPI
        guard var session = sessions[spi], var queue = inbandRekeys[spi], let inFlight = queue.inFlight,
              inFlight.messageID == header.messageID, header.initiatorSPI == session.spiInitiator else {
            return drop("GSA_INBAND_REKEY response from \(peer) matches no request")
        }
        do {
            let opened = try SKProtection.open(datagram, protection: session.keys.initiatorProtection)
            try IKEv2ExchangeRules.check(opened)
        } catch {
            return drop("GSA_INBAND_REKEY response from \(peer) rejected: \(error)")
        }
        _ = session.requests.acceptResponse(messageID: header.messageID)
        sessions[spi] = session
        queue.inFlight = nil
        // A queue with nothing left to send goes: the next rekey makes a new one (line 40), and
        // the tick does not walk one entry per member that ever took an in-band rekey.
        inbandRekeys[spi] = queue.waiting.isEmpty ? nil : queue
        return [.cancelTimer(TimerID("gcks-inband-\(spi)")),
                .log(LogEvent(.debug, "GCKS-INBAND-REKEY-ACKED", "group \(queue.group): \(queue.member) answered"))]
            + sendNextInband(spi: spi, now: now)
    }

    /// Retransmits due requests; drops members that never answered.
    mutating func tickInbandRekeys(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        var dropped: [(group: String, member: String, spi: UInt64)] = []
        for spi in inbandRekeys.keys.sorted() {
            guard var queue = inbandRekeys[spi], var inFlight = queue.inFlight else { continue }
            switch inFlight.request.tick(now: now) {
            case .wait:
                continue
            case .resend:
                queue.inFlight = inFlight
                inbandRekeys[spi] = queue
                actions += inFlight.request.datagrams.map { .send(datagram: $0, to: inFlight.request.destination) }
                actions.append(.scheduleTimer(TimerID("gcks-inband-\(spi)"), at: inFlight.request.deadline))
            case .gaveUp:
                dropped.append((queue.group, queue.member, spi))
            }
        }
        var evictions: [String: [String]] = [:]
        for (group, member, spi) in dropped {
            inbandRekeys[spi] = nil
            actions.append(.log(LogEvent(.warning, "GCKS-INBAND-MEMBER-DROPPED",
                                         "group \(group): \(member) did not answer GSA_INBAND_REKEY after every retransmission; dropped")))
            if let session = sessions[spi] { actions += closeRegistrationSA(session) }
            evictions[group, default: []].append(member)
        }
        // One eviction (one rekey) per group for every member that gave up in this tick.
        for group in evictions.keys.sorted() { actions += evict(group: group, members: evictions[group] ?? [], now: now) }
        return actions
    }
}
