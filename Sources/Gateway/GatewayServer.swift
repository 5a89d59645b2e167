import EngineCore
import Foundation
import GDOI
import GDOIWire
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import Logging
import Metrics
import NIOCore
import NIOPosix
import WireCore

/// The key server's transport: UDP listeners that classify each datagram (port 848: optional
/// non-ESP marker, RFC 9838 §2.1.1) and, optionally, RFC 8229 TCP listeners; IKEv2 messages go to
/// the GCKS engine and ISAKMP (IKEv1 / GDOI) ones to the GDOI key server, both serving the same
/// `GroupDirectory`; their actions are performed here. Every listener, connection and both
/// engines live on one event loop.
public final class GatewayServer: Sendable {
    public struct Configuration: Sendable {
        public var listen: [ListenAddress]
        /// TCP listeners for RFC 8229 encapsulation (IKE over TCP, stream prefix "IKETCP").
        public var tcpListen: [ListenAddress]
        /// The GCKS's IDr (RFC 7296 §3.5).
        public var identity: IdentificationPayload
        public var logger: Logger
        /// How long a half-open IKE SA waits for its GSA_AUTH (GCKSConfiguration).
        public var halfOpenLifetimeMilliseconds: Int64
        /// How long a registration IKE SA is kept (RFC 9838 §2.3.3: the GCKS decides).
        public var registrationSALifetimeMilliseconds: Int64
        /// Period of the housekeeping tick (EngineDriver.startHousekeeping).
        public var housekeepingIntervalMilliseconds: Int64
        /// Open TCP connections at most (EngineDriver.maximumStreams).
        public var maximumTCPConnections: Int
        /// A TCP connection that delivers nothing for this long is closed (RFC 8229 §6).
        public var tcpIdleTimeoutMilliseconds: Int64
        /// Our certificate and key, to answer members that authenticate with certificates in kind
        /// (RFC 7427); PSK members get a PSK AUTH whatever this is.
        public var credential: SignatureCredential?
        /// DEBUG ONLY, nil by default: where the keys of every registration IKE SA are appended
        /// for Wireshark (IKEKeyLogFile). With the demo secrets it can only ever be used on loopback,
        /// since `start` refuses those anywhere else.
        public var ikeKeyLog: IKEKeyLogFile?
        /// Where the engines' durable changes go (StateFile); nil keeps state in memory only.
        public var persister: StatePersister?
        /// The control socket's path (ControlSocket; `groupkey serve --control`); nil: none.
        public var controlSocketPath: String?
        /// True for the default path: if it cannot be opened (another server holds it) the server
        /// runs without a control socket and says so, rather than refusing to start.
        public var controlSocketIsOptional = false
        /// Where the swift-metrics counters go; nil: the process's bootstrapped MetricsSystem.
        public var metricsFactory: (any MetricsFactory)?
        /// How multicast rekeys are sent (interface, TTL, loopback).
        public var multicast = MulticastOptions()
        /// Whether the GCKS sends its groups' scheduled rekeys (TEK and rekey SA rollover) when
        /// they fall due. Needs group states created on the wall clock (`serve` does so).
        public var scheduledRekeys = false
        /// Where `reload` (control socket, SIGHUP) reads the policies again; nil: reload refused.
        public var policyLoader: GatewayPolicyLoader?
        /// Answer IKEv1 / GDOI on the same sockets (RFC 6407 phase 1 and what `gdoiPhase2` runs).
        public var gdoiEnabled = true
        /// Accept legacy phase-1 suites from GDOI members (3DES, DH groups 2 and 5), each logged.
        public var gdoiAllowLegacy = false
        /// The GROUPKEY-PULL responder; nil: a `GroupKeyPullServer` on the served directory.
        public var gdoiPhase2: (any Phase2Responder)?
        /// How GROUPKEY-PUSH reaches GDOI members: missed acknowledgements before eviction, and
        /// the wait for them (GDOIRekeyDistributor).
        public var gdoiPush = GDOIRekeyDistributor.Configuration()
        /// Threads that make the key agreement of new IKE SAs beside the engine's event loop
        /// (EngineDriver+KeyAgreement); 0: the engine makes them itself.
        public var keyAgreementThreads = GatewayServer.defaultKeyAgreementThreads

