import EngineCore
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import NIOCore
import NIOPosix
import Testing
import WireCore

/// IKE over TCP (RFC 8229) to the gateway's TCP listener.
@Suite("Gateway over loopback TCP (RFC 8229)")
struct TCPTransportTests {
    static func server(maximumConnections: Int = 1_024, idleTimeout: Int64 = 120_000) async throws -> GatewayServer {
        try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                           tcpListen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                           logger: LoopbackRegistrationTests.quietLogger,
                                                           maximumTCPConnections: maximumConnections,
                                                           tcpIdleTimeoutMilliseconds: idleTimeout),
                                      directory: try GroupCatalog.demo(random: SystemRandom()))
    }

    @Test("A member registers over TCP, and a refused one learns why over the same stream")
    func registersOverTCP() async throws {
        let server = try await Self.server()
        let tcp = try #require(server.boundTCPAddresses.first)
        #expect(tcp.port != 0)
        var options = MemberClient.Options(server: tcp, groupID: LoopbackRegistrationTests.demoGroup,
                                           identity: MemberClient.memberIdentification("tcp.example"),
                                           preSharedKey: DemoSecrets.preSharedKey, transport: .tcp, timeoutMilliseconds: 10_000)
        let joined = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        options.groupID = MemberClient.groupIdentification("7")
        let refused = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        let statistics = await server.statistics()
        await server.stop()
        guard case .registered(let holdings) = joined else { Issue.record("TCP registration failed: \(joined)"); return }
        #expect(holdings.dataSecuritySAs.count == 1)
        guard case .failed(let error) = refused else { Issue.record("joined group 7"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.invalidGroupID))
        #expect(statistics.registrations == 1)
    }

    /// Connects, sends `bytes`, and tells whether the gateway closed the connection within 5 s.
    static func closedByServer(_ server: GatewayServer, after bytes: [UInt8]) async throws -> Bool {
        let tcp = try #require(server.boundTCPAddresses.first)
        let (stream, continuation) = AsyncStream<Bool>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: try tcp.socketAddress).get()
        channel.closeFuture.whenComplete { _ in continuation.yield(true); continuation.finish() }
        // The write fails if the gateway already closed the connection, which is what we look for.
        try? await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        let closed = await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await value in stream { return value }; return false }
            group.addTask { try? await Task.sleep(for: .seconds(5)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !closed { try? await channel.close() }
        return closed
    }

    @Test("A stream that does not start with IKETCP is closed")
    func badPrefixCloses() async throws {
        let server = try await Self.server()
        let closed = try await Self.closedByServer(server, after: Array("GET / HTTP/1.0\r\n\r\n".utf8))
        await server.stop()
        #expect(closed, "the gateway closes a stream that breaks RFC 8229 framing")
    }

    @Test("A connection that goes quiet after the prefix is closed after the idle time (RFC 8229 §6)")
    func idleConnectionCloses() async throws {
        let server = try await Self.server(idleTimeout: 200)
        let closed = try await Self.closedByServer(server, after: Array("IKETCP".utf8))
        await server.stop()
        #expect(closed)
    }

    @Test("Connections past the limit are closed at once; those within it stay open")
    func connectionLimit() async throws {
        let server = try await Self.server(maximumConnections: 1)
        let tcp = try #require(server.boundTCPAddresses.first)
        let first = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(to: try tcp.socketAddress).get()
        try await first.writeAndFlush(TCPEncapsulationEncoder.streamPrefix)
        let secondClosed = try await Self.closedByServer(server, after: Array("IKETCP".utf8))
        let firstOpen = first.isActive
        try? await first.close()
        await server.stop()
        #expect(secondClosed)
        #expect(firstOpen)
    }
}
