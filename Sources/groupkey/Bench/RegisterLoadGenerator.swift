import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import NIOCore
import NIOPosix

/// The load generator of `bench register` over UDP: C workers, each one socket on its own event
/// loop, running one member engine after another on it (a new engine, SPI and identity per
/// member). A member costs its engine's work and its datagrams, not a socket, a channel pipeline
/// and a driver as `MemberClient` does per registration; the profile showed those dominating.
enum RegisterLoadGenerator {
    /// Runs `indices` through `workers` sockets; failures and the first reason.
    static func run(_ indices: Range<Int>, workers: Int, template: MemberClient.Options, mode: InitiatorMode,
                    prefix: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> (Int, String?) {
        var results: [(Int, String?)] = []
        await withTaskGroup(of: (Int, String?).self) { tasks in
            for worker in 0..<min(workers, indices.count) {
                let mine = Array(stride(from: indices.lowerBound + worker, to: indices.upperBound, by: workers))
                tasks.addTask {
                    do {
                        return try await Worker.run(members: mine, template: template, mode: mode, prefix: prefix, loop: group.next())
                    } catch {
                        return (mine.count, "\(error)")
                    }
                }
            }
            for await result in tasks { results.append(result) }
        }
        return (results.reduce(0) { $0 + $1.0 }, results.compactMap(\.1).first)
    }

    /// One socket and the member engine currently using it; touched only on its event loop.
    final class Worker: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>

        let loop: any EventLoop
        let template: MemberClient.Options
        let mode: InitiatorMode
        let prefix: String
        var pending: ArraySlice<Int>
        var engine: GroupMemberInitiator?
        var channel: (any Channel)?
        var local: EndpointAddress?
        var serverAddress: SocketAddress?
        var timer: Scheduled<Void>?
        var failures = 0
        var firstFailure: String?
        let done: EventLoopPromise<(Int, String?)>

        init(loop: any EventLoop, members: [Int], template: MemberClient.Options, mode: InitiatorMode, prefix: String) {
            self.loop = loop
            self.template = template
            self.mode = mode
            self.prefix = prefix
            pending = members[...]
            done = loop.makePromise()
        }

        static func run(members: [Int], template: MemberClient.Options, mode: InitiatorMode, prefix: String,
                        loop: any EventLoop) async throws -> (Int, String?) {
            let worker = Worker(loop: loop, members: members, template: template, mode: mode, prefix: prefix)
            let channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(worker) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let result: (Int, String?)
            do {
                let server = try template.server.socketAddress
                try await loop.submit {
                    worker.channel = channel
                    worker.serverAddress = server
                    worker.local = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:))
                    worker.next()
                }.get()
                result = try await worker.done.futureResult.get()
            } catch {
                try? await channel.close()
                throw error
            }
            try? await channel.close()
            return result
        }

        static func now() -> EngineTime { EngineTime(date: Date()) }

        /// Starts the next member, or finishes.
        func next() {
            timer?.cancel()
            timer = nil
            guard let index = pending.popFirst(), let local else {
                done.succeed((failures, firstFailure))
                return
            }
            var configuration = GroupMemberConfiguration(
                server: template.server, localEndpoint: local, groupID: template.groupID,
                identity: MemberClient.memberIdentification("\(prefix)-\(index).bench.example"),
                preSharedKey: template.preSharedKey, proposals: template.proposals,
                senderIDsRequested: template.senderIDsRequested)
            configuration.mode = mode
            do {
                var member = try GroupMemberInitiator(configuration: configuration, random: SystemRandom())
                let actions = member.start(now: Self.now())
                engine = member
                perform(actions)
            } catch {
                record("\(error)")
                next()
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard var member = engine, let peer = EndpointAddress(socketAddress: envelope.remoteAddress) else { return }
            var bytes = envelope.data.readableBytesView[...]
            // strongSwan off port 500 frames with the non-ESP marker (RFC 3948 §2.2).
            if template.nonESPMarker, bytes.count >= 4, bytes.prefix(4).allSatisfy({ $0 == 0 }) { bytes = bytes.dropFirst(4) }
            engine = nil  // `member` is then the only reference and mutates without a copy
            let actions = member.handle(datagram: Array(bytes), from: peer, now: Self.now())
            engine = member
            perform(actions)
        }

        func perform(_ actions: [Action]) {
            guard let member = engine else { return }
            for action in actions {
                switch action {
                case .send(let datagram, _):
                    guard let channel, let serverAddress else { continue }
                    var buffer = channel.allocator.buffer(capacity: datagram.count + 4)
                    if template.nonESPMarker { buffer.writeInteger(UInt32(0)) }
                    buffer.writeBytes(datagram)
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: serverAddress, data: buffer), promise: nil)
                case .scheduleTimer(_, let deadline):
                    timer?.cancel()
                    let delay = max(0, deadline.milliseconds(since: Self.now()))
                    timer = loop.scheduleTask(in: .milliseconds(delay)) { [self] in
                        guard var current = engine else { return }
                        engine = nil
                        let actions = current.tick(now: Self.now())
                        engine = current
                        perform(actions)
                    }
                case .cancelTimer:
                    timer?.cancel()
                    timer = nil
                case .installSA, .removeSA, .persist, .log:
                    break
                }
            }
            if member.holdings != nil || member.childlessIKESA != nil {
                next()
            } else if let failure = member.failure {
                record("\(failure)")
                next()
            }
        }

        func record(_ failure: String) {
            failures += 1
            firstFailure = firstFailure ?? failure
        }
    }
}
