import Foundation
import NIOCore
import NIOPosix

/// Where the control socket lives and how it is opened: mode 0600 in a directory only its owner
/// can enter, a stale socket file (no server behind it) removed, a live one refused.
public enum ControlSocket {
    /// sockaddr_un.sun_path holds 108 octets with its terminating NUL on Linux (104 on BSDs).
    static let maximumPathLength = 103

    /// The default path: `/run/groupkey/control.sock` for root; otherwise
    /// `$XDG_RUNTIME_DIR/groupkey.sock`; otherwise `groupkey-UID/control.sock` in the temporary
    /// directory (`$TMPDIR`, else /tmp).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   userID: UInt32 = getuid()) -> String {
        if userID == 0 { return "/run/groupkey/control.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return (runtime.hasSuffix("/") ? runtime : runtime + "/") + "groupkey.sock"
        }
        var temporary = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        if !temporary.hasSuffix("/") { temporary += "/" }
        return temporary + "groupkey-\(userID)/control.sock"
    }

    /// Makes the socket's directory (0700 when we create it) and clears a stale socket file.
    /// Throws when the path is too long, is not a socket, or another server answers on it.
    static func prepare(path: String, group: any EventLoopGroup) async throws(GatewayError) {
        guard !path.isEmpty, path.utf8.count <= maximumPathLength else {
            throw .socket("control socket path \(path) is empty or longer than \(maximumPathLength) octets")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch { throw .socket("cannot create \(directory) for the control socket: \(error)") }
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { return }  // nothing there
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw .socket("\(path) exists and is not a socket; refusing to replace it")
        }
        // A server answers on it: refuse, never steal a live server's socket.
        if let channel = try? await ClientBootstrap(group: group).connect(unixDomainSocketPath: path).get() {
            try? await channel.close()
            throw .socket("another groupkey server is listening on \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .socket("cannot remove the stale control socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The socket file's identity (device, inode), so `remove` deletes only the file this server
    /// made, never one a later server put at the same path.
    static func identity(of path: String) -> [UInt64]? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return [UInt64(status.st_dev), UInt64(status.st_ino)]
    }

    /// Removes the socket file if it is still the one with `identity`.
    static func remove(path: String, identity: [UInt64]?) {
        guard let identity, Self.identity(of: path) == identity else { return }
        unlink(path)
    }

    /// Binds `path` (after `prepare`) and restricts it to its owner.
    static func bind(path: String, on loop: any EventLoop,
                     handle: @escaping @Sendable (_ line: [UInt8], _ reply: @escaping @Sendable (ControlResponse) -> Void) -> Void)
        async throws(GatewayError) -> any Channel {
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: loop)
                // A client may send its request and shut its sending side (printf ... | socat):
                // its answers still go out before the connection closes.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ControlConnectionHandler(handle: handle))
                    }
                }
                .bind(unixDomainSocketPath: path).get()
        } catch { throw .socket("cannot listen on the control socket \(path): \(error)") }
        guard chmod(path, 0o600) == 0 else {
            try? await channel.close()
            throw .socket("cannot restrict \(path) to its owner: \(String(cString: strerror(errno)))")
        }
        return channel
    }
}

/// One control connection: splits lines, refuses over-long ones, answers in order. A request is
/// read only after the previous one is answered, so answers never overtake each other.
final class ControlConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let handle: @Sendable ([UInt8], @escaping @Sendable (ControlResponse) -> Void) -> Void
    private var pending: [UInt8] = []
    private var queue: [[UInt8]] = []
    private var busy = false
    private var closing = false
    /// The client will send nothing more: close once every request it sent is answered.
    private var inputClosed = false

    init(handle: @escaping @Sendable ([UInt8], @escaping @Sendable (ControlResponse) -> Void) -> Void) {
        self.handle = handle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            queue.append(Array(pending[..<newline]))
            pending.removeSubrange(...newline)
        }
        if pending.count > ControlProtocol.maximumLineLength {
            // No line boundary within the limit: answer once and close, since the rest of the
            // stream cannot be framed (ControlProtocol).
            closing = true
            pending = []
            queue = []
            let failure = ControlFailure(.tooLarge, "a request is at most \(ControlProtocol.maximumLineLength) octets")
            let bytes = ControlProtocol.encode(ControlResponse(error: failure))
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        next(context: context)
    }

    private func next(context: ChannelHandlerContext) {
        guard !busy, !closing else { return }
        guard !queue.isEmpty else {
            if inputClosed {
                closing = true
                context.close(promise: nil)
            }
            return
        }
        busy = true
        let line = queue.removeFirst()
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handle(line) { response in
            let bytes = ControlProtocol.encode(response)
            channel.eventLoop.execute {
                let (handler, context) = loopBound.value
                context.writeAndFlush(handler.wrapOutboundOut(channel.allocator.buffer(bytes: bytes)), promise: nil)
                handler.busy = false
                handler.next(context: context)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            next(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        queue = []
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
