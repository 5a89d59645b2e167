import EngineCore
import GIKEv2
import GroupKeyCrypto
import NIOCore
import NIOPosix

/// Key-agreement helpers for the GCKS: the engine is one state machine on one event loop, and the
/// two X25519 (or ECP, MODP) operations of each new IKE SA are the largest part of what a
/// registration costs it. They depend only on the request, so the driver has them made on a
/// thread pool (PreparedKeyExchange) and hands the request to the engine with the result; the
/// loop thread keeps the rest (state, AUTH, admission, key wrapping, the answers), and a second
/// core takes the agreements. This is the shape of Libreswan's crypto helper threads, with the
/// engine left as it was: it still decides everything, and takes the prepared agreement only for
/// the method and peer value it would have used itself.
/// An IKE_SA_INIT request whose key agreement is being made: initiator SPI and address.
struct PreparingKey: Hashable {
    let initiatorSPI: [UInt8]
    let peer: EndpointAddress
}

extension EngineDriver where Engine == GCKSResponder {
    /// Makes the key agreement of new IKE SAs on `pool` from now on, for the requests the engine
    /// says it would make one for (`wouldMakeKeyAgreement`): none while it demands cookies (those
    /// already on their way counted), so no Diffie-Hellman work is done for an initiator that has
    /// not answered a cookie (RFC 7296 §2.6), nor for one it would refuse or has answered already.
    func useKeyAgreementHelpers(_ pool: NIOThreadPool, random: any RandomSource) {
        eventLoop.preconditionInEventLoop()
        prepareAhead = { [weak self] datagram, peer in
            guard let self, PreparedKeyExchange.isNewSAInitRequest(datagram) else { return false }
            // A copy of a request whose agreement is being made is dropped: the answer to the
            // first is on its way, and the initiator retransmits if it is lost (RFC 7296 §2.1).
            let key = PreparingKey(initiatorSPI: Array(datagram[0..<8]), peer: peer)
            if preparingRequests.contains(key) { return true }
            guard let engine, engine.wouldMakeKeyAgreement(forRequest: datagram, from: peer, pending: preparing) else { return false }
            preparing += 1
            preparedAhead += 1
            preparingRequests.insert(key)
            pool.runIfActive(eventLoop: eventLoop) { PreparedKeyExchange.prepare(forRequest: datagram, random: random) }
                .whenComplete { [weak self] result in
                    guard let self else { return }
                    preparing -= 1
                    preparingRequests.remove(key)
                    handOver(datagram, from: peer, prepared: (try? result.get()) ?? nil)
                }
            return true
        }
    }

    /// The request, now with its key agreement (or without, if it could not be made ahead).
    private func handOver(_ datagram: [UInt8], from peer: EndpointAddress, prepared: PreparedKeyExchange?) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, var current = engine else { return }
        engine = nil  // `current` is then the only reference and mutates without a copy
        let actions = current.handle(datagram: datagram, from: peer, now: clock(), prepared: prepared)
        engine = current
        perform(actions)
    }
}
