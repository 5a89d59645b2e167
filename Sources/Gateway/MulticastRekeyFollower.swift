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

/// Follows a registered member's rekeys: joins the rekey SA's multicast group and hands what
/// arrives to the member engine (which checks it with its `GroupRekeyReceiver`: ICV, signature,
/// replay window, unwrap), and reports each rekey the engine took in, multicast or in-band
/// (GSA_INBAND_REKEY on the registration IKE SA, which the still-open session answers).
///
/// `@unchecked Sendable`: confined to the session's event loop.
final class MulticastRekeyFollower: @unchecked Sendable {
    private let session: MemberClient.Session
    private let onRekey: @Sendable (RekeyNotice) -> Void
    private var channel: (any Channel)?
    /// The multicast datagram being handled, for its notice.
    private var arriving: (from: String, octets: Int, messageID: UInt32?)?
    private var lastAccepted = 0
    private var lastRejected: [GroupRekeyReceiver.Rejection: Int] = [:]
    private var knownTEKs: Set<[UInt8]> = []
    /// Succeeds once the engine finds that the member must register again (a missed rekey, an SA
    /// about to expire without replacement, or its exclusion).
    let reregistration: EventLoopPromise<GroupRekeyReceiver.ReregistrationReason>

    private init(session: MemberClient.Session, onRekey: @escaping @Sendable (RekeyNotice) -> Void) {
        self.session = session
        self.onRekey = onRekey
        reregistration = session.loop.makePromise()
    }

    /// Starts reporting and, when `membership` is given, joins the multicast group.
    static func start(session: MemberClient.Session, membership: MulticastMembership?,
                      onRekey: @escaping @Sendable (RekeyNotice) -> Void) async throws(GatewayError) -> MulticastRekeyFollower {
        let follower = MulticastRekeyFollower(session: session, onRekey: onRekey)
        try? await session.loop.submit { follower.watch() }.get()
        guard let membership else { return follower }
        let group = membership.group
        do {
            let groupAddress = try group.socketAddress
            // Bound to the group address itself, so this socket hears that group only; several
            // members on one host share the port (SO_REUSEADDR).
            let channel = try await DatagramBootstrap(group: session.loop)
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
            await follower.stop()
            if let error = error as? GatewayError { throw error }
            throw .socket("cannot join the rekey group \(group): \(error)")
        }
        return follower
    }

    /// IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP by hand: NIO's joinGroup refuses a device without
    /// the MULTICAST flag, and Linux's `lo` has none, yet delivers loopback multicast (the demo
    /// and the tests run there).
    static func join(groupAddress group: EndpointAddress, interface: String?, on channel: any Channel) async throws {
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
        try? await session.loop.submit {
            follower.session.driver.afterStep = nil
            follower.reregistration.fail(ChannelError.alreadyClosed)
        }.get()
        try? await channel?.close()
    }

    /// Watches every step of the member engine for rekeys taken in.
    private func watch() {
        session.loop.preconditionInEventLoop()
        if let member = session.driver.engine {
            knownTEKs = Set(member.holdings?.dataSecuritySAs.map(\.spi) ?? [])
            lastAccepted = member.rekeyStatus?.accepted ?? 0
            lastRejected = member.rekeyStatus?.rejected ?? [:]
        }
        session.driver.afterStep = { [self] member in observe(member) }
    }

    fileprivate func receive(_ envelope: AddressedEnvelope<ByteBuffer>, on channel: any Channel) {
        session.loop.preconditionInEventLoop()
        var bytes = envelope.data
        // Port 848 may carry a non-ESP marker before IKE (RFC 9838 §2.1.1).
        if bytes.readableBytes >= 4, bytes.getInteger(at: bytes.readerIndex, as: UInt32.self) == 0 { bytes.moveReaderIndex(forwardBy: 4) }
        let messageID = bytes.readableBytes >= 24 ? bytes.getInteger(at: bytes.readerIndex + 20, as: UInt32.self) : nil
        arriving = (EndpointAddress(socketAddress: envelope.remoteAddress).map { "\($0)" } ?? "\(envelope.remoteAddress)",
                    bytes.readableBytes, messageID)
        session.driver.receive(envelope, on: channel, port: .gdoi)
        arriving = nil
    }

