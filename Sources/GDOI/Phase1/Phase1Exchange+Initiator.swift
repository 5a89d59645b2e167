import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// The initiator's side of Main Mode and Aggressive Mode (RFC 2409 §5; flows drawn beside the
/// responder's side).
extension Phase1Exchange {
    /// Builds message 1. Aggressive Mode sends its KE in message 1, so it offers only the suites
    /// of the first usable proposal's group.
    static func initiate(mode: Phase1Mode, to peer: EndpointAddress, configuration: Phase1Configuration,
                         random: any RandomSource, now: EngineTime) throws -> (Phase1Exchange, [UInt8]) {
        var offered = configuration.usableProposals
        guard let first = offered.first else { throw GDOIError.noProposalChosen("no usable phase-1 proposal configured") }
        if mode == .aggressive { offered = offered.filter { $0.group == first.group && $0.authentication == first.authentication } }
        var cookie = try random.bytes(8)
        while cookie.allSatisfy({ $0 == 0 }) { cookie = try random.bytes(8) }
        var exchange = Phase1Exchange(role: .initiator, mode: mode, cookieInitiator: cookie, cookieResponder: [UInt8](repeating: 0, count: 8),
                                      peer: peer, createdAt: now, state: mode == .main ? .sentSA : .sentAggressive,
                                      doi: configuration.doi)
        exchange.offered = offered
        let offer = Phase1ProposalSelection.offer(offered, doi: configuration.doi)
        exchange.saInitiatorBody = Array(try ISAKMPMessage.serializePayloads([.securityAssociation(offer)]).dropFirst(4))
        var vendorPayloads: [ISAKMPPayload] = []
        if configuration.natTraversal { vendorPayloads.append(.vendorID(data: NATTraversal.vendorID)) }
        vendorPayloads.append(.vendorID(data: NATTraversal.dpdVendorID))
        var payloads: [ISAKMPPayload] = [.securityAssociation(offer)]
        if mode == .aggressive {
            exchange.proposal = first
            try exchange.generateOurHalf(method: try exchange.keyExchangeMethod(first), configuration: configuration, random: random)
            exchange.identityInitiatorBody = try identityBody(configuration.localIdentity(for: first))
            payloads += [.keyExchange(data: exchange.publicValueInitiator), .nonce(data: exchange.nonceInitiator),
                         .identification(configuration.localIdentity(for: first))]
            if first.authentication == .rsaSignature {
                payloads.append(.certificateRequest(ISAKMPCertificate(encoding: CertificateEncoding.x509Signature, data: [])))
            }
        }
        payloads += vendorPayloads
        let datagram = try ISAKMPMessage(header: exchange.header(), payloads: payloads).serializedBytes()
        exchange.pending = PendingRequest(datagrams: [datagram], destination: peer, sentAt: now, schedule: configuration.retransmission)
        return (exchange, datagram)
    }

    /// An answer from the responder. Returns the next request (if any) and the SA when it is up.
    mutating func receiveAnswer(_ message: ISAKMPMessage, datagram: [UInt8], configuration: Phase1Configuration,
                                random: any RandomSource, now: EngineTime) throws -> Phase1Outcome {
        var outcome: Phase1Outcome
        switch state {
        case .sentSA: outcome = try answerSA(message, configuration: configuration, random: random)
        case .sentKeyExchange: outcome = try answerKeyExchange(message, configuration: configuration, now: now)
        case .sentIdentity: outcome = try finishMainMode(message, configuration: configuration, now: now)
        case .sentAggressive: outcome = try finishAggressiveMode(message, datagram: datagram, configuration: configuration, now: now)
        default: throw GDOIError.unexpectedMessage("answer in state \(state)")
        }
        if let next = outcome.send.first, outcome.established == nil {
            pending = PendingRequest(datagrams: [next], destination: peer, sentAt: now, schedule: configuration.retransmission)
        } else {
            pending = nil
        }
        return outcome
    }

