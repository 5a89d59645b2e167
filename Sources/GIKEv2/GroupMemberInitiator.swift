import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// The GM side of G-IKEv2 registration (RFC 9838 §2.3; RFC 7296) as a pure state machine:
/// `start` sends IKE_SA_INIT, `handle` takes the GCKS's answers, `tick` retransmits with backoff.
/// Everything received is checked before it is believed; what the member then holds is in
/// `holdings`.
public struct GroupMemberInitiator: Sendable {
    public let configuration: GroupMemberConfiguration
    let random: any RandomSource
    var state: State = .idle
    var pending: PendingRequest?
    let spiInitiator: UInt64
    /// Number of IKE_SA_INIT restarts (COOKIE, INVALID_KE_PAYLOAD) so far; bounded so a hostile
    /// responder cannot keep us looping.
    var restarts = 0
    static let maximumRestarts = 4
    static let retransmitTimer = TimerID("gm-retransmit")
    /// Keeps the group's keys current from GSA_REKEY once registered (GroupMemberInitiator+Rekey).
    var rekeyReceiver: GroupRekeyReceiver?

    enum State: Sendable {
        case idle
        case initiating(InitContext)
        case authenticating(AuthContext)
        case registered(RegisteredContext)
        case failed(GIKEv2Error)
    }

    struct InitContext: Sendable {
        var nonce: [UInt8]
        var keyExchange: KeyExchangePrivateKey
        var cookie: [UInt8]?
        var request: [UInt8]
    }

    struct AuthContext: Sendable {
        var spiResponder: UInt64
        var suite: NegotiatedSuite
        var keys: IKESAKeys
        var initRequest: [UInt8]
        var initResponse: [UInt8]
        var nonceInitiator: [UInt8]
        var nonceResponder: [UInt8]
        /// The GSA_AUTH request as sent: one datagram, or its fragments (RFC 7383 §2.5).
        var request: [[UInt8]]
        /// Both ends announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).
        var fragmentation: Bool
        /// SKF fragments of the response received so far (RFC 7383 §2.6).
        var fragments = FragmentCollector()
    }

    /// A registered member keeps its IKE SA until the GCKS closes it (RFC 9838 §2.3.3), to answer
    /// the GCKS's INFORMATIONAL requests and to check liveness.
    struct RegisteredContext: Sendable {
        var holdings: GroupMemberHoldings
        var spiResponder: UInt64
        var keys: IKESAKeys
        /// Our requests on the SA continue after GSA_AUTH (Message ID 1) (RFC 7296 §2.3).
        var requests = RequestWindow(firstMessageID: 2)
        /// The GCKS's requests are numbered from 0 in its own direction.
        var responses = ResponderWindow(firstMessageID: 0)
        var cache = ResponderRetransmitCache()
        /// False once the GCKS deleted the IKE SA; the group SAs stay (RFC 9838 §2.3.3).
        var ikeSAOpen = true
        /// Groups joined later with GSA_REGISTRATION (RFC 9838 §2.3.2).
        var additionalGroups: [GroupMemberHoldings] = []
        var pendingRegistration: PendingRegistration?
        var fragmentation: Bool
        var lastRegistrationError: GIKEv2Error?
    }

    /// A GSA_REGISTRATION request in flight.
    struct PendingRegistration: Sendable {
        var messageID: UInt32
        var groupID: IdentificationPayload
        var senderIDsRequested: UInt32?
        var fragments = FragmentCollector()
    }

    public init(configuration: GroupMemberConfiguration, random: any RandomSource) throws {
        self.configuration = configuration
        self.random = random
        var spi: UInt64 = 0
        while spi == 0 { spi = try random.integer(UInt64.self) }  // "MUST NOT be zero" (RFC 7296 §3.1)
        spiInitiator = spi
    }

    /// What the member holds once registered.
    public var holdings: GroupMemberHoldings? {
        if case .registered(let context) = state { return context.holdings }
        return nil
    }

    /// Why registration failed, once it has.
    public var failure: GIKEv2Error? {
        if case .failed(let error) = state { return error }
        return nil
    }

    /// Every group held: the one GSA_AUTH joined, then those joined with GSA_REGISTRATION.
    public var allHoldings: [GroupMemberHoldings] {
        if case .registered(let context) = state { return [context.holdings] + context.additionalGroups }
        return []
    }

    /// Why the last GSA_REGISTRATION did not add a group, if it did not.
    public var lastRegistrationError: GIKEv2Error? {
        if case .registered(let context) = state { return context.lastRegistrationError }
        return nil
    }

    /// Whether `checkLiveness` or `register(group:)` may be called now: registered, the IKE SA
    /// open, and no request of ours outstanding (window size 1, RFC 7296 §2.3).
    public var canSendRequest: Bool {
        if case .registered(let context) = state { return context.ikeSAOpen && pending == nil }
        return false
    }

    /// Whether the registration IKE SA is still up (the GCKS has not deleted it, and it answers).
    public var isIKESAOpen: Bool {
        if case .registered(let context) = state { return context.ikeSAOpen }
        return false
    }

    public var isFinished: Bool {
        switch state {
        case .registered, .failed: return true
        case .idle, .initiating, .authenticating: return false
        }
    }

