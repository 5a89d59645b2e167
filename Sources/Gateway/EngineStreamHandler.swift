import EngineCore
import NIOCore
import WireCore

/// One RFC 8229 TCP connection: reassembles `Length | marker | message` frames with WireCore's
/// decoder and hands each IKE message to the driver; ESP frames are dropped (no data plane here).
/// A stream that breaks the framing is closed, since there is no way to find the next frame.
final class EngineStreamHandler<Engine: DatagramEngine & Sendable>: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let driver: EngineDriver<Engine>
    private var decoder: TCPEncapsulationDecoder
    private var peer: EndpointAddress?

    /// `expectPrefix`: the responder side, which first receives "IKETCP" (RFC 8229 §4).
    init(driver: EngineDriver<Engine>, expectPrefix: Bool) {
        self.driver = driver
        decoder = TCPEncapsulationDecoder(expectPrefix: expectPrefix)
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = context.channel.remoteAddress.flatMap(EndpointAddress.init(socketAddress:))
        driver.opened(stream: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else { return }
        do {
            for frame in try decoder.feed(unwrapInboundIn(data)) {
                switch frame {
                case .ike(let message):
                    driver.receive(streamMessage: message, from: peer, on: context.channel)
                case .esp:
                    driver.logger.debug("ESP over TCP dropped", metadata: ["code": "GW-NOT-IKE", "peer": "\(peer)"])
                }
            }
        } catch {
            driver.logger.info("TCP stream closed: bad framing", metadata: ["code": "GW-TCP-FRAMING", "peer": "\(peer)",
                                                                           "reason": "\(error)"])
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.forget(peer, on: context.channel)
        context.fireChannelInactive()
    }

    /// Nothing read for the idle time (an `IdleStateHandler` in front says so): RFC 8229 §6 lets
    /// the responder close an idle connection to free its resources.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, case .read = idle {
            driver.logger.debug("idle TCP connection closed", metadata: ["code": "GW-TCP-IDLE"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        driver.logger.debug("TCP error", metadata: ["code": "GW-SOCKET-ERROR", "error": "\(error)"])
        context.close(promise: nil)
    }
}
