import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// The responder's side of Main Mode and Aggressive Mode (RFC 2409 §5):
///
///     Main Mode                              Aggressive Mode
///     1  HDR, SA                   ->        1  HDR, SA, KE, Ni, IDii          ->
///     2       <- HDR, SA                     2       <- HDR, SA, KE, Nr, IDir, [CERT,] HASH_R|SIG_R
///     3  HDR, KE, Ni               ->        3  HDR[*], [CERT,] HASH_I|SIG_I   ->
///     4       <- HDR, KE, Nr
///     5  HDR*, IDii, [CERT,] HASH_I|SIG_I ->
///     6       <- HDR*, IDir, [CERT,] HASH_R|SIG_R
///
/// with the RFC 3947 vendor ID in 1/2 and NAT-D in 3/4 (Main) or 2/3 (Aggressive).
extension Phase1Exchange {
    /// A first message (responder cookie zero): Main Mode message 1 or Aggressive Mode message 1.
    static func respond(toFirst message: ISAKMPMessage, datagram: [UInt8], from peer: EndpointAddress,
                        configuration: Phase1Configuration, random: any RandomSource,
                        now: EngineTime) throws -> (Phase1Exchange, Phase1Outcome) {
        let mode: Phase1Mode = message.header.exchangeType == ISAKMPExchangeType.aggressive ? .aggressive : .main
        try Self.checkRules(message.header, message.payloads, message.payloadOffsets, message: 1)
        guard let saIndex = message.payloads.firstIndex(where: { if case .securityAssociation = $0 { return true } else { return false } }),
              case .securityAssociation(let offer) = message.payloads[saIndex],
              let saBody = RawPayloads.body(in: datagram, at: message.payloadOffsets[saIndex]) else {
            throw GDOIError.malformed("SA missing")
        }
        let selection = try Phase1ProposalSelection.select(from: offer, acceptable: configuration.usableProposals)
        var cookie = try random.bytes(8)
        while cookie.allSatisfy({ $0 == 0 }) { cookie = try random.bytes(8) }
        var exchange = Phase1Exchange(role: .responder, mode: mode, cookieInitiator: message.header.initiatorCookie.bigEndianOctets,
                                      cookieResponder: cookie, peer: peer, createdAt: now,
                                      state: mode == .main ? .answeredSA : .answeredAggressive, doi: offer.doi)
        exchange.firstPeer = peer
        exchange.proposal = selection.proposal
        exchange.saInitiatorBody = saBody
        let vendorIDs = vendorIDs(message.payloads)
        exchange.peerSupportsNATTraversal = configuration.natTraversal && vendorIDs.contains(NATTraversal.vendorID)
        exchange.peerSupportsDPD = vendorIDs.contains(NATTraversal.dpdVendorID)
        var outcome = Phase1Outcome()
        if selection.proposal.isLegacy {
            outcome.logs.append(LogEvent(.warning, "GDOI-LEGACY-SUITE", "legacy phase-1 suite \(selection.proposal) with \(peer)"))
        }
        var vendorPayloads: [ISAKMPPayload] = []
        if exchange.peerSupportsNATTraversal { vendorPayloads.append(.vendorID(data: NATTraversal.vendorID)) }
        if exchange.peerSupportsDPD { vendorPayloads.append(.vendorID(data: NATTraversal.dpdVendorID)) }

        let reply: [UInt8]
        switch mode {
        case .main:
            reply = try ISAKMPMessage(header: exchange.header(), payloads: [.securityAssociation(selection.reply)] + vendorPayloads)
                .serializedBytes()
        case .aggressive:
            reply = try exchange.aggressiveReply(to: message, datagram: datagram, selection: selection,
                                                 vendorPayloads: vendorPayloads, configuration: configuration, random: random)
        }
        exchange.lastRequest = datagram
        exchange.lastResponse = [reply]
        outcome.send = [reply]
        return (exchange, outcome)
    }

