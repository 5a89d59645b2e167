import EngineCore
import Foundation
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import Logging
import NIOCore
import NIOPosix
import WireCore

/// A group member over a real UDP socket: runs `GroupMemberInitiator` until it has registered
/// or failed, on one event loop.
public enum MemberClient {
    public struct Options: Sendable {
        public var server: EndpointAddress
        /// IDg (RFC 9838 §4.2).
        public var groupID: IdentificationPayload
        /// IDi (RFC 7296 §3.5).
        public var identity: IdentificationPayload
        /// The group's PSK; nil when authenticating with `credential`.
        public var preSharedKey: SecretBytes?
        /// Our certificate and key: when set we authenticate by RFC 7427 signature, not PSK.
        public var credential: SignatureCredential?
        /// Trust anchors for the GCKS's certificate, when it answers with a signature.
        public var trustAnchors: TrustStore?
        public var proposals: [IKEProposal]
        public var senderIDsRequested: UInt32?
        /// Put a non-ESP marker before every IKE message (RFC 9838 §2.1.1 on port 848; RFC 3948
        /// §2.2 on 4500). The server answers in kind.
        public var nonESPMarker: Bool
        /// UDP, or TCP with RFC 8229 framing.
        public var transport: Transport
        /// A bound on the whole registration beyond the engine's own retransmission give-up.
        public var timeoutMilliseconds: Int64

        public init(server: EndpointAddress, groupID: IdentificationPayload, identity: IdentificationPayload,
                    preSharedKey: SecretBytes?, credential: SignatureCredential? = nil, trustAnchors: TrustStore? = nil, proposals: [IKEProposal] = [.demo], senderIDsRequested: UInt32? = 1,
                    nonESPMarker: Bool = false, transport: Transport = .udp, timeoutMilliseconds: Int64 = 30_000) {
            self.server = server
            self.groupID = groupID
            self.identity = identity
            self.preSharedKey = preSharedKey
            self.credential = credential
            self.trustAnchors = trustAnchors
            self.proposals = proposals
            self.senderIDsRequested = senderIDsRequested
            self.nonESPMarker = nonESPMarker
            self.transport = transport
            self.timeoutMilliseconds = timeoutMilliseconds
        }
    }

    public enum Transport: String, Sendable, CaseIterable {
        case udp
        /// RFC 8229: "IKETCP", then `Length | marker | message` frames.
        case tcp
    }

    public enum Outcome: Sendable {
        case registered(GroupMemberHoldings)
        case failed(GIKEv2Error)
    }

