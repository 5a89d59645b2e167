import EngineCore
import GIKEv2Wire
import WireCore

/// How every request on an established IKE SA is taken in, before its exchange's own handling:
/// the window and retransmit cache first, then the SK (or SKF) protection and payload rules.
extension GCKSResponder {
    /// The window and cache check every request on an established SA goes through (RFC 7296
    /// §2.1, §2.3): nil for a new request to process; otherwise the actions that answer a
    /// retransmission from the cache or drop the datagram.
    mutating func screenRequest(_ datagram: [UInt8], header: IKEv2Header, session: ResponderSession,
                                peer: EndpointAddress, name: String) -> [Action]? {
        switch session.window.classify(header.messageID) {
        case .retransmission:
            guard let cached = session.cache.response(messageID: header.messageID, request: datagram) else {
                // Fragments other than the first of an answered request are ignored (RFC 7383 §2.6.1).
                if header.nextPayload == IKEv2PayloadType.encryptedFragment { return [] }
                return drop("\(name) from \(peer) reuses Message ID \(header.messageID) with different content")
            }
            statistics.retransmissionsAnswered += 1
            return cached.map { .send(datagram: $0, to: peer) }
        case .outsideWindow:
            return drop("\(name) from \(peer) with Message ID \(header.messageID) outside the window (RFC 7296 §2.3)")
        case .new:
            return nil
        }
    }

    /// What taking a request in gave.
    enum RequestIntake {
        /// A new, complete request: its inner payloads and its key in the retransmit cache.
        case opened(inner: [IKEv2Payload], cacheKey: [UInt8])
        /// Nothing more to do: a retransmission answered, a fragment kept for the rest, or a
        /// datagram dropped (the actions carry the log).
        case finished([Action])
    }

    /// `screenRequest`, then `openRequest`. `name` names the exchange in the log.
    mutating func takeRequest(_ datagram: [UInt8], header: IKEv2Header, session: inout ResponderSession,
                              peer: EndpointAddress, name: String) -> RequestIntake {
        if let answered = screenRequest(datagram, header: header, session: session, peer: peer, name: name) {
            return .finished(answered)
        }
        return openKeepingFragments(datagram, header: header, session: &session, peer: peer, name: name)
    }

    /// The same for IKE_AUTH and GSA_AUTH (RFC 7296 §1.2, RFC 9838 §2.3.1), which only an SA still
    /// awaiting authentication may carry as a new request; `alreadyDone` says in the log why
    /// another is dropped. A retransmission is still answered from the cache.
    mutating func takeAuthRequest(_ datagram: [UInt8], header: IKEv2Header, session: inout ResponderSession,
                                  peer: EndpointAddress, name: String, alreadyDone: String) -> RequestIntake {
        if let answered = screenRequest(datagram, header: header, session: session, peer: peer, name: name) {
            return .finished(answered)
        }
        guard case .awaitingAuth = session.state else {
            return .finished(drop("\(name) from \(peer) on an IKE SA that \(alreadyDone)"))
        }
        return openKeepingFragments(datagram, header: header, session: &session, peer: peer, name: name)
    }

    /// `openRequest`; unless the request is complete the session is stored here, keeping the
    /// fragments received so far.
    private mutating func openKeepingFragments(_ datagram: [UInt8], header: IKEv2Header, session: inout ResponderSession,
                                               peer: EndpointAddress, name: String) -> RequestIntake {
        switch openRequest(datagram, header: header, session: &session) {
        case .complete(let inner, let cacheKey):
            return .opened(inner: inner, cacheKey: cacheKey)
        case .waiting:
            sessions[header.responderSPI] = session
            return .finished([])
        case .rejected(let why):
            // RFC 7296 §2.21: a message that fails integrity or its rules is dropped unanswered.
            sessions[header.responderSPI] = session
            return .finished(drop("\(name) from \(peer): \(why)"))
        }
    }
}
