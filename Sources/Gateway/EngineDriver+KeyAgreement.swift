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
extension EngineDriver where Engine == GCKSResponder {
    /// Makes the key agreement of new IKE SAs on `pool` from now on. Requests while the engine
    /// demands cookies (with those already on their way counted) are left to the engine, so no
    /// Diffie-Hellman work is done for an initiator that has not answered a cookie (RFC 7296 §2.6).
    func useKeyAgreementHelpers(_ pool: NIOThreadPool, random: any RandomSource) {
        eventLoop.preconditionInEventLoop()
        prepareAhead = { [unowned self] datagram, peer in
            guard PreparedKeyExchange.isNewSAInitRequest(datagram), let engine, !engine.demandsCookie(pending: preparing) else {
                return false
            }
            preparing += 1
            preparedAhead += 1
            pool.runIfActive(eventLoop: eventLoop) { PreparedKeyExchange.prepare(forRequest: datagram, random: random) }
                .whenComplete { result in
                    self.preparing -= 1
                    self.handOver(datagram, from: peer, prepared: (try? result.get()) ?? nil)
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
