import EngineCore
import Foundation
import GIKEv2
import GroupKeyCrypto
import Logging
import NIOCore
import NIOPosix
import WireCore

/// One rekey message as a following member saw it: what `member join --follow` prints per rekey.
/// Never any key material.
public struct RekeyNotice: Codable, Sendable, Equatable {
    /// Unix seconds it arrived.
    public var time: Int64
    /// Sender address.
    public var from: String
    public var octets: Int
    /// The header's Message ID (the replay counter, RFC 9838 §2.4.1.3), if the header parsed.
    public var messageID: UInt32?
    public var accepted: Bool
    /// Why it was dropped (GroupRekeyReceiver.Rejection codes, e.g. GM-REKEY-REPLAY).
    public var rejection: String?
    /// SPIs of the data-security SAs held after it, and those used outbound.
    public var dataSecuritySAs: [String]
    public var outboundSPIs: [String]
    /// The rekey SA's SPI after it (changes on a rekey SA rollover or an eviction).
    public var rekeySA: String?
    /// Set when the member detected a missed rekey or its exclusion and must register again.
    public var reregister: String?
}

/// Where a member hears its group's rekeys and how.
public struct MulticastMembership: Sendable, Equatable {
    /// The group address and port (the rekey SA's destination).
    public var group: EndpointAddress
    /// IPv4 address of the interface to join on; nil: the kernel's choice.
    public var interfaceAddress: String?

    public init(group: EndpointAddress, interfaceAddress: String?) {
        self.group = group
        self.interfaceAddress = interfaceAddress
    }

    /// The destination a registration's rekey SA names, from its selector summary
    /// ("239.192.0.1-239.192.0.1 proto 17 ports 848-848", GroupPolicyAcceptance): the first
    /// address and port, if the address is a multicast one.
    public static func destination(fromSelector summary: String) -> EndpointAddress? {
        let words = summary.split(separator: " ")
        guard let range = words.first, let portsIndex = words.firstIndex(of: "ports"), portsIndex + 1 < words.count,
              let addressText = range.split(separator: "-").first,
              let portText = words[portsIndex + 1].split(separator: "-").first, let port = UInt16(portText),
              let address = try? SocketAddress(ipAddress: String(addressText), port: Int(port)),
              let endpoint = EndpointAddress(socketAddress: address), endpoint.isMulticast else { return nil }
        return endpoint
    }
}

/// Receives a group's multicast rekeys after registration and feeds them to the member's
/// `GroupRekeyReceiver` (verify, replay window, unwrap, install), on one event loop.
///
/// `@unchecked Sendable`: confined to `loop`.
final class MulticastRekeyFollower: @unchecked Sendable {
    private let loop: any EventLoop
    private var receiver: GroupRekeyReceiver
    private let onRekey: @Sendable (RekeyNotice) -> Void
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var channel: (any Channel)?
    /// Succeeds once the receiver finds that the member must register again (a missed rekey, an
    /// SA about to expire without replacement, or its exclusion).
    let reregistration: EventLoopPromise<GroupRekeyReceiver.ReregistrationReason>

    private init(loop: any EventLoop, receiver: GroupRekeyReceiver, logger: Logger, onRekey: @escaping @Sendable (RekeyNotice) -> Void) {
        self.loop = loop
        reregistration = loop.makePromise()
        self.receiver = receiver
        self.logger = logger
        self.onRekey = onRekey
    }