    /// Main Mode message 2 -> 3.
    private mutating func answerSA(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                   random: any RandomSource) throws -> Phase1Outcome {
        try Self.checkRules(message.header, message.payloads, message.payloadOffsets, message: 2)
        guard message.header.responderCookie != 0 else { throw GDOIError.malformed("Main Mode message 2 without a responder cookie") }
        guard case .securityAssociation(let answer)? = message.payloads.first(where: {
            if case .securityAssociation = $0 { return true } else { return false }
        }) else { throw GDOIError.malformed("SA missing") }
        let chosen = try Phase1ProposalSelection.accept(answer, offered: offered)
        proposal = chosen
        cookieResponder = message.header.responderCookie.bigEndianOctets
        let vendorIDs = Self.vendorIDs(message.payloads)
        peerSupportsNATTraversal = configuration.natTraversal && vendorIDs.contains(NATTraversal.vendorID)
        peerSupportsDPD = vendorIDs.contains(NATTraversal.dpdVendorID)
        var outcome = Phase1Outcome()
        if chosen.isLegacy {
            outcome.logs.append(LogEvent(.warning, "GDOI-LEGACY-SUITE", "legacy phase-1 suite \(chosen) with \(peer)"))
        }
        try generateOurHalf(method: try keyExchangeMethod(chosen), configuration: configuration, random: random)
        var payloads: [ISAKMPPayload] = [.keyExchange(data: publicValueInitiator), .nonce(data: nonceInitiator)]
        if chosen.authentication == .rsaSignature {
            payloads.append(.certificateRequest(ISAKMPCertificate(encoding: CertificateEncoding.x509Signature, data: [])))
        }
        if peerSupportsNATTraversal { payloads += try natDiscoveryPayloads(localEndpoint: configuration.localEndpoint) }
        outcome.send = [try ISAKMPMessage(header: header(), payloads: payloads).serializedBytes()]
        state = .sentKeyExchange
        return outcome
    }

    /// Main Mode message 4 -> 5.
    private mutating func answerKeyExchange(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                            now: EngineTime) throws -> Phase1Outcome {
        guard !message.header.isEncrypted else { throw GDOIError.unexpectedMessage("Main Mode message 4 is never encrypted") }
        try Self.checkRules(message.header, message.payloads, message.payloadOffsets, message: 4)
        guard let proposal else { throw GDOIError.internal("no suite") }
        let (ke, nonce) = try Self.keyExchangeAndNonce(message.payloads, method: try keyExchangeMethod(proposal))
        publicValueResponder = ke
        nonceResponder = nonce
        let psk = proposal.authentication == .preSharedKey ? configuration.credentials.preSharedKey(forAddress: peer.addressOctets) : nil
        try deriveKeys(secret: try secret(preSharedKey: psk))
        var outcome = Phase1Outcome()
        outcome.logs += try checkNATDiscovery(message.payloads, localEndpoint: configuration.localEndpoint)
        outcome.logs += floatIfBehindNAT(configuration)
        let ourIdentity = configuration.localIdentity(for: proposal)
        var payloads: [ISAKMPPayload] = [.identification(ourIdentity)]
        payloads += try authenticationPayloads(identityBody: try Self.identityBody(ourIdentity), configuration: configuration)
        payloads += initialContact(configuration)
        guard let material else { throw GDOIError.internal("no keys") }
        let sealed = try material.protection.seal(header: header(), payloads: payloads, iv: iv)
        iv = sealed.lastBlock
        outcome.send = [sealed.datagram]
        state = .sentIdentity
        return outcome
    }

    /// Main Mode message 6: the SA is established.
    private mutating func finishMainMode(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                         now: EngineTime) throws -> Phase1Outcome {
        guard let material else { throw GDOIError.internal("no keys") }
        let opened = try material.protection.open(message, iv: iv)
        try Self.checkRules(message.header, opened.payloads, opened.offsets, message: 6)
        guard let (idIndex, identity) = Self.identification(opened.payloads), let idBody = opened.body(idIndex) else {
            throw GDOIError.malformed("ID missing")
        }
        try verifyPeerAuthentication(opened.payloads, identity: identity, identityBody: idBody, configuration: configuration, now: now)
        iv = opened.lastBlock
        lastPhase1Block = opened.lastBlock
        state = .established
        var outcome = Phase1Outcome()
        outcome.established = try establishedSA(configuration: configuration, now: now)
        return outcome
    }