        public init(listen: [ListenAddress], tcpListen: [ListenAddress] = [], identity: IdentificationPayload = GatewayServer.defaultIdentity,
                    logger: Logger = Logger(label: "groupkey.gateway"), halfOpenLifetimeMilliseconds: Int64 = 30_000,
                    registrationSALifetimeMilliseconds: Int64 = 600_000, housekeepingIntervalMilliseconds: Int64 = 5_000,
                    maximumTCPConnections: Int = 1_024, tcpIdleTimeoutMilliseconds: Int64 = 120_000, credential: SignatureCredential? = nil,
                    ikeKeyLog: IKEKeyLogFile? = nil, persister: StatePersister? = nil) {
            self.ikeKeyLog = ikeKeyLog
            self.persister = persister
            precondition(housekeepingIntervalMilliseconds > 0, "the housekeeping interval is positive")
            self.listen = listen
            self.tcpListen = tcpListen
            self.identity = identity
            self.logger = logger
            self.halfOpenLifetimeMilliseconds = halfOpenLifetimeMilliseconds
            self.registrationSALifetimeMilliseconds = registrationSALifetimeMilliseconds
            self.housekeepingIntervalMilliseconds = housekeepingIntervalMilliseconds
            self.maximumTCPConnections = maximumTCPConnections
            self.tcpIdleTimeoutMilliseconds = tcpIdleTimeoutMilliseconds
            self.credential = credential
        }
    }

    /// One key-agreement thread per core, up to 64.
    public static var defaultKeyAgreementThreads: Int { min(System.coreCount, 64) }

