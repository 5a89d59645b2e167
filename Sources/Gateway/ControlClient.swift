import Foundation
import NIOCore
import NIOPosix

/// The client side of the control socket (`groupkey status|rekey|evict|reload`): one request, one
/// response line.
public enum ControlClient {
    /// A status with a hundred thousand members is a few megabytes; a bound keeps a confused peer
    /// from filling memory.
    static let maximumResponseLength = 64 * 1024 * 1024

    /// Sends `request` to the server on `path` and returns its answer. A server that cannot be
    /// reached is `GatewayError.socket` naming the path.
    public static func send(_ request: ControlRequest, to path: String, timeoutSeconds: Int64 = 60,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(GatewayError) -> ControlResponse {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ControlResponseReader(promise: promise))
                    }
                }
                .connect(unixDomainSocketPath: path).get()
        } catch {
            promise.fail(error)
            throw .socket("no groupkey server answers on the control socket \(path) (is `groupkey serve` running? --control chooses the path): \(error)")
        }
        let timeout = loop.scheduleTask(in: .seconds(timeoutSeconds)) {
            promise.fail(ChannelError.connectTimeout(.seconds(timeoutSeconds)))
        }
        let line: [UInt8]
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: ControlProtocol.encode(request)))
            line = try await promise.futureResult.get()
        } catch {
            timeout.cancel()
            try? await channel.close()
            throw .socket("the server on \(path) did not answer: \(error)")
        }
        timeout.cancel()
        try? await channel.close()
        switch ControlProtocol.decodeResponse(line) {
        case .success(let response): return response
        case .failure(let failure): throw .socket("\(path): \(failure.message)")
        }
    }
}

/// Collects bytes up to the first newline.
private final class ControlResponseReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<[UInt8]>
    private var received: [UInt8] = []

    init(promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
            promise.succeed(Array(received[..<newline]))
        } else if received.count > ControlClient.maximumResponseLength {
            promise.fail(ChannelError.inputClosed)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
