import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GroupMemberInitiator {
    /// Sends an empty INFORMATIONAL request, the IKEv2 liveness check (RFC 7296 §1.4, §2.4). An
    /// unanswered check marks the IKE SA closed after the retransmission schedule.
    public mutating func checkLiveness(now: EngineTime) -> [Action] {
        guard case .registered(var context) = state, context.ikeSAOpen, pending == nil else {
            preconditionFailure("a liveness check needs an open registration IKE SA and no request outstanding")
        }
        guard let messageID = context.requests.allocate() else {
            return [.log(LogEvent(.warning, "GM-MESSAGE-IDS", "no Message ID left on the registration IKE SA"))]
        }
        do {
            let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: context.spiResponder,
                                     exchangeType: IKEv2ExchangeType.informational, flags: IKEv2Header.initiatorFlag,
                                     messageID: messageID)
            let request = try SKProtection.seal(header: header, innerPayloads: [],
                                                iv: random.bytes(context.keys.initiatorProtection.ivLength),
                                                protection: context.keys.initiatorProtection)
            state = .registered(context)
            return send(request, now: now)
        } catch {
            return [.log(LogEvent(.error, "GM-SEAL-FAILED", "could not protect INFORMATIONAL: \(error)"))]
        }
    }

    /// Messages on the IKE SA after registration: the GCKS's INFORMATIONAL requests (liveness,
    /// Delete of the IKE SA, RFC 7296 §1.4.1) and the answer to our liveness check.
    mutating func handleOnRegisteredSA(_ datagram: [UInt8], header: IKEv2Header, context: RegisteredContext,
                                       now: EngineTime) -> [Action] {
        var context = context
        guard context.ikeSAOpen, header.responderSPI == context.spiResponder else {
            return ignore("not a message on the open registration IKE SA")
        }
        if header.exchangeType == IKEv2ExchangeType.gsaRegistration, header.isResponse {
            return handleGSARegistrationResponse(datagram, header: header, context: context, now: now)
        }
        if header.exchangeType == IKEv2ExchangeType.gsaInbandRekey, !header.isResponse {
            return handleInbandRekey(datagram, header: header, context: context, now: now)
        }
        guard header.exchangeType == IKEv2ExchangeType.informational else {
            return ignore("unexpected \(IKEv2ExchangeRules.exchangeName(header.exchangeType)) on the registration IKE SA")
        }
        if header.isResponse {
            guard context.requests.outstanding.contains(header.messageID) else { return ignore("unexpected INFORMATIONAL response") }
            do {
                let opened = try SKProtection.open(datagram, protection: context.keys.responderProtection)
                try IKEv2ExchangeRules.check(opened)
            } catch {
                return ignore("INFORMATIONAL response rejected: \(error)")
            }
            _ = context.requests.acceptResponse(messageID: header.messageID)
            state = .registered(context)
            pending = nil
            return [.cancelTimer(Self.retransmitTimer), .log(LogEvent(.debug, "GM-ALIVE", "the GCKS answered the liveness check"))]
        }
        let opened: OpenedIKEv2Message
        switch openGCKSRequest(datagram, header: header, context: context, name: "INFORMATIONAL request") {
        case .opened(let message): opened = message
        case .finished(let actions): return actions
        }
        let deletesIKESA = opened.innerPayloads.contains {
            if case .delete(let d) = $0 { return d.protocolID == IKEv2ProtocolID.ike } else { return false }
        }
        do {
            // The answer to a liveness check or to Delete of the IKE SA is empty (RFC 7296 §1.4.1).
            let answer = try sealEmptyAnswer(to: datagram, header: header, context: &context)
            var actions: [Action] = [.send(datagram: answer, to: configuration.server)]
            if deletesIKESA {
                context.ikeSAOpen = false
                pending = nil
                actions += [.cancelTimer(Self.retransmitTimer),
                            .log(LogEvent(.info, "GM-IKE-SA-CLOSED", "the GCKS closed the registration IKE SA; the group SAs stay"))]
            }
            state = .registered(context)
            return actions
        } catch {
            return [.log(LogEvent(.error, "GM-SEAL-FAILED", "could not protect the INFORMATIONAL answer: \(error)"))]
        }
    }
}