    /// Aggressive Mode message 2: everything at once, the PSK found by the initiator's ID.
    private mutating func aggressiveReply(to message: ISAKMPMessage, datagram: [UInt8], selection: Phase1Selection,
                                          vendorPayloads: [ISAKMPPayload], configuration: Phase1Configuration,
                                          random: any RandomSource) throws -> [UInt8] {
        let method = try keyExchangeMethod(selection.proposal)
        let (ke, nonce) = try Self.keyExchangeAndNonce(message.payloads, method: method)
        guard let (idIndex, identity) = Self.identification(message.payloads),
              let idBody = RawPayloads.body(in: datagram, at: message.payloadOffsets[idIndex]) else {
            throw GDOIError.malformed("ID missing")
        }
        publicValueInitiator = ke
        nonceInitiator = nonce
        identityInitiatorBody = idBody
        peerIdentity = identity
        peerRequestedCertificate = message.payloads.contains { if case .certificateRequest = $0 { return true } else { return false } }
        try generateOurHalf(method: method, configuration: configuration, random: random)
        if selection.proposal.authentication == .preSharedKey {
            preSharedKey = configuration.credentials.preSharedKey(forIdentity: identity.data)
        }
        try deriveKeys(secret: try secret(preSharedKey: preSharedKey))
        let ourIdentityBody = try Self.identityBody(configuration.localIdentity(for: proposal))
        var payloads: [ISAKMPPayload] = [.securityAssociation(selection.reply), .keyExchange(data: publicValueResponder),
                                         .nonce(data: nonceResponder), .identification(configuration.localIdentity(for: proposal))]
        payloads += try authenticationPayloads(identityBody: ourIdentityBody, configuration: configuration)
        payloads += vendorPayloads
        if peerSupportsNATTraversal { payloads += try natDiscoveryPayloads(localEndpoint: configuration.localEndpoint) }
        return try ISAKMPMessage(header: header(), payloads: payloads).serializedBytes()
    }

    func keyExchangeMethod(_ proposal: Phase1Proposal) throws -> KeyExchangeMethod {
        do { return try KeyExchangeMethod(proposal.group) } catch { throw GDOIError.noProposalChosen("group \(proposal.group.rawValue): \(error)") }
    }

    mutating func generateOurHalf(method: KeyExchangeMethod, configuration: Phase1Configuration,
                                          random: any RandomSource) throws {
        let key: KeyExchangePrivateKey
        do { key = try method.generate() } catch { throw GDOIError.crypto("\(error)") }
        localKey = key
        switch role {
        case .initiator:
            publicValueInitiator = key.publicValue
            nonceInitiator = try random.bytes(configuration.nonceLength)
        case .responder:
            publicValueResponder = key.publicValue
            nonceResponder = try random.bytes(configuration.nonceLength)
        }
    }

    /// A later message of an exchange we answer. Returns what to send; `established` is set when
    /// the SA is up.
    mutating func respond(to message: ISAKMPMessage, datagram: [UInt8], configuration: Phase1Configuration,
                          random: any RandomSource, now: EngineTime) throws -> Phase1Outcome {
        var outcome: Phase1Outcome
        switch state {
        case .answeredSA:
            outcome = try respondToKeyExchange(message, configuration: configuration, random: random)
        case .answeredKeyExchange:
            outcome = try respondToIdentity(message, configuration: configuration, now: now)
        case .answeredAggressive:
            outcome = try acceptAggressiveFinish(message, configuration: configuration, now: now)
        default:
            throw GDOIError.unexpectedMessage("\(GDOIExchangeRules.exchangeName(message.header.exchangeType)) message in state \(state)")
        }
        lastRequest = datagram
        if !outcome.send.isEmpty { lastResponse = outcome.send }
        return outcome
    }

