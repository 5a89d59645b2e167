import EngineCore
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import NIOCore
import NIOPosix
import Testing

/// Raw datagrams against the gateway: the answer's framing follows the request's, and IKEv1 is
/// dropped while there is no GDOI engine.
@Suite("Gateway framing on port 848")
struct FramingTests {
    /// A plain UDP socket on 127.0.0.1 that hands every datagram it receives to a stream.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let continuation: AsyncStream<[UInt8]>.Continuation
        init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(Array(unwrapInboundIn(data).data.readableBytesView))
        }
        /// Closing the socket ends the stream, so a reader never waits forever.
        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
            context.fireChannelInactive()
        }
    }

    static func rawSocket() async throws -> (any Channel, AsyncStream<[UInt8]>) {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(continuation)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, stream)
    }

    /// The first datagram to arrive, or nil after `milliseconds`.
    static func first(_ stream: AsyncStream<[UInt8]>, within milliseconds: Int) async -> [UInt8]? {
        await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { for await datagram in stream { return datagram }; return nil }
            group.addTask { try? await Task.sleep(for: .milliseconds(milliseconds)); return nil }
            let result = await group.next() ?? nil
            group.cancelAll()
            return result
        }
    }

    /// A real IKE_SA_INIT request from the member engine.
    static func initRequest(server: EndpointAddress, local: EndpointAddress, proposals: Int = 1) throws -> [UInt8] {
        var member = try GroupMemberInitiator(configuration: GroupMemberConfiguration(
            server: server, localEndpoint: local, groupID: MemberClient.groupIdentification("1001"),
            identity: MemberClient.memberIdentification("raw.example"), preSharedKey: DemoSecrets.preSharedKey,
            proposals: Array(repeating: .demo, count: proposals)),
            random: SystemRandom())
        for case .send(let datagram, _) in member.start(now: .zero) { return datagram }
        throw GatewayError.engine("the member sent nothing")
    }

    @Test("IKE_SA_INIT with and without the non-ESP marker is answered in the same framing")
    func answerFollowsRequestFraming() async throws {
        let server = try await LoopbackRegistrationTests.demoServer()
        let serverAddress = try server.boundAddresses[0].socketAddress
        for marker in [true, false] {
            let (channel, stream) = try await Self.rawSocket()
            let local = try #require(channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)))
            let request = try Self.initRequest(server: server.boundAddresses[0], local: local)
            var buffer = ByteBuffer()
            if marker { buffer.writeInteger(UInt32(0)) }
            buffer.writeBytes(request)
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: serverAddress, data: buffer))
            let answer = await Self.first(stream, within: 5_000)
            try? await channel.close()
            let reply = try #require(answer, "no answer (marker: \(marker))")
            let offset = marker ? 4 : 0
            if marker { #expect(Array(reply.prefix(4)) == [0, 0, 0, 0], "the answer carries the marker") }
            #expect(reply.count > offset + 28)
            #expect(Array(reply[offset..<offset + 8]) == Array(request.prefix(8)), "same IKE SPIi right after the framing")
            #expect(reply[offset + 17] == 0x20, "IKEv2 version octet")
            #expect(reply[offset + 19] & 0x20 != 0, "a response (R flag, RFC 7296 §3.1)")
        }
        await server.stop()
    }

    @Test("A datagram longer than NIO's default 2048-octet read buffer arrives whole and is answered")
    func largeDatagram() async throws {
        let server = try await LoopbackRegistrationTests.demoServer()
        let (channel, stream) = try await Self.rawSocket()
        let local = try #require(channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)))
        // 80 copies of the demo proposal: a valid IKE_SA_INIT of about 4 KB.
        let request = try Self.initRequest(server: server.boundAddresses[0], local: local, proposals: 80)
        #expect(request.count > 3_000)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try server.boundAddresses[0].socketAddress,
                                                          data: ByteBuffer(bytes: request)))
        let answer = await Self.first(stream, within: 5_000)
        try? await channel.close()
        await server.stop()
        let reply = try #require(answer, "a cut datagram fails to parse and is never answered")
        #expect(Array(reply.prefix(8)) == Array(request.prefix(8)))
    }

    @Test("An IKEv1 datagram goes to the GDOI key server; a malformed one is dropped, counted, and not answered")
    func ikev1IsDropped() async throws {
        let server = try await LoopbackRegistrationTests.demoServer()
        let (channel, stream) = try await Self.rawSocket()
        // ISAKMP header (RFC 2408 §3.1): cookies, next payload 0, version 1.0, Main Mode, length 28:
        // Main Mode message 1 without its SA payload.
        var header: [UInt8] = Array(repeating: 0x11, count: 8) + Array(repeating: 0, count: 8)
        header += [0x00, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 28]
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try server.boundAddresses[0].socketAddress,
                                                          data: ByteBuffer(bytes: header)))
        let answer = await Self.first(stream, within: 500)
        try? await channel.close()
        #expect(answer == nil)
        // The drop is counted on the server's event loop; give a loaded machine time to get there.
        var dropped = await server.gdoiStatistics().datagramsDropped
        for _ in 0..<100 where dropped == 0 {
            try await Task.sleep(for: .milliseconds(50))
            dropped = await server.gdoiStatistics().datagramsDropped
        }
        #expect(dropped == 1)
        #expect(await server.ikev1Dropped() == 0, "the GDOI engine took it")
        await server.stop()
    }
}
