import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

/// The GCKS side of G-IKEv2 registration (RFC 9838 §2.3; RFC 7296): answers IKE_SA_INIT and
/// GSA_AUTH as a pure state machine. Group keys come from the shared `GroupDirectory`, never
/// from state private to this engine.
public struct GCKSResponder: Sendable {
    public let configuration: GCKSConfiguration
    let directory: GroupDirectory
    let random: any RandomSource
    /// Registration IKE SAs by our SPI (the responder SPI).
    var sessions: [UInt64: ResponderSession] = [:]
    /// Half-open SAs by the initiator's SPI and address, to recognise a retransmitted IKE_SA_INIT
    /// (RFC 7296 §2.1).
    var sessionByInitiator: [InitiatorKey: UInt64] = [:]
    /// Secret for stateless cookies (RFC 7296 §2.6).
    let cookieSecret: SecretBytes
    public internal(set) var statistics = GCKSStatistics()
    /// GSA_INBAND_REKEY requests awaiting the member's answer, and those queued behind them, by
    /// our SPI (GCKSResponder+InbandRekey).
    var inbandRekeys: [UInt64: InbandRekeyQueue] = [:]
    /// GSA_REKEY datagrams still to be repeated (multicast is not acknowledged).
    var rekeyRepeats: [RekeyRepeat] = []
    /// Every rekey made since the caller last took them, with the group as it stood after them, so
    /// the same rekeys reach the group's GDOI members too (`takePerformedRekeys`).
    var performedRekeys: [PerformedRekeys] = []

    struct InitiatorKey: Hashable, Sendable {
        var spi: UInt64
        var peer: EndpointAddress
    }

    public init(configuration: GCKSConfiguration, directory: GroupDirectory, random: any RandomSource) throws {
        self.configuration = configuration
        self.directory = directory
        self.random = random
        cookieSecret = try random.secret(32)
    }

    /// The key agreement the transport made for the datagram being handled, if any
    /// (`handle(datagram:from:now:prepared:)`); nil outside that call.
    var preparedKeyExchange: PreparedKeyExchange?

    /// Registration SAs currently held (half-open and established).
    public var sessionCount: Int { sessions.count }
    /// IKE SAs waiting for their GSA_AUTH, kept as a count so the COOKIE decision of every
    /// IKE_SA_INIT costs nothing (RFC 7296 §2.6).
    public internal(set) var halfOpenCount = 0