    /// Aggressive Mode message 2 -> 3: the SA is established once message 3 is sent.
    private mutating func finishAggressiveMode(_ message: ISAKMPMessage, datagram: [UInt8], configuration: Phase1Configuration,
                                               now: EngineTime) throws -> Phase1Outcome {
        try Self.checkRules(message.header, message.payloads, message.payloadOffsets, message: 2)
        guard message.header.responderCookie != 0 else { throw GDOIError.malformed("Aggressive Mode message 2 without a responder cookie") }
        guard case .securityAssociation(let answer)? = message.payloads.first(where: {
            if case .securityAssociation = $0 { return true } else { return false }
        }) else { throw GDOIError.malformed("SA missing") }
        let chosen = try Phase1ProposalSelection.accept(answer, offered: offered)
        proposal = chosen
        cookieResponder = message.header.responderCookie.bigEndianOctets
        let (ke, nonce) = try Self.keyExchangeAndNonce(message.payloads, method: try keyExchangeMethod(chosen))
        publicValueResponder = ke
        nonceResponder = nonce
        guard let (idIndex, identity) = Self.identification(message.payloads),
              let idBody = RawPayloads.body(in: datagram, at: message.payloadOffsets[idIndex]) else {
            throw GDOIError.malformed("ID missing")
        }
        let vendorIDs = Self.vendorIDs(message.payloads)
        peerSupportsNATTraversal = configuration.natTraversal && vendorIDs.contains(NATTraversal.vendorID)
        peerSupportsDPD = vendorIDs.contains(NATTraversal.dpdVendorID)
        let psk = chosen.authentication == .preSharedKey ? configuration.credentials.preSharedKey(forIdentity: identity.data) : nil
        try deriveKeys(secret: try secret(preSharedKey: psk))
        try verifyPeerAuthentication(message.payloads, identity: identity, identityBody: idBody, configuration: configuration, now: now)
        var outcome = Phase1Outcome()
        outcome.logs += try checkNATDiscovery(message.payloads, localEndpoint: configuration.localEndpoint)
        var payloads = try authenticationPayloads(identityBody: identityInitiatorBody, configuration: configuration)
        if peerSupportsNATTraversal { payloads += try natDiscoveryPayloads(localEndpoint: configuration.localEndpoint) }
        payloads += initialContact(configuration)
        // Message 3 in the clear (RFC 2409 §5); phase-2 IVs then start from the phase-1 IV (App. B).
        outcome.send = [try ISAKMPMessage(header: header(), payloads: payloads).serializedBytes()]
        guard let material else { throw GDOIError.internal("no keys") }
        lastPhase1Block = material.initialIV
        iv = material.initialIV
        // Message 3 goes to the NAT-T port when there is a NAT (RFC 3947 §4); its NAT-D payloads
        // above name the addresses message 2 travelled between.
        outcome.logs += floatIfBehindNAT(configuration)
        state = .established
        outcome.established = try establishedSA(configuration: configuration, now: now)
        return outcome
    }

    /// RFC 3947 §4: with a NAT between us the initiator moves to the NAT-T port for the rest of the
    /// exchange (and everything under the SA), framing its messages with the non-ESP marker.
    private mutating func floatIfBehindNAT(_ configuration: Phase1Configuration) -> [LogEvent] {
        guard natDetected, peerSupportsNATTraversal, let port = configuration.natTraversalPort, peer.port != port else { return [] }
        let from = peer
        peer = EndpointAddress(addressOctets: peer.addressOctets, port: port)
        return [LogEvent(.info, "GDOI-NAT-FLOAT", "NAT detected: phase 1 with \(from) continues on port \(port) (RFC 3947 §4)")]
    }

    /// N(INITIAL-CONTACT) about this SA: IPsec DOI, Protocol ISAKMP, SPI = the cookies (RFC 2407 §4.6.3.3).
    private func initialContact(_ configuration: Phase1Configuration) -> [ISAKMPPayload] {
        guard configuration.sendInitialContact else { return [] }
        return [.notification(ISAKMPNotification(doi: ISAKMPDOI.ipsec, protocolID: ISAKMPInformational.protocolISAKMP,
                                                 messageType: initialContactNotify, spi: cookieInitiator + cookieResponder))]
    }
}