    /// After each engine step: a GSA_REKEY accepted or dropped shows in the receiver's counters;
    /// an in-band rekey as TEKs the member did not hold before.
    private func observe(_ member: GroupMemberInitiator) {
        let status = member.rekeyStatus
        let accepted = status?.accepted ?? lastAccepted, rejected = status?.rejected ?? lastRejected
        let teks = Set(member.holdings?.dataSecuritySAs.map(\.spi) ?? [])
        let gained = !teks.subtracting(knownTEKs).isEmpty
        defer {
            lastAccepted = accepted
            lastRejected = rejected
            knownTEKs.formUnion(teks)
            if let reason = member.needsReregistration { reregistration.succeed(reason) }
        }
        guard accepted != lastAccepted || rejected != lastRejected || (gained && arriving == nil) else { return }
        let inband = accepted == lastAccepted && rejected == lastRejected
        let rejection = rejected.first { lastRejected[$0.key, default: 0] != $0.value }?.key.rawValue
        let hex = GroupStateReport.hex
        let holdings = member.holdings
        onRekey(RekeyNotice(time: EngineTime(date: Date()).milliseconds / 1000,
                            from: inband ? "in-band" : arriving?.from ?? "?", octets: inband ? 0 : arriving?.octets ?? 0,
                            messageID: inband ? nil : arriving?.messageID, accepted: rejection == nil, rejection: rejection,
                            dataSecuritySAs: holdings?.dataSecuritySAs.map { hex($0.spi) } ?? [],
                            outboundSPIs: status?.outboundSPIs.map(hex) ?? [],
                            rekeySA: holdings?.rekeySA.map { hex($0.spi) }, reregister: member.needsReregistration?.rawValue))
    }
}

private final class FollowerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let follower: MulticastRekeyFollower

    init(follower: MulticastRekeyFollower) {
        self.follower = follower
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        follower.receive(unwrapInboundIn(data), on: context.channel)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

extension MemberClient {
    /// Registers, then follows the group's rekeys until the calling task is cancelled: multicast
    /// GSA_REKEY on the rekey SA's group, and GSA_INBAND_REKEY on the registration IKE SA, which
    /// stays open. `onRegistered` after each registration, once the group is joined; `onRekey`
    /// per rekey taken in (accepted or dropped). When the member finds it must register again
    /// (RFC 9838 §2.4.1: a Message ID gap, a TEK or the rekey SA about to expire without
    /// replacement, or its own exclusion) and `reregister` is true, it registers again and follows
    /// on; otherwise it keeps listening (each notice says it should register again). Returns the
    /// last registration outcome; a refused registration returns at once.
    public static func follow(_ options: Options, interfaceAddress: String? = nil, rekeyGroup: EndpointAddress? = nil,
                              reregister: Bool = true, random: any RandomSource = SystemRandom(),
                              logger: Logger = Logger(label: "groupkey.member"),
                              group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                              onRegistered: @escaping @Sendable (GroupMemberHoldings) -> Void = { _ in },
                              onRekey: @escaping @Sendable (RekeyNotice) -> Void) async throws(GatewayError) -> Outcome {
        let interface = interfaceAddress ?? (ListenAddress(options.server).isLoopback && !options.server.isIPv6 ? "127.0.0.1" : nil)
        let cancelled = group.next().makePromise(of: Void.self)
        defer { cancelled.succeed() }  // completed on every way out (NIO reports leaked promises)
        do {
            return try await withTaskCancellationHandler { () async throws -> Outcome in
                while true {
                    let (outcome, session) = try await open(options, random: random, logger: logger, group: group)
                    guard case .registered(let holdings) = outcome else {
                        await session.close()
                        return outcome
                    }
                    // Multicast rekeys when the rekey SA names a multicast group; in-band ones
                    // arrive on the session either way.
                    let destination = rekeyGroup ?? holdings.rekeySA.flatMap { MulticastMembership.destination(fromSelector: $0.destinationSelector) }
                    let follower: MulticastRekeyFollower
                    do {
                        follower = try await MulticastRekeyFollower.start(
                            session: session, membership: destination.map { MulticastMembership(group: $0, interfaceAddress: interface) },
                            onRekey: onRekey)
                    } catch {
                        await session.close()
                        throw error
                    }
                    // Reported once the group is joined: from here on no rekey is missed.
                    onRegistered(holdings)
                    // Whichever comes first: cancellation, or a reason to register again.
                    let next = session.loop.makePromise(of: Bool.self)
                    cancelled.futureResult.whenComplete { _ in next.succeed(false) }
                    if reregister {
                        follower.reregistration.futureResult.whenComplete { result in next.succeed((try? result.get()) != nil) }
                    }
                    let again = (try? await next.futureResult.get()) ?? false
                    await follower.stop()
                    await session.close()
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