    /// One datagram from `peer` (an IKE message without non-ESP marker).
    public mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action] {
        statistics.datagramsReceived += 1
        let header: IKEv2Header
        do {
            var reader = WireReader(bytes: datagram, context: "IKEv2 header")
            header = try IKEv2Header.read(from: &reader)
        } catch WireError.unsupportedVersion(_, let major, _) where major > 2 {
            return answerUnsupportedVersion(datagram, peer: peer, major: major)
        } catch {
            return drop("not an IKEv2 message from \(peer): \(error)")
        }
        if header.isResponse, header.exchangeType == IKEv2ExchangeType.gsaInbandRekey {
            return handleInbandRekeyResponse(datagram, header: header, peer: peer, now: now)
        }
        // Otherwise we only answer requests (RFC 7296 §2.1).
        guard !header.isResponse, header.isInitiator else {
            return drop("\(IKEv2ExchangeRules.exchangeName(header.exchangeType)) from \(peer) is not an initiator's request")
        }
        switch header.exchangeType {
        case IKEv2ExchangeType.ikeSAInit:
            return handleSAInit(datagram, header: header, peer: peer, now: now)
        case IKEv2ExchangeType.gsaAuth:
            return handleGSAAuth(datagram, header: header, peer: peer, now: now)
        case IKEv2ExchangeType.ikeAuth:
            return handleIKEAuth(datagram, header: header, peer: peer, now: now)
        case IKEv2ExchangeType.informational:
            return handleInformational(datagram, header: header, peer: peer, now: now)
        case IKEv2ExchangeType.gsaRegistration:
            return handleGSARegistration(datagram, header: header, peer: peer, now: now)
        default:
            return drop("exchange \(IKEv2ExchangeRules.exchangeName(header.exchangeType)) from \(peer) is not handled yet")
        }
    }

    /// `handle` for an IKE_SA_INIT request whose key agreement the transport already made on
    /// another thread (PreparedKeyExchange). It is used only if the engine answers the request
    /// with that method and peer value; everything else goes exactly as in `handle`.
    public mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime,
                                prepared: PreparedKeyExchange?) -> [Action] {
        preparedKeyExchange = prepared
        defer { preparedKeyExchange = nil }
        return handle(datagram: datagram, from: peer, now: now)
    }

    /// Whether an IKE_SA_INIT arriving now, with `pending` more on their way, would have to carry a
    /// cookie (RFC 7296 §2.6). The transport makes no key agreement ahead for such requests: the
    /// cookie exists so that no Diffie-Hellman work is done for an initiator that has not shown
    /// it receives at its address.
    public func demandsCookie(pending: Int = 0) -> Bool {
        halfOpenCount + pending >= configuration.cookieThreshold
    }

    /// Whether `handle` would make a key agreement for this datagram: a new IKE_SA_INIT request
    /// (not one already answered for this SPI and address), no cookie demanded, a proposal the
    /// served groups accept, a KE payload in the chosen method and a long enough nonce (the
    /// checks handleSAInit makes before its Diffie-Hellman work). The transport prepares an
    /// agreement only then, so a request that would be refused, or a replay, costs no more than
    /// before (no DH for an INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN or COOKIE answer).
    public func wouldMakeKeyAgreement(forRequest datagram: [UInt8], from peer: EndpointAddress, pending: Int = 0) -> Bool {
        guard PreparedKeyExchange.isNewSAInitRequest(datagram), !demandsCookie(pending: pending),
              let message = try? IKEv2Message.parse(datagram),
              sessionByInitiator[InitiatorKey(spi: message.header.initiatorSPI, peer: peer)] == nil else { return false }
        var offered: SecurityAssociationPayload?, keyExchange: KeyExchangePayload?, nonce: [UInt8] = []
        for payload in message.payloads {
            switch payload {
            case .securityAssociation(let sa): offered = sa
            case .keyExchange(let ke): keyExchange = ke
            case .nonce(let n): nonce = n.data
            default: break
            }
        }
        guard let offered, let keyExchange, let (chosen, _) = select(from: offered), keyExchange.group == chosen.keyExchangeID,
              let prf = try? chosen.prf else { return false }
        return nonce.count >= max(IKEv2Limits.minimumNonceLength, prf.outputLength / 2)
    }

    /// Expires half-open SAs and closes registration SAs past their lifetime.
    public mutating func tick(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        // Only the expired SAs are sorted (for a stable order of actions), not every SA held.
        let shortest = min(configuration.registrationSALifetimeMilliseconds, configuration.halfOpenLifetimeMilliseconds)
        var inbandGroups: Set<String>?
        let expired = sessions.filter { _, session in
            let age = now.milliseconds(since: session.createdAt)
            guard age >= shortest else { return false }
            guard session.isEstablished else { return age >= configuration.halfOpenLifetimeMilliseconds }
            guard age >= configuration.registrationSALifetimeMilliseconds else { return false }
            // An SA that carries in-band rekeys stays until its own, longer, lifetime (RFC 9838 §2.4.2).
            if case .registered(let groups, _) = session.state {
                if inbandGroups == nil { inbandGroups = inbandRekeyedGroups() }
                if groups.contains(where: { inbandGroups?.contains($0) == true }) {
                    return age >= configuration.inbandRegistrationSALifetimeMilliseconds
                }
            }
            return true
        }
        for (spi, session) in expired.sorted(by: { $0.key < $1.key }) {
            if session.isAuthenticated {
                actions += closeRegistrationSA(session)
            } else {
                removeSession(spi)
                actions.append(.log(LogEvent(.debug, "GCKS-SA-EXPIRED", "registration IKE SA with \(session.peer) expired")))
            }
        }
        actions += tickInbandRekeys(now: now) + tickRekeyRepeats(now: now)
        if configuration.scheduledRekeys { actions += performDueRekeys(now: now) }
        return actions
    }

    /// Groups whose rekeys travel as GSA_INBAND_REKEY over the registration SAs.
    private func inbandRekeyedGroups() -> Set<String> {
        Set(directory.snapshot.filter { $0.definition.rekey?.transport == .unicast }.map(\.name))
    }

    mutating func removeSession(_ spi: UInt64) {
        guard let session = sessions.removeValue(forKey: spi) else { return }
        if !session.isEstablished { halfOpenCount -= 1 }
        sessionByInitiator[InitiatorKey(spi: session.spiInitiator, peer: session.peer)] = nil
    }

    /// INVALID_MAJOR_VERSION, unprotected, with our highest version in the header (RFC 7296
    /// §1.5, §2.5), for a request of a later major version; anything else is dropped.
    mutating func answerUnsupportedVersion(_ datagram: [UInt8], peer: EndpointAddress, major: UInt8) -> [Action] {
        guard datagram.count >= 28, datagram[19] & IKEv2Header.responseFlag == 0 else {
            return drop("version \(major) message from \(peer) is not a request")
        }
        statistics.datagramsDropped += 1
        let spiInitiator = Array(datagram[0..<8]).bigEndianValue, spiResponder = Array(datagram[8..<16]).bigEndianValue
        let messageID = UInt32(Array(datagram[20..<24]).bigEndianValue)
        let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: spiResponder, exchangeType: datagram[18],
                                 flags: IKEv2Header.responseFlag, messageID: messageID)
        guard let answer = try? IKEv2Message(header: header, payloads: [
            .notify(NotifyPayload(messageType: IKEv2NotifyType.invalidMajorVersion)),
        ]).serializedBytes() else { return [] }
        return [.send(datagram: answer, to: peer),
                .log(LogEvent(.info, "GCKS-VERSION", "answered INVALID_MAJOR_VERSION to a version \(major) request from \(peer)"))]
    }

    mutating func drop(_ reason: String) -> [Action] {
        statistics.datagramsDropped += 1
        return [.log(LogEvent(.warning, "GCKS-DROPPED", reason))]
    }
}