    /// IDr when none is configured: FQDN "groupkey-gcks".
    public static let defaultIdentity = IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array("groupkey-gcks".utf8))

    /// The addresses actually bound, in `listen` order (a requested port 0 is replaced by the port
    /// the system chose).
    public let boundAddresses: [EndpointAddress]
    /// The TCP listeners actually bound, in `tcpListen` order.
    public let boundTCPAddresses: [EndpointAddress]
    private let channels: [any Channel]
    let driver: EngineDriver<GCKSResponder>
    private let control: ControlService<GIKEv2GroupOperations>
    /// The control socket, when one was asked for (removed again at `stop`).
    public let controlSocketPath: String?
    private let controlChannel: (any Channel)?
    /// The socket file as bound, so `stop` removes only that one.
    private let controlSocketIdentity: [UInt64]?
    private let metricsTask: RepeatedTask?
    private let multicast: MulticastRekeySender

    private init(boundAddresses: [EndpointAddress], boundTCPAddresses: [EndpointAddress], channels: [any Channel],
                 driver: EngineDriver<GCKSResponder>, control: ControlService<GIKEv2GroupOperations>,
                 controlSocketPath: String?, controlChannel: (any Channel)?, metricsTask: RepeatedTask?,
                 multicast: MulticastRekeySender) {
        self.multicast = multicast
        self.boundAddresses = boundAddresses
        self.boundTCPAddresses = boundTCPAddresses
        self.channels = channels
        self.driver = driver
        self.control = control
        self.controlSocketPath = controlSocketPath
        self.controlChannel = controlChannel
        controlSocketIdentity = controlSocketPath.flatMap(ControlSocket.identity(of:))
        self.metricsTask = metricsTask
    }

    /// Binds every listener and starts serving `directory`. Refuses the bundled demo secrets on
    /// any non-loopback address.
    public static func start(configuration: Configuration, directory: GroupDirectory,
                             random: any RandomSource = SystemRandom(),
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(GatewayError) -> GatewayServer {
        guard !configuration.listen.isEmpty else { throw .invalidListenAddress("(no UDP listener)") }
        if let persister = configuration.persister, persister.directory !== directory {
            throw .stateFile("the state persister writes another group directory than the one served")
        }
        let servesDemoSecret = directory.snapshot.contains(where: DemoSecrets.isUsed(by:))
        if servesDemoSecret, let open = (configuration.listen + configuration.tcpListen).first(where: { !$0.isLoopback }) {
            throw .demoSecretOffLoopback(open.description)
        }
        let loop = group.next()
        let driver = EngineDriver<GCKSResponder>(eventLoop: loop, logger: configuration.logger,
                                                 maximumStreams: configuration.maximumTCPConnections)
        let gdoiPhase1 = configuration.gdoiEnabled ? gdoiPhase1Configuration(configuration, directory: directory) : nil
        var channels: [any Channel] = []
        var bound: [EndpointAddress] = []
        var boundTCP: [EndpointAddress] = []
        do {
            for address in configuration.listen {
                let port = listeningPort(address.endpoint.port)
                let channel = try await DatagramBootstrap(group: loop)
                    .channelOption(.recvAllocator, value: GatewayLimits.datagramReceiveAllocator)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(EngineDatagramHandler(driver: driver, port: port))
                        }
                    }
                    .bind(to: try address.endpoint.socketAddress).get()
                channels.append(channel)
                guard let local = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)) else {
                    throw GatewayError.socket("\(address) has no IP address once bound")
                }
                bound.append(local)
            }
            let idleTimeout = configuration.tcpIdleTimeoutMilliseconds
            for address in configuration.tcpListen {
                let channel = try await ServerBootstrap(group: loop)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers([
                                IdleStateHandler(readTimeout: .milliseconds(idleTimeout)),
                                EngineStreamHandler(driver: driver, expectPrefix: true),
                            ])
                        }
                    }
                    .bind(to: try address.endpoint.socketAddress).get()
                channels.append(channel)
                guard let local = channel.localAddress.flatMap(EndpointAddress.init(socketAddress:)) else {
                    throw GatewayError.socket("\(address) has no IP address once bound")
                }
                boundTCP.append(local)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            if let error = error as? GatewayError { throw error }
            throw .socket("cannot listen: \(error)")
        }
        var keyLogSink: (@Sendable (IKEKeyLogRecord) -> Void)?
        if let file = configuration.ikeKeyLog { keyLogSink = { record in file.append(record) } }
        // IKEv1 / GDOI SAs: Wireshark's ikev1_decryption_table, in FILE.ikev1 beside the IKEv2 one.
        var phase1KeyLog: (@Sendable (Phase1KeyLogRecord) -> Void)?
        if let file = configuration.ikeKeyLog, configuration.gdoiEnabled {
            do {
                let ikev1File = try IKEKeyLogFile(path: file.path + ".ikev1")
                phase1KeyLog = { record in ikev1File.append(record) }
            } catch {
                for channel in channels { try? await channel.close() }
                throw error
            }
        }
        let engine: GCKSResponder
        do {
            var engineConfiguration = GCKSConfiguration(
                localEndpoint: bound[0], identity: configuration.identity,
                halfOpenLifetimeMilliseconds: configuration.halfOpenLifetimeMilliseconds,
                registrationSALifetimeMilliseconds: configuration.registrationSALifetimeMilliseconds,
                credential: configuration.credential, ikeKeyLog: keyLogSink)
            engineConfiguration.scheduledRekeys = configuration.scheduledRekeys
            engine = try GCKSResponder(configuration: engineConfiguration, directory: directory, random: random)
        } catch {
            for channel in channels { try? await channel.close() }
            throw .engine("\(error)")
        }
        let listeners = bound.map { "udp \($0)" } + boundTCP.map { "tcp \($0)" }
        let served = directory.snapshot.map(\.name)
        // Rekeys to a multicast group leave through their own socket; a loopback-only server
        // sends them on loopback, where its (demo) members are.
        var multicastOptions = configuration.multicast
        if multicastOptions.interfaceAddress == nil, configuration.listen.allSatisfy(\.isLoopback),
           configuration.listen.contains(where: { !$0.endpoint.isIPv6 }) {
            multicastOptions.interfaceAddress = "127.0.0.1"
        }
        let multicast: MulticastRekeySender
        do throws(GatewayError) {
            multicast = try await MulticastRekeySender.open(on: loop, options: multicastOptions, logger: configuration.logger)
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        let control = ControlService(driver: driver, operations: GIKEv2GroupOperations(directory: directory), directory: directory,
                                     loader: configuration.policyLoader, listening: listeners,
                                     metrics: GatewayMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory),
                                     persister: configuration.persister)
        var controlChannel: (any Channel)?
        if let path = configuration.controlSocketPath {
            do throws(GatewayError) {
                try await ControlSocket.prepare(path: path, group: group)
                controlChannel = try await ControlSocket.bind(path: path, on: loop) { line, reply in
                    control.handle(line: line, reply: reply)
                }
            } catch {
                if !configuration.controlSocketIsOptional { await multicast.close() }
                if configuration.controlSocketIsOptional {
                    configuration.logger.warning("running without a control socket", metadata: ["code": "GW-NO-CONTROL", "reason": "\(error)"])
                    controlChannel = nil
                } else {
                    for channel in channels { try? await channel.close() }
                    throw error
                }
            }
        }
        let housekeeping = TimeAmount.milliseconds(configuration.housekeepingIntervalMilliseconds)
        let controlPath = controlChannel == nil ? nil : configuration.controlSocketPath
        let persister = configuration.persister
        let keyAgreementThreads = configuration.keyAgreementThreads
        let firstBound = bound[0]
        let firstChannel = channels.first
        let gdoiKeyLog = phase1KeyLog
        let metricsTask = try? await loop.submit {
            if let persister { driver.useGroupCommit(persister) }
            if keyAgreementThreads > 0 {
                let pool = NIOThreadPool(numberOfThreads: keyAgreementThreads)
                pool.start()
                driver.keyAgreementPool = pool
                driver.useKeyAgreementHelpers(pool, random: random)
            }
            driver.sendInterceptor = { datagram, peer in multicast.send(datagram, to: peer) }
            driver.install(engine, defaultRoute: nil)
            if let gdoiPhase1 {
                // NAT-D (RFC 3947 §3.2) hashes the address members send to: the first listener's.
                var phase1 = gdoiPhase1
                phase1.keyLog = gdoiKeyLog
                phase1.localEndpoint = firstBound
                phase1.identity = .address(firstBound)
                let pull = configuration.gdoiPhase2 ?? GroupKeyPullServer(directory: directory, random: random)
                var keyServer = GDOIKeyServer(configuration: phase1, random: random, phase2: pull)
                var distributor = GDOIRekeyDistributor(configuration: configuration.gdoiPush)
                // The KEKs GDOI members will hold, known before any rekey changes a key tree.
                for failure in distributor.prime(directory.snapshot) {
                    configuration.logger.warning("a group's KEK cannot be rendered for GDOI pushes", metadata: [
                        "code": "GDOI-KEK-UNKNOWN", "group": "\(failure.group)", "reason": "\(failure.reason)"])
                }
                if let persister, let listener = firstChannel {
                    // Restored members are reached from the first listener, the address NAT-D names (above).
                    let route = EngineDriver<GCKSResponder>.Route.datagram(listener, port: Self.listeningPort(firstBound.port), marker: false)
                    for peer in Self.restorePushAddresses(into: &distributor, from: persister, logger: configuration.logger) {
                        driver.assumeRoute(to: peer, route)
                    }
                }
                keyServer.distributor = distributor
                driver.install(isakmp: keyServer)
                driver.rekeyHandoff = { gcks, keyServer, now in Self.handOff(gcks: &gcks, keyServer: &keyServer, directory: directory, now: now) }
            }
            driver.startHousekeeping(every: housekeeping)
            configuration.logger.info("serving", metadata: ["code": "GW-SERVING",
                                                            "listen": "\(listeners.joined(separator: ", "))",
                                                            "groups": "\(served.joined(separator: " "))",
                                                            "control": "\(controlPath ?? "none")"])
            return loop.scheduleRepeatedTask(initialDelay: housekeeping, delay: housekeeping) { _ in control.refreshMetrics() }
        }.get()
        return GatewayServer(boundAddresses: bound, boundTCPAddresses: boundTCP, channels: channels, driver: driver,
                             control: control, controlSocketPath: controlPath,
                             controlChannel: controlChannel, metricsTask: metricsTask, multicast: multicast)
    }

    /// Carries out one control request in process (what the control socket does for a client).
    public func control(_ request: ControlRequest) async -> ControlResponse {
        let control = self.control
        let promise = driver.eventLoop.makePromise(of: ControlResponse.self)
        driver.eventLoop.execute {
            control.handle(request) { promise.succeed($0) }
        }
        return (try? await promise.futureResult.get())
            ?? ControlResponse(error: ControlFailure(.internalError, "the server stopped before answering"))
    }

    /// Re-reads the policies (SIGHUP; `groupkey reload` does the same over the control socket).
    public func reload() async -> ReloadReport {
        let response = await control(.reload)
        return response.reload ?? ReloadReport(applied: false, diagnostics: [response.error?.description ?? "no answer"])
    }

    /// Phase 1 for GDOI members: the default PSK suites (and legacy ones if allowed). Main Mode
    /// must choose the key before the member's identity is known (RFC 2409 §5.4), so the groups'
    /// pre-shared key (the first group's, when several have one) is the fallback key. With an RSA
    /// `credential` the RSA-signature suites are offered too: our certificate and key, the groups'
    /// member trust anchors, and the configured identity (which the certificate must name).
    static func gdoiPhase1Configuration(_ configuration: Configuration, directory: GroupDirectory) -> Phase1Configuration {
        let groups = directory.snapshot
        let psk = groups.lazy.compactMap(\.secrets.preSharedKey).first
        // PSK suites only when some group has a key: a certificate-only server answers a PSK offer
        // with NO-PROPOSAL-CHOSEN rather than a negotiation it cannot finish.
        var proposals = psk == nil ? [] : Phase1Proposal.defaults(authentication: .preSharedKey)
        if configuration.gdoiAllowLegacy && psk != nil {
            proposals += [Phase1Proposal(cipher: .tripleDES, hash: .sha1, group: .modp1024, authentication: .preSharedKey),
                          Phase1Proposal(cipher: .aes128, hash: .sha1, group: .modp1024, authentication: .preSharedKey),
                          Phase1Proposal(cipher: .aes128, hash: .sha1, group: .modp1536, authentication: .preSharedKey)]
        }
        var credentials = Phase1Credentials(fallbackPreSharedKey: psk)
        var certificateIdentity: ISAKMPIdentification?
        if let credential = configuration.credential, case .rsa = credential.key.kind, let certificate = credential.certificates.first {
            proposals += Phase1Proposal.defaults(authentication: .rsaSignature)
            credentials.signingKey = credential.key
            credentials.certificate = certificate
            credentials.trustStore = groups.lazy.compactMap(\.secrets.memberTrustAnchors).first
            // IKEv2 and IPsec DOI share the ID type numbers used here (FQDN 2, USER_FQDN 3, DER_ASN1_DN 9, KEY_ID 11).
            certificateIdentity = ISAKMPIdentification(idType: configuration.identity.idType, data: configuration.identity.data)
        }
        let placeholder = EndpointAddress.ipv4(127, 0, 0, 1, port: 848)
        var phase1 = Phase1Configuration(proposals: proposals, allowLegacy: configuration.gdoiAllowLegacy,
                                         identity: .address(placeholder), credentials: credentials, localEndpoint: placeholder)
        phase1.certificateIdentity = certificateIdentity
        return phase1
    }

    /// The port decides the framing (WIRE-REFERENCE §1): 500 bare IKE, 4500 behind a marker,
    /// anything else as 848 (marker optional).
    static func listeningPort(_ port: UInt16) -> ListeningPort {
        switch port {
        case 500: return .ike
        case 4500: return .natTraversal
        default: return .gdoi
        }
    }

    /// Stops the timers, then closes every listener and removes the control socket.
    public func stop() async {
        let driver = self.driver
        let metricsTask = self.metricsTask
        let helpers = try? await driver.eventLoop.submit {
            metricsTask?.cancel()
            driver.stop()
            return (driver.committer, driver.keyAgreementPool)
        }.get()
        if let committer = helpers?.0 {
            // Every record handed over is written before the store is let go. The wait blocks, so
            // it happens on a thread of its own rather than one of Swift's cooperative threads.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread { committer.stop(); done.resume() }.start()
            }
        }
        try? await helpers?.1?.shutdownGracefully()
        for channel in channels { try? await channel.close() }
        await multicast.close()
        if let controlChannel {
            try? await controlChannel.close()
            if let controlSocketPath { ControlSocket.remove(path: controlSocketPath, identity: controlSocketIdentity) }
        }
    }
}
