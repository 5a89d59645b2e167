import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// Requests the GCKS sends on the registration IKE SA (INFORMATIONAL, GSA_INBAND_REKEY): the
/// member is their responder, so it keeps a responder window and retransmit cache for them
/// (RFC 7296 §2.1, §2.3) and answers each with an empty response.
extension GroupMemberInitiator {
    /// What screening and opening a GCKS request gave.
    enum GCKSRequestOpening {
        /// A new request whose protection and payload rules check.
        case opened(OpenedIKEv2Message)
        /// Nothing more to do with it: a retransmission answered from the cache, or a request
        /// ignored (with the log action that says why).
        case finished([Action])
    }

    /// A retransmitted request gets the cached answer again (RFC 7296 §2.1); one that reuses a
    /// Message ID with other content, lies outside the window (§2.3) or fails its ICV or payload
    /// rules is ignored. `name` names the exchange in the log.
    func openGCKSRequest(_ datagram: [UInt8], header: IKEv2Header, context: RegisteredContext, name: String) -> GCKSRequestOpening {
        switch context.responses.classify(header.messageID) {
        case .retransmission:
            guard let cached = context.cache.response(messageID: header.messageID, request: datagram) else {
                return .finished(ignore("\(name) reuses a Message ID with different content"))
            }
            return .finished(cached.map { .send(datagram: $0, to: configuration.server) })
        case .outsideWindow:
            return .finished(ignore("\(name) outside the window (RFC 7296 §2.3)"))
        case .new:
            break
        }
        do {
            let opened = try SKProtection.open(datagram, protection: context.keys.responderProtection)
            try IKEv2ExchangeRules.check(opened)
            return .opened(opened)
        } catch {
            return .finished(ignore("\(name) rejected: \(error)"))
        }
    }

    /// Protects the empty answer to the GCKS's request (RFC 7296 §1.4.1; RFC 9838 §2.4.2.2) and
    /// records it in the window and the retransmit cache, so a retransmission gets it again.
    func sealEmptyAnswer(to datagram: [UInt8], header: IKEv2Header, context: inout RegisteredContext) throws -> [UInt8] {
        let answerHeader = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: context.spiResponder,
                                       exchangeType: header.exchangeType,
                                       flags: IKEv2Header.initiatorFlag | IKEv2Header.responseFlag, messageID: header.messageID)
        let answer = try SKProtection.seal(header: answerHeader, innerPayloads: [],
                                           iv: random.bytes(context.keys.initiatorProtection.ivLength),
                                           protection: context.keys.initiatorProtection)
        context.responses.markProcessed(header.messageID)
        context.cache.store(messageID: header.messageID, request: datagram, response: [answer])
        return answer
    }
}