/// One registration IKE SA on the GCKS.
struct ResponderSession: Sendable {
    let spiInitiator: UInt64
    let spiResponder: UInt64
    let peer: EndpointAddress
    let createdAt: EngineTime
    let suite: NegotiatedSuite
    let keys: IKESAKeys
    /// RealMessage1 and RealMessage2 of RFC 7296 §2.15, and the nonces.
    let initRequest: [UInt8]
    let initResponse: [UInt8]
    let nonceInitiator: [UInt8]
    let nonceResponder: [UInt8]
    /// The member sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).
    let fragmentationSupported: Bool
    var window = ResponderWindow(firstMessageID: 1)
    /// Our own requests on the SA (the closing Delete), numbered from 0 (RFC 7296 §2.2).
    var requests = RequestWindow()
    var cache = ResponderRetransmitCache()
    /// The identity GSA_AUTH authenticated and what proved it, for GSA_REGISTRATION.
    var memberIdentity: IdentificationPayload?
    var memberCredential: MemberCredential?
    /// A fragmented request being reassembled (RFC 7383 §2.6).
    var requestFragments = RequestFragments()
    var state: State

    enum State: Sendable {
        /// IKE_SA_INIT answered; waiting for GSA_AUTH.
        case awaitingAuth
        /// GSA_AUTH answered with the group's policy and keys; later GSA_REGISTRATIONs add groups.
        case registered(groups: [String], member: String)
        /// GSA_AUTH answered with an error; only retransmissions are answered.
        case refused(notify: UInt16)
        /// A plain IKEv2 IKE_AUTH authenticated the peer; no group, no Child SA: only
        /// INFORMATIONAL is served on it (GCKSResponder+IKEAuth.swift).
        case plainIKE(member: String)
    }

    var isEstablished: Bool {
        switch state {
        case .awaitingAuth: return false
        case .registered, .refused, .plainIKE: return true
        }
    }

    /// Both ends authenticated: INFORMATIONAL is served, and the GCKS closes the SA at its end of life.
    var isAuthenticated: Bool {
        switch state {
        case .registered, .plainIKE: return true
        case .awaitingAuth, .refused: return false
        }
    }
}