    /// Binds the group's port, joins the group and starts handing datagrams to `receiver`.
    static func start(membership: MulticastMembership, receiver: GroupRekeyReceiver, loop: any EventLoop, logger: Logger,
                      onRekey: @escaping @Sendable (RekeyNotice) -> Void) async throws(GatewayError) -> MulticastRekeyFollower {
        let follower = MulticastRekeyFollower(loop: loop, receiver: receiver, logger: logger, onRekey: onRekey)
        let group = membership.group
        do {
            let groupAddress = try group.socketAddress
            // Bound to the group address itself, so this socket hears that group only; several
            // members on one host share the port (SO_REUSEADDR).
            let channel = try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.recvAllocator, value: GatewayLimits.datagramReceiveAllocator)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(FollowerHandler(follower: follower))
                    }
                }
                .bind(to: groupAddress).get()
            follower.channel = channel
            try await Self.join(groupAddress: group, interface: membership.interfaceAddress, on: channel)
        } catch {
            try? await follower.channel?.close()
            follower.reregistration.fail(ChannelError.alreadyClosed)
            if let error = error as? GatewayError { throw error }
            throw .socket("cannot join the rekey group \(group): \(error)")
        }
        try? await loop.submit { follower.scheduleTimer() }.get()
        return follower
    }

    /// IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP by hand: NIO's joinGroup refuses a device without
    /// the MULTICAST flag, and Linux's `lo` has none, yet delivers loopback multicast (the demo
    /// and the tests run there).
    private static func join(groupAddress group: EndpointAddress, interface: String?, on channel: any Channel) async throws {
        guard let provider = channel as? any SocketOptionProvider else { throw GatewayError.socket("no socket options") }
        if group.isIPv6 {
            var request = ipv6_mreq()
            withUnsafeMutableBytes(of: &request.ipv6mr_multiaddr) { raw in
                for (index, octet) in group.addressOctets.enumerated() { raw[index] = octet }
            }
            request.ipv6mr_interface = 0
            try await provider.unsafeSetSocketOption(level: .ipv6, name: .ipv6_join_group, value: request).get()
        } else {
            var request = ip_mreq()
            withUnsafeMutableBytes(of: &request.imr_multiaddr) { raw in
                for (index, octet) in group.addressOctets.enumerated() { raw[index] = octet }
            }
            if let interface {
                guard inet_pton(AF_INET, interface, &request.imr_interface) == 1 else {
                    throw GatewayError.invalidListenAddress("multicast interface \(interface) (an IPv4 address)")
                }
            }
            try await provider.unsafeSetSocketOption(level: .ip, name: .ip_add_membership, value: request).get()
        }
    }

    func stop() async {
        let follower = self
        try? await loop.submit {
            follower.timer?.cancel()
            follower.timer = nil
            follower.reregistration.fail(ChannelError.alreadyClosed)
        }.get()
        try? await channel?.close()
    }

    fileprivate func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        loop.preconditionInEventLoop()
        let now = EngineTime(date: Date())
        var messageID: UInt32?
        let bytes: [UInt8]
        // Port 848 may carry a non-ESP marker before IKE (RFC 9838 §2.1.1).
        if case .ikev2(let message)? = try? DatagramClassifier.classify(envelope.data, port: .gdoi) {
            bytes = Array(message.readableBytesView)
        } else {
            bytes = Array(envelope.data.readableBytesView)
        }
        if bytes.count >= 24 { messageID = bytes[20..<24].reduce(0) { $0 << 8 | UInt32($1) } }
        let rejectedBefore = receiver.rejected
        let actions = receiver.receive(bytes, now: now)
        log(actions)
        let rejection = receiver.rejected.first { rejectedBefore[$0.key, default: 0] != $0.value }?.key
        checkReregistration()
        onRekey(notice(from: EndpointAddress(socketAddress: envelope.remoteAddress).map { "\($0)" } ?? "\(envelope.remoteAddress)", octets: bytes.count, messageID: messageID,
                       accepted: rejection == nil, rejection: rejection?.rawValue, now: now))
        scheduleTimer()
    }

    private func notice(from: String, octets: Int, messageID: UInt32?, accepted: Bool, rejection: String?, now: EngineTime) -> RekeyNotice {
        let hex = { (bytes: [UInt8]) in bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
        return RekeyNotice(time: now.milliseconds / 1000, from: from, octets: octets, messageID: messageID, accepted: accepted,
                           rejection: rejection, dataSecuritySAs: receiver.holdings.dataSecuritySAs.map { hex($0.spi) },
                           outboundSPIs: receiver.outboundSPIs.map(hex), rekeySA: receiver.holdings.rekeySA.map { hex($0.spi) },
                           reregister: receiver.reregistration?.rawValue)
    }

    /// Activations and removals after the delays the rekey carried (RFC 5374 §4.2.1).
    private func scheduleTimer() {
        timer?.cancel()
        guard let next = receiver.nextEventMilliseconds else { return }
        let delay = max(0, next - EngineTime(date: Date()).milliseconds)
        timer = loop.scheduleTask(in: .milliseconds(delay)) { [self] in
            log(receiver.tick(now: EngineTime(date: Date())))
            checkReregistration()
            scheduleTimer()
        }
    }

    private func checkReregistration() {
        if let reason = receiver.reregistration { reregistration.succeed(reason) }
    }

    private func log(_ actions: [Action]) {
        for case .log(let event) in actions {
            logger.log(level: event.level.swiftLogLevel, "\(event.message)", metadata: ["code": "\(event.code)"])
        }
    }
}

