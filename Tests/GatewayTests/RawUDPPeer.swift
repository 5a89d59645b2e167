import EngineCore
import Foundation
import NIOCore
import NIOPosix

/// A bare loopback UDP socket for tests that must choose every byte on the wire themselves
/// (retransmissions, garbage): sends raw datagrams and hands back what arrives, in order.
final class RawUDPPeer: Sendable {
    let channel: any Channel
    let local: EndpointAddress
    /// Datagrams received and not yet taken. A locked queue rather than an AsyncStream: a
    /// timed-out wait must not end the stream for the next wait.
    private let received: DatagramQueue

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let queue: DatagramQueue
        init(_ queue: DatagramQueue) { self.queue = queue }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            queue.append(bytes)
        }
    }

    init() async throws {
        let queue = DatagramQueue()
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(queue)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let address = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)) else {
            throw ChannelError.unknownLocalAddress
        }
        local = address
        received = queue
    }

    func send(_ bytes: [UInt8], to peer: EndpointAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try peer.socketAddress, data: ByteBuffer(bytes: bytes)))
    }

    /// The next datagram received, or nil after `milliseconds`.
    func next(within milliseconds: Int64 = 5_000) async -> [UInt8]? {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(milliseconds)
        while clock.now < deadline {
            let taken = received.takeFirst()
            if let taken { return taken }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    func close() async { try? await channel.close() }
}

/// Datagrams in arrival order behind a lock (written on an event loop, read by the test task).
final class DatagramQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var datagrams: [[UInt8]] = []

    func append(_ datagram: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        datagrams.append(datagram)
    }

    func takeFirst() -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        return datagrams.isEmpty ? nil : datagrams.removeFirst()
    }
}