    /// Sends the first IKE_SA_INIT. Calling it twice is a caller bug.
    public mutating func start(now: EngineTime) -> [Action] {
        guard case .idle = state else { preconditionFailure("start(now:) is called once") }
        do {
            let method = try AlgorithmRegistry.keyExchange(number: configuration.proposals[0].keyExchange)
            let context = try makeInitRequest(nonce: random.bytes(configuration.nonceLength),
                                              keyExchange: KeyExchangeSecret.make(method, random: random), cookie: nil)
            state = .initiating(context)
            return send(context.request, now: now)
                + [.log(LogEvent(.info, "GM-INIT-SENT", "IKE_SA_INIT to \(configuration.server)"))]
        } catch {
            return fail(.crypto("could not build IKE_SA_INIT: \(error)"))
        }
    }

    /// One datagram from the GCKS.
    public mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action] {
        let header: IKEv2Header
        do {
            var reader = WireReader(bytes: datagram, context: "IKEv2 header")
            header = try IKEv2Header.read(from: &reader)
        } catch {
            return ignore("not an IKEv2 message: \(error)")
        }
        if header.exchangeType == IKEv2ExchangeType.gsaRekey { return handleRekey(datagram, now: now) }
        guard peer == configuration.server, header.initiatorSPI == spiInitiator, !header.isInitiator else {
            return ignore("datagram from \(peer) is not for our IKE SA")
        }
        if case .registered(let context) = state {
            return handleOnRegisteredSA(datagram, header: header, context: context, now: now)
        }
        // Before registration only responses to our requests arrive (RFC 7296 §2.1, §3.1: the I
        // flag is clear in the responder's messages).
        guard header.isResponse else { return ignore("request from \(peer) before registration") }
        switch state {
        case .initiating(let context):
            guard header.exchangeType == IKEv2ExchangeType.ikeSAInit, header.messageID == 0 else {
                return ignore("expected the IKE_SA_INIT response")
            }
            return handleSAInitResponse(datagram, header: header, context: context, now: now)
        case .authenticating(let context):
            guard header.exchangeType == IKEv2ExchangeType.gsaAuth, header.messageID == 1,
                  header.responderSPI == context.spiResponder else {
                return ignore("expected the GSA_AUTH response")
            }
            return handleGSAAuthResponse(datagram, context: context, now: now)
        case .idle, .registered, .failed:
            return ignore("no request outstanding")
        }
    }

    /// Retransmits the outstanding request when its time has come, or gives up (RFC 7296 §2.1).
    public mutating func tick(now: EngineTime) -> [Action] {
        tickRekeyReceiver(now: now) + tickRequest(now: now)
    }

    mutating func tickRequest(now: EngineTime) -> [Action] {
        guard var request = pending else { return [] }
        switch request.tick(now: now) {
        case .wait:
            pending = request
            return [.scheduleTimer(Self.retransmitTimer, at: request.deadline)]
        case .resend:
            pending = request
            return request.datagrams.map { .send(datagram: $0, to: request.destination) }
                + [.scheduleTimer(Self.retransmitTimer, at: request.deadline),
                   .log(LogEvent(.debug, "GM-RETRANSMIT", "retransmission \(request.attempt) to \(request.destination)"))]
        case .gaveUp:
            guard case .registered(var context) = state else { return fail(.timedOut) }
            // An unanswered liveness check: the GCKS is gone, the group SAs stay (RFC 9838 §2.3.3).
            context.ikeSAOpen = false
            state = .registered(context)
            pending = nil
            return [.cancelTimer(Self.retransmitTimer),
                    .log(LogEvent(.warning, "GM-GCKS-UNREACHABLE", "the GCKS did not answer the liveness check"))]
        }
    }

    mutating func send(_ datagram: [UInt8], now: EngineTime) -> [Action] { send([datagram], now: now) }

    /// Sends a request (whole, or all its fragments) and starts its retransmission schedule.
    mutating func send(_ datagrams: [[UInt8]], now: EngineTime) -> [Action] {
        let request = PendingRequest(datagrams: datagrams, destination: configuration.server, sentAt: now,
                                     schedule: configuration.retransmission)
        pending = request
        return datagrams.map { .send(datagram: $0, to: configuration.server) } + [.scheduleTimer(Self.retransmitTimer, at: request.deadline)]
    }

    /// Protects one of our requests, in fragments when negotiated and needed (RFC 7383 §2.5).
    func sealRequest(_ payloads: [IKEv2Payload], header: IKEv2Header, keys: IKESAKeys, fragmentation: Bool) throws -> [[UInt8]] {
        try MessageFragmentation.seal(payloads, header: header, protection: keys.initiatorProtection, fragment: fragmentation,
                                      limit: MessageFragmentation.limit(configured: configuration.maximumMessageSize,
                                                                        peer: configuration.server),
                                      random: random)
    }

    mutating func fail(_ error: GIKEv2Error) -> [Action] {
        state = .failed(error)
        pending = nil
        return [.cancelTimer(Self.retransmitTimer), .log(LogEvent(.error, "GM-REGISTRATION-FAILED", "\(error)"))]
    }

    func ignore(_ reason: String) -> [Action] {
        [.log(LogEvent(.warning, "GM-IGNORED", reason))]
    }
}
