import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GCKSResponder {
    /// INFORMATIONAL request from a registered member (RFC 7296 §1.4): an empty one is a liveness
    /// check; Delete of the IKE SA closes it. Either way the answer is empty (§1.4.1).
    mutating func handleInformational(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard var session = sessions[header.responderSPI], session.spiInitiator == header.initiatorSPI,
              session.isAuthenticated else {
            return drop("INFORMATIONAL from \(peer) for an IKE SA that is not registered")
        }
        let inner: [IKEv2Payload], cacheKey: [UInt8]
        switch takeRequest(datagram, header: header, session: &session, peer: peer, name: "INFORMATIONAL") {
        case .opened(let payloads, let key): (inner, cacheKey) = (payloads, key)
        case .finished(let actions): return actions
        }
        let deletesIKESA = inner.contains {
            if case .delete(let d) = $0 { return d.protocolID == IKEv2ProtocolID.ike } else { return false }
        }
        do {
            let answerHeader = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                           exchangeType: IKEv2ExchangeType.informational, flags: IKEv2Header.responseFlag,
                                           messageID: header.messageID)
            let answer = try seal([], header: answerHeader, session: session)
            session.window.markProcessed(header.messageID)
            session.cache.store(messageID: header.messageID, request: cacheKey, response: answer)
            if deletesIKESA {
                removeSession(header.responderSPI)
                return answer.map { .send(datagram: $0, to: peer) }
                    + [.log(LogEvent(.info, "GCKS-IKE-SA-DELETED", "\(peer) deleted its registration IKE SA"))]
            }
            sessions[header.responderSPI] = session
            return answer.map { .send(datagram: $0, to: peer) }
        } catch {
            return [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "could not protect the INFORMATIONAL answer to \(peer): \(error)"))]
        }
    }

    /// Closes a registered member's IKE SA (RFC 9838 §2.3.3: the GCKS decides when): sends
    /// INFORMATIONAL{D(IKE)} once and forgets the SA; the member keeps its group SAs.
    mutating func closeRegistrationSA(_ session: ResponderSession) -> [Action] {
        removeSession(session.spiResponder)
        var requests = session.requests
        guard let messageID = requests.allocate() else { return [] }
        do {
            let header = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                     exchangeType: IKEv2ExchangeType.informational, flags: 0, messageID: messageID)
            let request = try seal([.delete(DeletePayload(protocolID: IKEv2ProtocolID.ike, spiSize: 0, spis: []))],
                                   header: header, session: session)
            return request.map { .send(datagram: $0, to: session.peer) }
                + [.log(LogEvent(.info, "GCKS-IKE-SA-CLOSED", "closed the registration IKE SA with \(session.peer)"))]
        } catch {
            return [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "could not protect the Delete for \(session.peer): \(error)"))]
        }
    }
}