private final class FollowerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let follower: MulticastRekeyFollower

    init(follower: MulticastRekeyFollower) {
        self.follower = follower
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        follower.receive(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

extension MemberClient {
    /// Registers, then follows the group's multicast rekeys until the calling task is cancelled:
    /// `onRegistered` after each registration, once the rekey group is joined; `onRekey` per rekey message received (accepted or
    /// dropped). When the member finds it must register again (RFC 9838 §2.4.1: a Message ID gap,
    /// a TEK or the rekey SA about to expire without replacement, or its own exclusion) and
    /// `reregister` is true, it registers again and follows on; otherwise it keeps listening
    /// (each notice says it should register again). Returns the last registration
    /// outcome; a refused registration returns at once.
    public static func follow(_ options: Options, interfaceAddress: String? = nil, rekeyGroup: EndpointAddress? = nil,
                              reregister: Bool = true, random: any RandomSource = SystemRandom(),
                              logger: Logger = Logger(label: "groupkey.member"),
                              group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                              onRegistered: @escaping @Sendable (GroupMemberHoldings) -> Void = { _ in },
                              onRekey: @escaping @Sendable (RekeyNotice) -> Void) async throws(GatewayError) -> Outcome {
        // The receiver checks rekeys against what this member accepts, as the registration did.
        let configuration = GroupMemberConfiguration(
            server: options.server, localEndpoint: options.server, groupID: options.groupID, identity: options.identity,
            preSharedKey: options.preSharedKey, credential: options.credential, trustAnchors: options.trustAnchors,
            proposals: options.proposals, senderIDsRequested: options.senderIDsRequested)
        let interface = interfaceAddress ?? (ListenAddress(options.server).isLoopback && !options.server.isIPv6 ? "127.0.0.1" : nil)
        let loop = group.next()
        let cancelled = loop.makePromise(of: Void.self)
        defer { cancelled.succeed() }  // completed on every way out (NIO reports leaked promises)
        do {
            return try await withTaskCancellationHandler { () async throws -> Outcome in
                while true {
                    let registeredAt = EngineTime(date: Date())
                    let outcome = try await join(options, random: random, logger: logger, group: group)
                    guard case .registered(let holdings) = outcome else { return outcome }
                    guard let destination = rekeyGroup ?? holdings.rekeySA.flatMap({ MulticastMembership.destination(fromSelector: $0.destinationSelector) }) else {
                        throw GatewayError.engine("the group's rekey SA names no multicast destination to follow (unicast rekeys are not followed yet)")
                    }
                    let follower = try await MulticastRekeyFollower.start(
                        membership: MulticastMembership(group: destination, interfaceAddress: interface),
                        receiver: GroupRekeyReceiver(holdings: holdings, configuration: configuration, now: registeredAt),
                        loop: loop, logger: logger, onRekey: onRekey)
                    // Reported once the group is joined: from here on no rekey is missed.
                    onRegistered(holdings)
                    // Whichever comes first: cancellation, or a reason to register again.
                    let next = loop.makePromise(of: Bool.self)
                    cancelled.futureResult.whenComplete { _ in next.succeed(false) }
                    if reregister {
                        follower.reregistration.futureResult.whenComplete { result in next.succeed((try? result.get()) != nil) }
                    }
                    let again = (try? await next.futureResult.get()) ?? false
                    await follower.stop()
                    guard again else { return outcome }
                    logger.notice("registering again", metadata: ["code": "GW-MEMBER-REREGISTER"])
                }
            } onCancel: {
                cancelled.succeed()
            }
        } catch let error as GatewayError {
            throw error
        } catch {
            throw .engine("\(error)")
        }
    }
}
