import EngineCore
import Foundation
import GDOI
import GIKEv2
import Logging
import NIOCore
import NIOPosix
import WireCore

/// Runs one pure engine (`DatagramEngine`) on one event loop: datagrams in, actions performed.
/// It is the thin "datagram in -> actions out -> perform" loop of ARCHITECTURE.md practice 1, and
/// the only place the engine is touched, so the engine stays single-threaded.
///
/// `@unchecked Sendable`: confined to `eventLoop`; every entry point asserts it, and timers and
/// channel callbacks run there.
final class EngineDriver<Engine: DatagramEngine & Sendable>: @unchecked Sendable {
    /// How to reach a peer: the socket its last message came in on and the framing it used (we
    /// answer in the same framing, Action.send).
    enum Route {
        /// UDP; `marker`: the peer put a non-ESP marker before the IKE header.
        case datagram(any Channel, port: ListeningPort, marker: Bool)
        /// A TCP connection carrying RFC 8229 frames.
        case stream(any Channel)

        var channel: any Channel {
            switch self {
            case .datagram(let channel, _, _), .stream(let channel): return channel
            }
        }
    }

    /// More remembered peers than this and the table is cleared (spoofed sources must not grow
    /// it without bound); a cleared peer's next datagram teaches its route again.
    static var maximumRoutes: Int { 65_536 }

    /// Open RFC 8229 connections at most; more are closed at once. A registration needs one
    /// connection for seconds, so this bounds what idle or hostile clients can hold.
    let maximumStreams: Int

    let eventLoop: any EventLoop
    let logger: Logger
    let clock: @Sendable () -> EngineTime
    var engine: Engine?
    /// Whether the main engine speaks ISAKMP (MjVer 1: a GDOI member) rather than IKEv2.
    let engineTakesISAKMP: Bool
    /// The GDOI key server beside an IKEv2 main engine: ISAKMP datagrams go to it (RFC 6407 on
    /// the same ports, RFC 9838 §2.1.1). Timers it schedules are its own.
    var isakmpEngine: GDOIKeyServer?
    var isakmpTimers: Set<TimerID> = []
    var routes: [EndpointAddress: Route] = [:]
    var timers: [TimerID: Scheduled<Void>] = [:]
    private var streams: [ObjectIdentifier: any Channel] = [:]
    private var housekeeping: RepeatedTask?
    private(set) var stopped = false
    /// Called after every step with the engine as it now stands (the member watches for its end).
    var afterStep: ((Engine) -> Void)?
    /// Counters for status and tests.
    private(set) var ikev1Dropped = 0
    private(set) var unclassifiedDropped = 0
    /// New IKE_SA_INIT requests dropped while the state file lagged (DurabilityQueue.isBacklogged).
    var refusedWhileStoring = 0
    /// Warnings and errors the engine logged, by code: refusals and drops by reason (status).
    var warningsByCode: [String: Int] = [:]
    /// Rekey messages the engine reported sent (its GCKS-REKEY-SENT log events).
    var rekeysSent = 0
    /// GDOI members the key server admitted (its GDOI-PULL-REGISTERED log events).
    var gdoiRegistrations = 0
    /// Run after every step when both engines are installed: moves the rekeys one engine made to
    /// the other (GatewayServer: the GCKS's rekeys to the GDOI key server as GROUPKEY-PUSH, the key
    /// server's missed-ack evictions back to the GCKS), returning what each then has to do.
    var rekeyHandoff: ((inout Engine, inout GDOIKeyServer, EngineTime) -> (engine: [Action], isakmp: [Action]))?
    private var handingOff = false
    /// Takes a datagram the engine should see only after work done elsewhere (the key agreement of
    /// a new IKE SA, EngineDriver+KeyAgreement); returns true when it took it.
    var prepareAhead: ((_ datagram: [UInt8], _ peer: EndpointAddress) -> Bool)?
    /// Datagrams taken by `prepareAhead` and not yet handed to the engine, and how many it took in all.
    var preparing = 0
    var preparedAhead = 0
    /// The requests (initiator SPI and address) whose key agreement is being made.
    var preparingRequests: Set<PreparingKey> = []
    /// The threads `prepareAhead` uses, shut down with the server.
    var keyAgreementPool: NIOThreadPool?
    /// Called for every send the engine asks for before the route table is consulted; returns true
    /// when it took the datagram (the multicast rekey sender, MulticastRekeySender).
    var sendInterceptor: ((_ datagram: [UInt8], _ peer: EndpointAddress) -> Bool)?

    init(eventLoop: any EventLoop, logger: Logger, maximumStreams: Int = 1_024, engineTakesISAKMP: Bool = false,
         clock: @escaping @Sendable () -> EngineTime = { EngineTime(date: Date()) }) {
        self.engineTakesISAKMP = engineTakesISAKMP
        self.maximumStreams = maximumStreams
        self.eventLoop = eventLoop
        self.logger = logger
        self.clock = clock
    }

