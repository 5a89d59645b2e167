import EngineCore
import Foundation
import GDOI
import GDOIWire
import GroupKeyCrypto
import Logging
import NIOCore
import NIOPosix
import WireCore

/// A GDOI group member over a real UDP socket: runs `GDOIMember` (IKEv1 phase 1, then
/// GROUPKEY-PULL through `GroupKeyPullClient`) until it holds the group's keys or has failed.
public enum GDOIMemberClient {
    public struct Options: Sendable {
        public var server: EndpointAddress
        /// The GDOI group number (ID_KEY_ID, RFC 6407 §5.1).
        public var group: UInt32
        /// Our phase-1 identity (RFC 2407 §4.6.2).
        public var identity: ISAKMPIdentification
        public var preSharedKey: SecretBytes
        public var mode: Phase1Mode
        public var proposals: [Phase1Proposal]
        public var allowLegacy: Bool
        public var senderIDsRequested: UInt32?
        /// Frame each message behind the non-ESP marker (RFC 3948 §2.2).
        public var nonESPMarker: Bool
        public var timeoutMilliseconds: Int64

        public init(server: EndpointAddress, group: UInt32, identity: ISAKMPIdentification, preSharedKey: SecretBytes,
                    mode: Phase1Mode = .main, proposals: [Phase1Proposal] = Phase1Proposal.defaults(authentication: .preSharedKey),
                    allowLegacy: Bool = false, senderIDsRequested: UInt32? = 1, nonESPMarker: Bool = false,
                    timeoutMilliseconds: Int64 = 30_000) {
            self.server = server
            self.group = group
            self.identity = identity
            self.preSharedKey = preSharedKey
            self.mode = mode
            self.proposals = proposals
            self.allowLegacy = allowLegacy
            self.senderIDsRequested = senderIDsRequested
            self.nonESPMarker = nonESPMarker
            self.timeoutMilliseconds = timeoutMilliseconds
        }
    }

    public enum Outcome: Sendable {
        /// Phase 1 is up and GROUPKEY-PULL gave the member its keys.
        case registered(phase1: Phase1SA, holdings: GDOIMemberHoldings)
        /// Something failed for good; `phase1` is set when phase 1 itself succeeded.
        case failed(reason: String, phase1: Phase1SA?)
    }

    /// ID_FQDN, or ID_USER_FQDN for a text holding '@' (RFC 2407 §4.6.2.1).
    public static func memberIdentification(_ text: String) -> ISAKMPIdentification {
        ISAKMPIdentification(idType: text.contains("@") ? 3 : ISAKMPIdentification.fqdn, data: Array(text.utf8))
    }

    /// A registration's socket and engine, kept open by `follow` to hear the group's pushes.
    struct Session: Sendable {
        let loop: any EventLoop
        let driver: EngineDriver<GDOIMember>
        let channel: any Channel
        let local: EndpointAddress

        /// Deletes the ISAKMP SA (RFC 2408 §4.8), stops the engine and closes the socket.
        func close() async {
            let driver = self.driver
            try? await loop.submit {
                driver.afterStep = nil
                driver.step { member, now in member.leave(now: now) }
                driver.stop()
            }.get()
            try? await channel.close()
        }
    }

    /// Registers once. Throws only for local trouble (socket, engine setup).
    public static func join(_ options: Options, random: any RandomSource = SystemRandom(),
                            logger: Logger = Logger(label: "groupkey.member"),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(GatewayError) -> Outcome {
        let (outcome, session) = try await open(options, random: random, logger: logger, group: group)
        // The one-shot member needs its ISAKMP SA no more (rekeys come as GROUPKEY-PUSH under the
        // KEK): delete it rather than leave it to the key server's lifetime (RFC 2408 §4.8).
        await session.close()
        return outcome
    }

    /// Runs phase 1 and GROUPKEY-PULL; the session stays open for the caller.
    static func open(_ options: Options, random: any RandomSource, logger: Logger,
                     group: any EventLoopGroup) async throws(GatewayError) -> (Outcome, Session) {
        let loop = group.next()
        let driver = EngineDriver<GDOIMember>(eventLoop: loop, logger: logger, engineTakesISAKMP: true)
        let localText = ListenAddress(options.server).memberBindHost
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: GatewayLimits.datagramReceiveAllocator)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EngineDatagramHandler(driver: driver, port: .gdoi))
                    }
                }
                .bind(host: localText, port: 0).get()
        } catch { throw .socket("cannot open a UDP socket towards \(options.server): \(error)") }
        guard var local = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)) else {
            try? await channel.close()
            throw .socket("the UDP socket has no IP address")
        }
        // NAT-D hashes our address as we send from it (RFC 3947 §3.2); a wildcard bind hides it, so
        // ask the routing table through a connected probe socket (no packet is sent).
        if local.addressOctets.allSatisfy({ $0 == 0 }), let source = await sourceAddress(towards: options.server, loop: loop) {
            local = EndpointAddress(addressOctets: source.addressOctets, port: local.port)
        }
        // Main Mode chooses the key by address (RFC 2409 §5.4), Aggressive Mode by the server's ID.
        let credentials = Phase1Credentials(preSharedKeysByAddress: [options.server.addressOctets: options.preSharedKey],
                                            fallbackPreSharedKey: options.preSharedKey)
        let phase1 = Phase1Configuration(proposals: options.proposals, allowLegacy: options.allowLegacy, identity: options.identity,
                                         credentials: credentials, localEndpoint: local)
        let pull = GroupKeyPullClient(configuration: .init(group: options.group, senderIDsRequested: options.senderIDsRequested,
                                                           localAddress: local.addressOctets), random: random)
        let engine = GDOIMember(configuration: phase1, server: options.server, mode: options.mode, random: random, phase2: pull)
        let promise = loop.makePromise(of: Outcome.self)
        let route: EngineDriver<GDOIMember>.Route = .datagram(channel, port: .gdoi, marker: options.nonESPMarker)
        loop.execute {
            driver.afterStep = { member in
                guard member.isFinished else { return }
                if let client = member.phase2 as? GroupKeyPullClient, let sa = member.phase1, let holdings = client.holdings {
                    promise.succeed(.registered(phase1: sa, holdings: holdings))
                } else if let failure = member.failure {
                    promise.succeed(.failed(reason: "\(failure)", phase1: member.phase1))
                } else if let client = member.phase2 as? GroupKeyPullClient, case .failed(let error) = client.state {
                    promise.succeed(.failed(reason: "GROUPKEY-PULL: \(error)", phase1: member.phase1))
                }
            }
            driver.install(engine, defaultRoute: route) { member, now in member.start(now: now) }
        }
        let deadline = loop.scheduleTask(in: .milliseconds(options.timeoutMilliseconds)) {
            promise.succeed(.failed(reason: "no answer within \(options.timeoutMilliseconds / 1000) s", phase1: nil))
        }
        let outcome = (try? await promise.futureResult.get()) ?? .failed(reason: "no answer", phase1: nil)
        deadline.cancel()
        try? await loop.submit { driver.afterStep = nil }.get()
        return (outcome, Session(loop: loop, driver: driver, channel: channel, local: local))
    }

    /// The address the system would send from towards `server`.
    static func sourceAddress(towards server: EndpointAddress, loop: any EventLoop) async -> EndpointAddress? {
        guard let target = try? server.socketAddress,
              let probe = try? await DatagramBootstrap(group: loop).connect(to: target).get() else { return nil }
        defer { probe.close(promise: nil) }
        return probe.localAddress.flatMap(EndpointAddress.init(socketAddress:))
    }
}