    /// IDg for a group given as on the command line: a decimal number is the GDOI group number as
    /// ID_KEY_ID, 4 octets big-endian (ARCHITECTURE.md: the demo group 1001 is 000003e9);
    /// anything else is an FQDN.
    public static func groupIdentification(_ text: String) -> IdentificationPayload {
        if let number = UInt32(text) {
            return IdentificationPayload(idType: IdentificationPayload.keyID,
                                         data: [UInt8(number >> 24), UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF)])
        }
        return IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array(text.utf8))
    }

    /// IDi from text: an RFC 822 address if it holds '@', an FQDN otherwise.
    public static func memberIdentification(_ text: String) -> IdentificationPayload {
        IdentificationPayload(idType: text.contains("@") ? IdentificationPayload.rfc822Address : IdentificationPayload.fqdn,
                              data: Array(text.utf8))
    }

    /// Registers once. Throws only for local trouble (socket, engine setup); a protocol failure is
    /// an `Outcome.failed`.
    public static func join(_ options: Options, random: any RandomSource = SystemRandom(),
                            logger: Logger = Logger(label: "groupkey.member"),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(GatewayError) -> Outcome {
        let (outcome, session) = try await open(options, random: random, logger: logger, group: group)
        await session.close()
        return outcome
    }

    /// Runs one initiator engine over a socket until `result` gives an answer or the time-out,
    /// then closes it.
    static func drive<Result: Sendable>(_ options: Options, mode: InitiatorMode, random: any RandomSource, logger: Logger,
                                        group: any EventLoopGroup, timedOut: Result,
                                        result: @escaping @Sendable (GroupMemberInitiator) -> Result?) async throws(GatewayError) -> Result {
        let (answer, session) = try await open(options, mode: mode, random: random, logger: logger, group: group,
                                               timedOut: timedOut, result: result)
        await session.close()
        return answer
    }

    /// A registration whose member engine keeps running (in-band rekeys arrive on its IKE SA;
    /// `follow` feeds it multicast rekeys) until `close`.
    final class Session: Sendable {
        let loop: any EventLoop
        let driver: EngineDriver<GroupMemberInitiator>
        let channel: any Channel

        init(loop: any EventLoop, driver: EngineDriver<GroupMemberInitiator>, channel: any Channel) {
            self.loop = loop
            self.driver = driver
            self.channel = channel
        }

        func close() async {
            let driver = self.driver
            try? await loop.submit { driver.stop() }.get()
            try? await channel.close()
        }
    }

    /// Registers and leaves the session open.
    static func open(_ options: Options, random: any RandomSource, logger: Logger,
                     group: any EventLoopGroup) async throws(GatewayError) -> (Outcome, Session) {
        try await open(options, mode: .groupRegistration, random: random, logger: logger, group: group,
                       timedOut: .failed(.timedOut)) { member in
            if let holdings = member.holdings { return .registered(holdings) }
            return member.failure.map { .failed($0) }
        }
    }

    /// Starts the initiator in `mode` and waits until `result` gives an answer or the time-out;
    /// the session stays open.
    static func open<Result: Sendable>(_ options: Options, mode: InitiatorMode, random: any RandomSource, logger: Logger,
                                       group: any EventLoopGroup, timedOut: Result,
                                       result: @escaping @Sendable (GroupMemberInitiator) -> Result?)
        async throws(GatewayError) -> (Result, Session) {
        guard options.preSharedKey != nil || options.credential != nil else {
            throw .secrets("a member authenticates with a pre-shared key or a certificate")
        }
        let loop = group.next()
        let driver = EngineDriver<GroupMemberInitiator>(eventLoop: loop, logger: logger)
        let localText = ListenAddress(options.server).memberBindHost
        let channel: any Channel
        do {
            switch options.transport {
            case .udp:
                channel = try await DatagramBootstrap(group: loop)
                    .channelOption(.recvAllocator, value: GatewayLimits.datagramReceiveAllocator)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(EngineDatagramHandler(driver: driver, port: .gdoi))
                        }
                    }
                    .bind(host: localText, port: 0).get()
            case .tcp:
                channel = try await ClientBootstrap(group: loop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(EngineStreamHandler(driver: driver, expectPrefix: false))
                        }
                    }
                    .connect(to: try options.server.socketAddress).get()
                // The initiator opens the stream with "IKETCP" (RFC 8229 §4).
                try await channel.writeAndFlush(TCPEncapsulationEncoder.streamPrefix)
            }
        } catch { throw .socket("cannot reach \(options.server) over \(options.transport.rawValue): \(error)") }
        guard let local = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)) else {
            try? await channel.close()
            throw .socket("the UDP socket has no IP address")
        }
        let engine: GroupMemberInitiator
        do {
            var configuration = GroupMemberConfiguration(
                server: options.server, localEndpoint: local, groupID: options.groupID, identity: options.identity,
                preSharedKey: options.preSharedKey, credential: options.credential, trustAnchors: options.trustAnchors,
                proposals: options.proposals,
                senderIDsRequested: options.senderIDsRequested)
            configuration.mode = mode
            engine = try GroupMemberInitiator(configuration: configuration, random: random)
        } catch {
            try? await channel.close()
            throw .engine("\(error)")
        }
        let promise = loop.makePromise(of: Result.self)
        let route: EngineDriver<GroupMemberInitiator>.Route = options.transport == .tcp
            ? .stream(channel) : .datagram(channel, port: .gdoi, marker: options.nonESPMarker)
        let timeout = options.timeoutMilliseconds
        loop.execute {
            driver.afterStep = { member in
                if let answer = result(member) { promise.succeed(answer) }
            }
            driver.install(engine, defaultRoute: route) { member, now in member.start(now: now) }
        }
        let deadline = loop.scheduleTask(in: .milliseconds(timeout)) { promise.succeed(timedOut) }
        let outcome = (try? await promise.futureResult.get()) ?? timedOut
        deadline.cancel()
        try? await loop.submit { driver.afterStep = nil }.get()
        return (outcome, Session(loop: loop, driver: driver, channel: channel))
    }
}
