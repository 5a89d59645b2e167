import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GCKSResponder {
    /// Protects a response, as SKF fragments when the member announced IKE fragmentation and the
    /// whole message would exceed the threshold (RFC 7383 §2.5, §2.5.1).
    func seal(_ payloads: [IKEv2Payload], header: IKEv2Header, session: ResponderSession) throws -> [[UInt8]] {
        try MessageFragmentation.seal(payloads, header: header, protection: session.keys.responderProtection,
                                      fragment: session.fragmentationSupported,
                                      limit: MessageFragmentation.limit(configured: configuration.maximumMessageSize, peer: session.peer),
                                      random: random)
    }

    /// What opening a request on an established SA gave.
    enum OpenedRequest {
        /// The inner payloads, and the octets that identify the request in the retransmit cache
        /// (for a fragmented request, fragment 1: only its retransmission repeats the answer,
        /// RFC 7383 §2.6.1).
        case complete(inner: [IKEv2Payload], cacheKey: [UInt8])
        /// A fragment was kept; the others are awaited.
        case waiting
        case rejected(String)
    }

    /// Opens a request whole (SK) or fragment by fragment (SKF, RFC 7383 §2.6), checking its
    /// exchange's payload rules either way.
    func openRequest(_ datagram: [UInt8], header: IKEv2Header, session: inout ResponderSession) -> OpenedRequest {
        do {
            let message = try IKEv2Message.parse(datagram)
            guard message.payloads.last?.type == IKEv2PayloadType.encryptedFragment else {
                let opened = try SKProtection.open(datagram, protection: session.keys.initiatorProtection)
                try IKEv2ExchangeRules.check(opened)
                return .complete(inner: opened.innerPayloads, cacheKey: datagram)
            }
            guard session.fragmentationSupported else { return .rejected("an SKF fragment, but fragmentation was not negotiated") }
            try message.checkClearRules()
            let fragment = try SKProtection.openFragment(datagram, protection: session.keys.initiatorProtection)
            if session.requestFragments.messageID != header.messageID {
                session.requestFragments = RequestFragments(messageID: header.messageID)
            }
            if fragment.fragmentNumber == 1 { session.requestFragments.first = datagram }
            guard let complete = session.requestFragments.collector.add(fragment) else { return .waiting }
            let first = session.requestFragments.first ?? datagram
            session.requestFragments = RequestFragments()
            let inner = try SKProtection.reassemble(complete)
            try MessageFragmentation.checkReassembled(inner, header: header)
            return .complete(inner: inner, cacheKey: first)
        } catch {
            return .rejected("\(error)")
        }
    }
}

/// The fragments of the request being reassembled on one SA (window size 1: at most one).
struct RequestFragments: Sendable {
    var messageID: UInt32?
    var collector = FragmentCollector()
    /// Fragment 1 as received: the retransmit cache's key for the request.
    var first: [UInt8]?
}