    /// Installs the engine (built once the sockets are bound and their addresses known) and
    /// performs its first actions.
    func install(_ engine: Engine, defaultRoute: Route?, start: ((inout Engine, EngineTime) -> [Action])? = nil) {
        eventLoop.preconditionInEventLoop()
        self.engine = engine
        if let defaultRoute { self.defaultRoute = defaultRoute }
        if let start, var current = self.engine {
            self.engine = nil  // `current` is then the only reference and mutates without a copy
            let actions = start(&current, clock())
            self.engine = current
            perform(actions)
        }
    }

    /// Runs one input of the caller's (a command, not a datagram) on the engine and performs its actions.
    func step(_ body: (inout Engine, EngineTime) -> [Action]) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, var current = engine else { return }
        engine = nil
        let actions = body(&current, clock())
        engine = current
        perform(actions)
    }

    /// Installs the GDOI key server that answers ISAKMP datagrams beside the main engine.
    func install(isakmp engine: GDOIKeyServer) {
        eventLoop.preconditionInEventLoop()
        isakmpEngine = engine
    }

    /// Where a send goes when the peer has not spoken yet (the member's server).
    var defaultRoute: Route?

    /// One datagram as the socket delivered it.
    func receive(_ envelope: AddressedEnvelope<ByteBuffer>, on channel: any Channel, port: ListeningPort) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, engine != nil else { return }
        guard let peer = EndpointAddress(socketAddress: envelope.remoteAddress) else { return }
        let kind: DatagramKind
        do { kind = try DatagramClassifier.classify(envelope.data, port: port) } catch {
            unclassifiedDropped += 1
            logger.debug("datagram dropped", metadata: ["code": "GW-UNCLASSIFIED", "peer": "\(peer)", "reason": "\(error)"])
            return
        }
        // The classifier stripped a marker iff what is left is shorter than the datagram.
        let marker: Bool
        switch kind {
        case .ikev2(let message), .isakmp(let message): marker = message.readableBytes < envelope.data.readableBytes
        default: marker = false
        }
        deliver(kind, from: peer, route: .datagram(channel, port: port, marker: marker))
    }

    /// One IKE message from an RFC 8229 stream (Length and marker already removed).
    func receive(streamMessage message: ByteBuffer, from peer: EndpointAddress, on channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, engine != nil else { return }
        do {
            deliver(try DatagramClassifier.classify(message, port: .ike), from: peer, route: .stream(channel))
        } catch {
            unclassifiedDropped += 1
            logger.debug("stream message dropped", metadata: ["code": "GW-UNCLASSIFIED", "peer": "\(peer)", "reason": "\(error)"])
        }
    }

    /// A TCP connection opened; `stop()` closes the ones still open.
    func opened(stream channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        guard !stopped, streams.count < maximumStreams else {
            logger.info("TCP connection refused", metadata: ["code": "GW-TCP-LIMIT", "open": "\(streams.count)"])
            channel.close(promise: nil)
            return
        }
        streams[ObjectIdentifier(channel)] = channel
    }

    /// A TCP connection closed: its peer is reachable no more that way.
    func forget(_ peer: EndpointAddress?, on channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        streams[ObjectIdentifier(channel)] = nil
        if let peer, let route = routes[peer], route.channel === channel { routes[peer] = nil }
    }

    /// A peer known from the state file, not yet heard from since the start: its messages go by
    /// `route` until it sends one (a restored GDOI member's unicast pushes, RFC 6407 §4).
    func assumeRoute(to peer: EndpointAddress, _ route: Route) {
        eventLoop.preconditionInEventLoop()
        if routes[peer] == nil { remember(peer, route) }
    }

    private func deliver(_ kind: DatagramKind, from peer: EndpointAddress, route: Route) {
        switch kind {
        case .ikev2(let message) where !engineTakesISAKMP, .isakmp(let message) where engineTakesISAKMP:
            remember(peer, route)
            let datagram = Array(message.readableBytesView)
            // While the state file lags far behind, no new IKE SA is started: each would add an
            // answer to the queue waiting for the disk. Initiators retry (RFC 7296 §2.1).
            if durability.isBacklogged && PreparedKeyExchange.isNewSAInitRequest(datagram) {
                refusedWhileStoring += 1
                return
            }
            if let prepareAhead, prepareAhead(datagram, peer) { return }
            let now = clock()
            // `engine?.` mutates in place; a local copy would copy the engine's tables per datagram.
            let actions = engine?.handle(datagram: datagram, from: peer, now: now) ?? []
            perform(actions)
        case .isakmp(let message) where isakmpEngine != nil:
            // IKEv1 / GDOI (MjVer 1, RFC 2408 §3.1) beside G-IKEv2 on the same sockets.
            remember(peer, route)
            let now = clock()
            let actions = isakmpEngine?.handle(datagram: Array(message.readableBytesView), from: peer, now: now) ?? []
            perform(actions, fromISAKMP: true)
        case .isakmp:
            ikev1Dropped += 1
            logger.info("IKEv1 message dropped: the GDOI engine is not available", metadata: ["code": "GW-IKEV1-DROPPED", "peer": "\(peer)"])
        case .ikev2:
            unclassifiedDropped += 1
            logger.debug("IKEv2 message dropped: this engine speaks ISAKMP", metadata: ["code": "GW-IKEV2-DROPPED", "peer": "\(peer)"])
        case .esp, .natKeepalive:
            unclassifiedDropped += 1
            logger.debug("ESP or NAT-keepalive dropped", metadata: ["code": "GW-NOT-IKE", "peer": "\(peer)"])
        }
    }

    private func remember(_ peer: EndpointAddress, _ route: Route) {
        if routes[peer] == nil && routes.count >= Self.maximumRoutes { routes.removeAll(keepingCapacity: true) }
        routes[peer] = route
    }

    /// Makes `PersistRecord`s durable (group commit, EngineDriver+Durability). Nil: state lives
    /// as long as the process.
    var committer: StateCommitter?
    /// What waits for the committer (EngineDriver+Durability).
    var durability = DurabilityQueue()

    /// Performs actions in order (Action: persist before the send that follows it). With a
    /// `committer`, records are handed to it as they come and every later action is held until
    /// they are on disk; a record that cannot be written drops the rest of its list
    /// (EngineDriver+Durability).
    func perform(_ actions: [Action], fromISAKMP: Bool = false) {
        durability.steps += 1
        let step = durability.steps
        for action in actions {
            if case .persist(let record) = action, let committer {
                submit(record, to: committer, step: step, fromISAKMP: fromISAKMP)
                continue
            }
            if durability.isWaiting {
                let held = DurabilityQueue.Held(after: durability.submitted, step: step, action: action, fromISAKMP: fromISAKMP)
                durability.held.append(held)
                continue
            }
            execute(action, fromISAKMP: fromISAKMP)
        }
        if !handingOff { handOffRekeys() }
        if let afterStep, let engine { afterStep(engine) }
    }

    /// Hands what the step left for the other engine across (`rekeyHandoff`), engine actions first:
    /// the state change is persisted (the GCKS's record) before a push carries it.
    private func handOffRekeys() {
        guard let rekeyHandoff, !stopped, var current = engine, var keyServer = isakmpEngine else { return }
        handingOff = true
        defer { handingOff = false }
        engine = nil
        isakmpEngine = nil
        let (engineActions, isakmpActions) = rekeyHandoff(&current, &keyServer, clock())
        engine = current
        isakmpEngine = keyServer
        if !engineActions.isEmpty { perform(engineActions) }
        if !isakmpActions.isEmpty { perform(isakmpActions, fromISAKMP: true) }
    }

    func fire(_ id: TimerID) {
        timers[id] = nil
        guard !stopped else { return }
        let now = clock()
        if isakmpTimers.contains(id) {
            perform(isakmpEngine?.tick(now: now) ?? [], fromISAKMP: true)
        } else {
            perform(engine?.tick(now: now) ?? [])
        }
    }

    /// Calls `tick` every `interval` besides the timers the engine asks for. Engines check every
    /// deadline in `tick` (EngineCore.TimerID), and a GCKS holds deadlines it schedules no timer
    /// for (the end of a registration SA's lifetime), so a periodic tick keeps them honest.
    func startHousekeeping(every interval: TimeAmount) {
        eventLoop.preconditionInEventLoop()
        housekeeping?.cancel()
        housekeeping = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            guard !stopped else { return }
            let now = clock()
            perform(engine?.tick(now: now) ?? [])
            if isakmpEngine != nil { perform(isakmpEngine?.tick(now: now) ?? [], fromISAKMP: true) }
        }
    }

    /// Lets the control socket act on the engine (ControlService): `body` changes it in place and
    /// returns a result and actions, performed like the engine's own. Nil when no engine runs.
    func operate<Result>(_ body: (inout Engine, EngineTime) throws(ControlFailure) -> (Result, [Action])) throws(ControlFailure) -> Result? {
        eventLoop.preconditionInEventLoop()
        guard !stopped, var current = engine else { return nil }
        engine = nil  // `current` is then the only reference and mutates without a copy
        let outcome: (Result, [Action])
        do { outcome = try body(&current, clock()) } catch {
            engine = current
            throw error
        }
        engine = current
        perform(outcome.1)
        return outcome.0
    }

    /// Cancels every timer; later datagrams and timers are ignored.
    func stop() {
        eventLoop.preconditionInEventLoop()
        stopped = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        housekeeping?.cancel()
        housekeeping = nil
        for stream in streams.values { stream.close(promise: nil) }
        streams.removeAll()
        afterStep = nil
    }
}

extension EngineCore.LogEvent.Level {
    var swiftLogLevel: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        }
    }
}

/// Hands a datagram channel's reads to the driver.
final class EngineDatagramHandler<Engine: DatagramEngine & Sendable>: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let driver: EngineDriver<Engine>
    private let port: ListeningPort

    init(driver: EngineDriver<Engine>, port: ListeningPort) {
        self.driver = driver
        self.port = port
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.receive(unwrapInboundIn(data), on: context.channel, port: port)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket reports ICMP unreachable and the like as errors; they end nothing.
        driver.logger.debug("socket error", metadata: ["code": "GW-SOCKET-ERROR", "error": "\(error)"])
    }
}
