import EngineCore
import Foundation
import GDOI
import GDOIWire
import GroupKeyCrypto
import Logging
import NIOCore
import NIOPosix
import WireCore

extension GDOIMemberClient {
    /// Registers, then follows the group's GROUPKEY-PUSH messages (RFC 6407 §4) until the calling
    /// task is cancelled: on the KEK's multicast group when its destination is one, and on the
    /// registration socket (unicast pushes, RFC 6407 §4.6). Each push goes to the member engine,
    /// which checks SEQ and signature and applies it, and answers with a GROUPKEY-PUSH-ACK when
    /// the KEK asks for one (RFC 8263). `onRegistered` once listening; `onPush` per push taken in
    /// or refused (the same notice shape as the G-IKEv2 follower's, SEQ in place of the Message
    /// ID). Returns the registration outcome; a failed registration returns at once.
    public static func follow(_ options: Options, interfaceAddress: String? = nil, random: any RandomSource = SystemRandom(),
                              logger: Logger = Logger(label: "groupkey.member"),
                              group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                              onRegistered: @escaping @Sendable (Phase1SA, GDOIMemberHoldings) -> Void = { _, _ in },
                              onPush: @escaping @Sendable (RekeyNotice, GDOIMemberHoldings?) -> Void) async throws(GatewayError) -> Outcome {
        let (outcome, session) = try await open(options, random: random, logger: logger, group: group)
        guard case .registered(let phase1, let holdings) = outcome else {
            await session.close()
            return outcome
        }
        let interface = interfaceAddress ?? (ListenAddress(options.server).isLoopback && !options.server.isIPv6 ? "127.0.0.1" : nil)
        let watcher = GDOIPushWatcher(onPush: onPush)
        try? await session.loop.submit { watcher.watch(session.driver) }.get()
        var multicast: (any Channel)?
        if let destination = multicastDestination(of: holdings) {
            do {
                multicast = try await joinPushGroup(destination, interface: interface, session: session, watcher: watcher)
            } catch {
                await session.close()
                throw error
            }
        }
        onRegistered(phase1, holdings)
        let stopped = session.loop.makePromise(of: Void.self)
        await withTaskCancellationHandler {
            try? await stopped.futureResult.get()
        } onCancel: {
            stopped.succeed()
        }
        try? await multicast?.close()
        await session.close()
        return outcome
    }

    /// The KEK's destination (RFC 6407 §5.3: the SA KEK's destination ID and port), if it is a
    /// multicast address.
    static func multicastDestination(of holdings: GDOIMemberHoldings) -> EndpointAddress? {
        guard let kek = holdings.kek else { return nil }
        let data = kek.destination.data
        let octets: [UInt8]
        switch data.count {
        case 4, 8: octets = Array(data.prefix(4))  // ID_IPV4_ADDR, or the start of an address range or subnet
        case 16, 32: octets = Array(data.prefix(16))
        default: return nil
        }
        let endpoint = EndpointAddress(addressOctets: octets, port: kek.destination.port == 0 ? 848 : kek.destination.port)
        return endpoint.isMulticast ? endpoint : nil
    }

    /// A socket bound to the multicast group and joined to it; what arrives goes to the member's
    /// engine as if on the registration socket, so acknowledgements leave from there.
    static func joinPushGroup(_ destination: EndpointAddress, interface: String?, session: Session,
                              watcher: GDOIPushWatcher) async throws(GatewayError) -> any Channel {
        let driver = session.driver
        let unicast = session.channel
        do {
            let channel = try await DatagramBootstrap(group: session.loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.recvAllocator, value: GatewayLimits.datagramReceiveAllocator)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PushGroupHandler(driver: driver, unicast: unicast, watcher: watcher))
                    }
                }
                .bind(to: try destination.socketAddress).get()
            do {
                try await MulticastRekeyFollower.join(groupAddress: destination, interface: interface, on: channel)
            } catch {
                try? await channel.close()
                throw error
            }
            return channel
        } catch let error as GatewayError {
            throw error
        } catch {
            throw .socket("cannot join the push group \(destination): \(error)")
        }
    }
}

/// Reports each push the member engine took in or refused, from the receiver's counters.
///
/// `@unchecked Sendable`: confined to the session's event loop.
final class GDOIPushWatcher: @unchecked Sendable {
    private let onPush: @Sendable (RekeyNotice, GDOIMemberHoldings?) -> Void
    private var accepted = 0
    private var rejected: [String: Int] = [:]
    /// The push being handled: sender, octets, SEQ is read after.
    var arriving: (from: String, octets: Int)?

    init(onPush: @escaping @Sendable (RekeyNotice, GDOIMemberHoldings?) -> Void) {
        self.onPush = onPush
    }

    func watch(_ driver: EngineDriver<GDOIMember>) {
        driver.eventLoop.preconditionInEventLoop()
        if let client = driver.engine?.phase2 as? GroupKeyPullClient {
            accepted = client.pushes.accepted
            rejected = client.pushes.rejected
        }
        driver.afterStep = { [self] member in observe(member) }
    }

    private func observe(_ member: GDOIMember) {
        guard let client = member.phase2 as? GroupKeyPullClient else { return }
        let nowAccepted = client.pushes.accepted, nowRejected = client.pushes.rejected
        guard nowAccepted != accepted || nowRejected != rejected else { return }
        let rejection = nowRejected.first { rejected[$0.key, default: 0] != $0.value }?.key
        accepted = nowAccepted
        rejected = nowRejected
        let hex = GroupStateReport.hex
        let holdings = client.holdings
        onPush(RekeyNotice(time: EngineTime(date: Date()).milliseconds / 1000, from: arriving?.from ?? "unicast",
                           octets: arriving?.octets ?? 0, messageID: holdings?.sequence, accepted: rejection == nil, rejection: rejection,
                           dataSecuritySAs: holdings?.teks.map { hex($0.spi) } ?? [], outboundSPIs: [],
                           rekeySA: holdings?.kek.map { hex($0.key.spi) }, reregister: nil), holdings)
    }
}

/// Hands multicast pushes to the member's driver, routed as if they came on its unicast socket.
private final class PushGroupHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let driver: EngineDriver<GDOIMember>
    private let unicast: any Channel
    private let watcher: GDOIPushWatcher

    init(driver: EngineDriver<GDOIMember>, unicast: any Channel, watcher: GDOIPushWatcher) {
        self.driver = driver
        self.unicast = unicast
        self.watcher = watcher
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        watcher.arriving = (EndpointAddress(socketAddress: envelope.remoteAddress).map { "\($0)" } ?? "?", envelope.data.readableBytes)
        driver.receive(envelope, on: unicast, port: .gdoi)
        watcher.arriving = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