    /// Main Mode message 3 -> 4.
    private mutating func respondToKeyExchange(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                               random: any RandomSource) throws -> Phase1Outcome {
        guard !message.header.isEncrypted else { throw GDOIError.unexpectedMessage("Main Mode message 3 is never encrypted") }
        try Self.checkRules(message.header, message.payloads, message.payloadOffsets, message: 3)
        guard let proposal else { throw GDOIError.internal("no suite") }
        let method = try keyExchangeMethod(proposal)
        let (ke, nonce) = try Self.keyExchangeAndNonce(message.payloads, method: method)
        publicValueInitiator = ke
        nonceInitiator = nonce
        peerRequestedCertificate = message.payloads.contains { if case .certificateRequest = $0 { return true } else { return false } }
        try generateOurHalf(method: method, configuration: configuration, random: random)
        // Main Mode PSK: only the address can choose the key here (RFC 2409 §5.4).
        if proposal.authentication == .preSharedKey {
            preSharedKey = configuration.credentials.preSharedKey(forAddress: peer.addressOctets)
        }
        try deriveKeys(secret: try secret(preSharedKey: preSharedKey))
        var outcome = Phase1Outcome()
        outcome.logs += try checkNATDiscovery(message.payloads, localEndpoint: configuration.localEndpoint)
        var payloads: [ISAKMPPayload] = [.keyExchange(data: publicValueResponder), .nonce(data: nonceResponder)]
        if proposal.authentication == .rsaSignature {
            payloads.append(.certificateRequest(ISAKMPCertificate(encoding: CertificateEncoding.x509Signature, data: [])))
        }
        let peerSentNATD = message.payloads.contains { if case .natDiscovery = $0 { return true } else { return false } }
        if peerSupportsNATTraversal && peerSentNATD {
            payloads += try natDiscoveryPayloads(localEndpoint: configuration.localEndpoint)
        }
        outcome.send = [try ISAKMPMessage(header: header(), payloads: payloads).serializedBytes()]
        state = .answeredKeyExchange
        return outcome
    }

    /// Main Mode message 5 -> 6: the SA is established.
    private mutating func respondToIdentity(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                            now: EngineTime) throws -> Phase1Outcome {
        guard let material else { throw GDOIError.internal("no keys") }
        let opened = try material.protection.open(message, iv: iv)
        try Self.checkRules(message.header, opened.payloads, opened.offsets, message: 5)
        guard let (idIndex, identity) = Self.identification(opened.payloads), let idBody = opened.body(idIndex) else {
            throw GDOIError.malformed("ID missing")
        }
        try verifyPeerAuthentication(opened.payloads, identity: identity, identityBody: idBody, configuration: configuration, now: now)
        let ourIdentity = configuration.localIdentity(for: proposal)
        var payloads: [ISAKMPPayload] = [.identification(ourIdentity)]
        payloads += try authenticationPayloads(identityBody: try Self.identityBody(ourIdentity), configuration: configuration)
        let sealed = try material.protection.seal(header: header(), payloads: payloads, iv: opened.lastBlock)
        iv = sealed.lastBlock
        lastPhase1Block = sealed.lastBlock
        state = .established
        var outcome = Phase1Outcome(send: [sealed.datagram])
        outcome.established = try establishedSA(configuration: configuration, now: now)
        outcome.initialContact = Phase1Outcome.hasInitialContact(opened.payloads)
        return outcome
    }

    /// Aggressive Mode message 3: the SA is established (no answer).
    private mutating func acceptAggressiveFinish(_ message: ISAKMPMessage, configuration: Phase1Configuration,
                                                 now: EngineTime) throws -> Phase1Outcome {
        guard let material, let identity = peerIdentity else { throw GDOIError.internal("no keys") }
        var payloads = message.payloads
        var offsets = message.payloadOffsets
        if message.header.isEncrypted {
            // Many implementations encrypt the third message (RFC 2409 §5 allows "HDR*").
            let opened = try material.protection.open(message, iv: iv)
            payloads = opened.payloads
            offsets = opened.offsets
            lastPhase1Block = opened.lastBlock
        } else {
            // Nothing was encrypted in phase 1: phase 2 IVs start from the phase-1 IV (App. B).
            lastPhase1Block = material.initialIV
        }
        try Self.checkRules(message.header, payloads, offsets, message: 3)
        try verifyPeerAuthentication(payloads, identity: identity, identityBody: identityInitiatorBody,
                                     configuration: configuration, now: now)
        var outcome = Phase1Outcome()
        outcome.logs += try checkNATDiscovery(payloads, localEndpoint: configuration.localEndpoint)
        iv = lastPhase1Block
        state = .established
        outcome.established = try establishedSA(configuration: configuration, now: now)
        outcome.initialContact = Phase1Outcome.hasInitialContact(payloads)
        return outcome
    }
}
