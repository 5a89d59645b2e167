import Foundation
import Gateway
import NIOCore
import NIOPosix
import Testing

/// The control protocol's parser: every malformed, oversized or unknown request is an error
/// response with a stable code, never a crash.
@Suite("Control protocol parsing")
struct ControlProtocolTests {
    static func decode(_ text: String) -> Result<ControlRequest, ControlFailure> {
        ControlProtocol.decodeRequest(Array(text.utf8))
    }

    @Test("Every request survives encode then decode")
    func roundTrip() throws {
        let requests: [ControlRequest] = [.status, .reload, .rekey(group: "g", dryRun: true), .rekey(group: "g", dryRun: false),
                                          .evict(group: "g", members: ["a", "id2:b"], dryRun: true)]
        for request in requests {
            let line = ControlProtocol.encode(request)
            #expect(line.last == UInt8(ascii: "\n"))
            #expect(try ControlProtocol.decodeRequest(Array(line.dropLast())).get() == request)
        }
    }

    @Test("Hand-written requests as the README shows them; dryRun defaults to false; unknown keys are ignored")
    func documentedForms() throws {
        #expect(try Self.decode(#"{"version":1,"command":"status"}"#).get() == .status)
        #expect(try Self.decode(#"{"version":1,"command":"rekey","group":"G"}"#).get() == .rekey(group: "G", dryRun: false))
        #expect(try Self.decode(#"{"version":1,"command":"evict","group":"G","members":["m"],"dryRun":true,"later":7}"#).get()
                == .evict(group: "G", members: ["m"], dryRun: true))
    }

    @Test("Malformed requests get their code", arguments: [
        ("", ControlFailure.Code.malformed),
        ("status", .malformed),
        ("{", .malformed),
        ("[1,2]", .malformed),
        (#"{"command":"status"}"#, .malformed),
        (#"{"version":"1","command":"status"}"#, .malformed),
        (#"{"version":0,"command":"status"}"#, .malformed),
        (#"{"version":2,"command":"status"}"#, .version),
        (#"{"version":1,"command":"shutdown"}"#, .unknownCommand),
        (#"{"version":1,"command":"rekey"}"#, .malformed),
        (#"{"version":1,"command":"rekey","group":""}"#, .malformed),
        (#"{"version":1,"command":"evict","group":"g"}"#, .malformed),
        (#"{"version":1,"command":"evict","group":"g","members":[]}"#, .malformed),
        (#"{"version":1,"command":"evict","group":"g","members":[""]}"#, .malformed),
        (#"{"version":1,"command":"evict","group":"g","members":[1]}"#, .malformed),
        ("\u{FF}\u{FE}", .malformed),
    ])
    func malformed(text: String, code: ControlFailure.Code) {
        switch Self.decode(text) {
        case .success(let request): Issue.record("\(text.debugDescription) parsed as \(request)")
        case .failure(let failure): #expect(failure.code == code, "\(text.debugDescription): \(failure)")
        }
    }

    @Test("Oversized lines and eviction lists are refused before parsing")
    func oversized() {
        let long = #"{"version":1,"command":"status","pad":""# + String(repeating: "x", count: ControlProtocol.maximumLineLength) + #""}"#
        #expect(throws: ControlFailure.self) { try ControlProtocol.decodeRequest(Array(long.utf8)).get() }
        if case .failure(let failure) = ControlProtocol.decodeRequest(Array(long.utf8)) { #expect(failure.code == .tooLarge) }
        let many = (0...ControlProtocol.maximumEvictedMembers).map { "\"m\($0)\"" }.joined(separator: ",")
        if case .failure(let failure) = Self.decode(#"{"version":1,"command":"evict","group":"g","members":[\#(many)]}"#) {
            #expect(failure.code == .tooLarge)
        } else {
            Issue.record("an eviction of \(ControlProtocol.maximumEvictedMembers + 1) members was accepted")
        }
    }

    @Test("Random bytes never crash the parser")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if case .success(let request) = ControlProtocol.decodeRequest(bytes) { Issue.record("random bytes parsed as \(request)") }
        }
    }

    @Test("Responses decode as encoded")
    func responses() throws {
        let failure = ControlResponse(error: ControlFailure(.unknownGroup, "no group g"))
        #expect(try ControlProtocol.decodeResponse(Array(ControlProtocol.encode(failure).dropLast())).get() == failure)
        #expect(String(decoding: ControlProtocol.encode(failure), as: UTF8.self)
                == #"{"error":{"code":"CTL-UNKNOWN-GROUP","message":"no group g"},"ok":false,"version":1}"# + "\n")
    }

    @Test("The default socket path: root, XDG_RUNTIME_DIR, then the temporary directory")
    func defaultPath() {
        #expect(ControlSocket.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"], userID: 0) == "/run/groupkey/control.sock")
        #expect(ControlSocket.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"], userID: 1000) == "/run/user/1000/groupkey.sock")
        #expect(ControlSocket.defaultPath(environment: ["TMPDIR": "/var/tmp/"], userID: 1000) == "/var/tmp/groupkey-1000/control.sock")
        #expect(ControlSocket.defaultPath(environment: ["XDG_RUNTIME_DIR": "relative"], userID: 7) == "/tmp/groupkey-7/control.sock")
    }
}

/// The same over the real socket: bad lines are answered, the connection goes on, an oversized
/// line closes only its own connection.
@Suite("Control socket robustness")
struct ControlSocketTests {
    /// Writes raw bytes, returns every line the server sends until it closes or `lines` arrive.
    static func exchange(_ bytes: [UInt8], path: String, lines: Int) async throws -> [String] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path).get()
        let collector = LineCollector(wanted: lines, promise: channel.eventLoop.makePromise())
        try await channel.pipeline.addHandler(collector).get()
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { collector.promise.fail(ChannelError.eof) }
        defer { timeout.cancel() }
        let result = try await collector.promise.futureResult.get()
        try? await channel.close()
        return result
    }

    final class LineCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let wanted: Int
        let promise: EventLoopPromise<[String]>
        var text = ""

        init(wanted: Int, promise: EventLoopPromise<[String]>) {
            self.wanted = wanted
            self.promise = promise
        }

        var lines: [String] { text.split(separator: "\n").map(String.init) }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            text += buffer.readString(length: buffer.readableBytes) ?? ""
            if lines.count >= wanted { promise.succeed(lines) }
        }

        func channelInactive(context: ChannelHandlerContext) { promise.succeed(lines) }
    }

    @Test("Garbage, a future version and a good request on one connection: two errors, then the status")
    func badLinesThenGood() async throws {
        let fixture = try await ControlFixture()
        let input = "garbage\n" + #"{"version":9,"command":"status"}"# + "\n" + #"{"version":1,"command":"status"}"# + "\n"
        let lines = try await Self.exchange(Array(input.utf8), path: fixture.socketPath, lines: 3)
        await fixture.stop()
        try #require(lines.count == 3)
        #expect(lines[0].contains("CTL-MALFORMED"))
        #expect(lines[1].contains("CTL-VERSION"))
        let status = try ControlProtocol.decodeResponse(Array(lines[2].utf8)).get()
        #expect(status.ok && status.status?.groups.first?.name == "demo-1001")
    }

    @Test("An oversized line is refused and its connection closed; the server keeps answering")
    func oversizedLine() async throws {
        let fixture = try await ControlFixture()
        let flood = [UInt8](repeating: UInt8(ascii: "x"), count: ControlProtocol.maximumLineLength + 4096)
        let lines = try await Self.exchange(flood, path: fixture.socketPath, lines: 2)
        let after = try await fixture.send(.status)
        await fixture.stop()
        #expect(lines.count == 1)
        #expect(lines.first?.contains("CTL-TOO-LARGE") == true)
        #expect(after.ok)
    }

    @Test("The socket is mode 0600; a live one is refused, a stale one replaced, and stop removes it")
    func socketFileLifecycle() async throws {
        let fixture = try await ControlFixture()
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.socketPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: LoopbackRegistrationTests.quietLogger)
        configuration.controlSocketPath = fixture.socketPath
        await #expect(throws: GatewayError.self) {
            _ = try await GatewayServer.start(configuration: configuration, directory: try ControlFixture.load(ControlFixture.demoPolicy()))
        }
        #expect(try await fixture.send(.status).ok, "the refused second server left the first one's socket alone")
        await fixture.server.stop()
        #expect(!FileManager.default.fileExists(atPath: fixture.socketPath))

        // A stale socket: bound by a process that is gone (here: a socket nobody listens on).
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in fixture.socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        #expect(bound == 0 && FileManager.default.fileExists(atPath: fixture.socketPath))
        let second = try await GatewayServer.start(configuration: configuration, directory: try ControlFixture.load(ControlFixture.demoPolicy()))
        #expect(try await ControlClient.send(.status, to: fixture.socketPath).ok)
        await second.stop()
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    @Test("A client that sends two requests and shuts its sending side (as printf | socat does) still gets both answers")
    func halfClosedClientIsAnswered() async throws {
        let fixture = try await ControlFixture()
        let path = fixture.socketPath
        let text = await Task.detached { () -> String in
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else { return "connect failed" }
            let request = Array((#"{"version":1,"command":"status"}"# + "\n").utf8)
            let twice = request + request
            _ = twice.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            shutdown(descriptor, Int32(SHUT_WR))
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count <= 0 { break }  // the server closes once both are answered
                received += chunk[0..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }.value
        await fixture.stop()
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2, "\(text.prefix(300))")
        #expect(lines.allSatisfy { $0.contains("\"ok\":true") }, "\(text.prefix(300))")
    }

    @Test("No server on the path: a socket error that names the path")
    func unreachable() async throws {
        let path = "/tmp/gk-ctl-absent-\(UUID().uuidString.prefix(8)).sock"
        do {
            _ = try await ControlClient.send(.status, to: path)
            Issue.record("a status came back from nowhere")
        } catch {
            guard case .socket(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains(path))
        }
    }
}
