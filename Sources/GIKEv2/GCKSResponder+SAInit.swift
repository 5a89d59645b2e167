import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

extension GCKSResponder {
    /// IKE_SA_INIT request (RFC 7296 §1.2): HDR, SAi1, KEi, Ni [, N(COOKIE)] [, N(...)].
    mutating func handleSAInit(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress, now: EngineTime) -> [Action] {
        // A retransmission of a request we answered gets the same answer (RFC 7296 §2.1).
        // A late copy that arrives after GSA_AUTH is answered the same way; it never opens a
        // second SA under the same initiator SPI.
        if let spi = sessionByInitiator[InitiatorKey(spi: header.initiatorSPI, peer: peer)], let session = sessions[spi] {
            guard session.initRequest == datagram else { return drop("second, different IKE_SA_INIT for SPI in use from \(peer)") }
            statistics.retransmissionsAnswered += 1
            return [.send(datagram: session.initResponse, to: peer)]
        }
        guard header.responderSPI == 0, header.messageID == 0 else {
            return drop("IKE_SA_INIT from \(peer) with a responder SPI or non-zero Message ID (RFC 7296 §3.1)")
        }
        let message: IKEv2Message
        do {
            message = try IKEv2Message.parse(datagram)
            try message.checkClearRules()
        } catch WireError.unsupportedCriticalPayload(let type, _) {
            // RFC 7296 §2.5: refuse the message, naming the payload type in the notification data.
            statistics.datagramsDropped += 1
            return [.send(datagram: notifyOnly(header, NotifyPayload(messageType: IKEv2NotifyType.unsupportedCriticalPayload,
                                                                      data: [type])), to: peer)]
        } catch {
            return drop("IKE_SA_INIT from \(peer): \(error)")
        }
        var offered: SecurityAssociationPayload?
        var keyExchange: KeyExchangePayload?
        var nonce: [UInt8] = []
        var notifies: [NotifyPayload] = []
        for payload in message.payloads {
            switch payload {
            case .securityAssociation(let sa): offered = sa
            case .keyExchange(let ke): keyExchange = ke
            case .nonce(let n): nonce = n.data
            case .notify(let n): notifies.append(n)
            default: break
            }
        }
        guard let offered, let keyExchange else { return drop("IKE_SA_INIT from \(peer) lacks SA or KE") }

        // COOKIE under load (RFC 7296 §2.6): stateless until the initiator proves its address.
        if halfOpenCount >= configuration.cookieThreshold {
            let expected = cookie(nonce: nonce, peer: peer, spiInitiator: header.initiatorSPI)
            let presented = notifies.first { $0.messageType == IKEv2NotifyType.cookie }?.data
            guard let presented, ConstantTime.equal(presented, expected) else {
                statistics.cookiesDemanded += 1
                return [.send(datagram: notifyOnly(header, NotifyPayload(messageType: IKEv2NotifyType.cookie, data: expected)), to: peer),
                        .log(LogEvent(.info, "GCKS-COOKIE", "demanded a cookie from \(peer): \(halfOpenCount) half-open SAs"))]
            }
        }

        // Proposal selection from the groups' registration policies.
        guard let (chosen, number) = select(from: offered) else {
            statistics.registrationFailures += 1
            return [.send(datagram: notifyOnly(header, NotifyPayload(messageType: IKEv2NotifyType.noProposalChosen)), to: peer),
                    .log(LogEvent(.warning, "GCKS-NO-PROPOSAL", "IKE_SA_INIT from \(peer): no acceptable proposal"))]
        }
        // The KE must use the chosen group, else INVALID_KE_PAYLOAD names it (RFC 7296 §1.2, §3.10.1).
        guard keyExchange.group == chosen.keyExchangeID else {
            let group = chosen.keyExchangeID
            return [.send(datagram: notifyOnly(header, NotifyPayload(messageType: IKEv2NotifyType.invalidKEPayload,
                                                                      data: [UInt8(group >> 8), UInt8(group & 0xFF)])), to: peer),
                    .log(LogEvent(.info, "GCKS-INVALID-KE", "IKE_SA_INIT from \(peer) used KE \(keyExchange.group); asked for \(group)"))]
        }
        do {
            let prf = try chosen.prf
            // "at least half the key size of the negotiated prf" (RFC 7296 §2.10).
            guard nonce.count >= max(IKEv2Limits.minimumNonceLength, prf.outputLength / 2) else {
                return drop("IKE_SA_INIT from \(peer): nonce of \(nonce.count) octets is too short for \(prf)")
            }
            let method = try chosen.keyExchange
            let ours: KeyExchangePrivateKey, shared: SecretBytes
            if let prepared = preparedKeyExchange, prepared.methodID == method.id.rawValue,
               prepared.peerPublicValue == keyExchange.data {
                (ours, shared) = (prepared.privateKey, prepared.sharedSecret)  // made on a helper thread
            } else {
                ours = try KeyExchangeSecret.make(method, random: random)
                shared = try ours.sharedSecret(peerPublicValue: keyExchange.data)
            }
            var spiResponder: UInt64 = 0
            while spiResponder == 0 || sessions[spiResponder] != nil { spiResponder = try random.integer(UInt64.self) }
            let nonceResponder = try random.bytes(configuration.nonceLength)
            let keys = try IKESAKeys(suite: chosen, sharedSecret: shared, nonceInitiator: nonce, nonceResponder: nonceResponder,
                                     spiInitiator: header.initiatorSPI, spiResponder: spiResponder)
            if let ikeKeyLog = configuration.ikeKeyLog {
                ikeKeyLog(IKEKeyLogRecord(spiInitiator: header.initiatorSPI, spiResponder: spiResponder, skEi: keys.skEi,
                                          skEr: keys.skEr, skAi: keys.skAi, skAr: keys.skAr, encryptionID: chosen.encryptionID,
                                          keyBits: chosen.keyBits, integrityID: chosen.integrityID))
            }
            var log: [Action] = []
            if let natNote = checkNATDetection(notifies, header: header, peer: peer) { log.append(.log(natNote)) }
            var payloads: [IKEv2Payload] = [
                .securityAssociation(SecurityAssociationPayload(proposals: [chosen.proposal(number: number)])),
                .keyExchange(KeyExchangePayload(group: chosen.keyExchangeID, data: ours.publicValue)),
                .nonce(NoncePayload(data: nonceResponder)),
            ]
            let local = configuration.localEndpoint
            payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.natDetectionSourceIP,
                                                  data: try NATDetection.hash(spiInitiator: header.initiatorSPI, spiResponder: spiResponder,
                                                                              address: local.addressOctets, port: local.port))))
            payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.natDetectionDestinationIP,
                                                  data: try NATDetection.hash(spiInitiator: header.initiatorSPI, spiResponder: spiResponder,
                                                                              address: peer.addressOctets, port: peer.port))))
            // RFC 7383 §2.3: answer the initiator's IKEV2_FRAGMENTATION_SUPPORTED with our own.
            let fragmentation = notifies.contains { $0.messageType == IKEv2NotifyType.ikev2FragmentationSupported }
            if fragmentation {
                payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.ikev2FragmentationSupported)))
            }
            // RFC 6023 §3: a responder that takes IKE_AUTH without a Child SA says so. Said to a
            // plain IKEv2 peer (no KWA) or one that announced it too (strongSwan as initiator does
            // not), so G-IKEv2 answers keep their shape.
            if chosen.keyWrapID == nil || notifies.contains(where: { $0.messageType == IKEv2NotifyType.childlessIKEv2Supported }) {
                payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.childlessIKEv2Supported)))
            }
            let response = try IKEv2Message(header: IKEv2Header(initiatorSPI: header.initiatorSPI, responderSPI: spiResponder,
                                                                exchangeType: IKEv2ExchangeType.ikeSAInit,
                                                                flags: IKEv2Header.responseFlag, messageID: 0),
                                             payloads: payloads).serializedBytes()
            sessions[spiResponder] = ResponderSession(spiInitiator: header.initiatorSPI, spiResponder: spiResponder, peer: peer,
                                                      createdAt: now, suite: chosen, keys: keys, initRequest: datagram,
                                                      initResponse: response, nonceInitiator: nonce, nonceResponder: nonceResponder,
                                                      fragmentationSupported: fragmentation, state: .awaitingAuth)
            sessionByInitiator[InitiatorKey(spi: header.initiatorSPI, peer: peer)] = spiResponder
            halfOpenCount += 1
            return log + [.scheduleTimer(Self.halfOpenTimer(spiResponder),
                                         at: now.adding(milliseconds: configuration.halfOpenLifetimeMilliseconds)),
                          .send(datagram: response, to: peer)]
        } catch {
            return drop("IKE_SA_INIT from \(peer): \(error)")
        }
    }

    /// The first of the initiator's proposals (its preference order, RFC 7296 §2.7) that matches
    /// a registration proposal of some served group, with a key-wrap algorithm we implement.
    func select(from offered: SecurityAssociationPayload) -> (NegotiatedSuite, UInt8)? {
        typealias T = IKEv2TransformTypeNumber
        let allowed = directory.snapshot.flatMap { (try? PolicyNumbers.suites(of: $0)) ?? [] }
        for proposal in offered.proposals where proposal.protocolID == IKEv2ProtocolID.ike && proposal.spi.isEmpty {
            func has(_ type: UInt8, _ id: UInt16?, keyBits: UInt16? = nil) -> Bool {
                proposal.transforms.contains { $0.type == type && $0.id == id && (type != T.encryption || $0.keyLength == keyBits) }
            }
            let integrityOffered = proposal.transforms.contains { $0.type == T.integrity && $0.id != 0 }
            for suite in allowed {
                guard has(T.encryption, suite.transforms.encryption, keyBits: suite.transforms.keyBits),
                      has(T.pseudorandomFunction, suite.prf), has(T.keyExchange, suite.keyExchange) else { continue }
                if let integrity = suite.transforms.integrity {
                    guard has(T.integrity, integrity) else { continue }
                } else if integrityOffered && !has(T.integrity, 0) && !suite.transforms.isAEAD {
                    continue
                }
                // The KWA "MUST be negotiated in the IKE_SA_INIT exchange, so that the GCKS be able
                // to send encrypted keys to the GM in the GSA_AUTH exchange" (RFC 9838 §4.5.4; §2.1).
                // A proposal that carries KWA transforms needs one we implement. A proposal with no
                // KWA transform at all comes from a plain IKEv2 initiator (strongSwan): RFC 7296
                // §3.3.6 lets the responder answer only with transform types the initiator offered,
                // so the IKE SA is made without a KWA. Nothing on it can carry group keys: GSA_AUTH
                // is refused with NO_PROPOSAL_CHOSEN (acceptability(of:)), and IKE_AUTH is answered
                // as a responder serving no Child SAs (GCKSResponder+IKEAuth.swift).
                let offersKeyWrap = proposal.transforms.contains { $0.type == T.keyWrapAlgorithm }
                let kwa = NegotiatedSuite.implementedKeyWraps.first(where: { has(T.keyWrapAlgorithm, $0) })
                guard kwa != nil || !offersKeyWrap, let encryption = suite.transforms.encryption else { continue }
                let chosen = NegotiatedSuite(encryptionID: encryption, keyBits: suite.transforms.keyBits,
                                             integrityID: suite.transforms.integrity, prfID: suite.prf,
                                             keyExchangeID: suite.keyExchange, keyWrapID: kwa)
                if chosen.isUsable { return (chosen, proposal.number) }
            }
        }
        return nil
    }

    /// The timer that expires a half-open SA; cancelled once the SA is authenticated, so the
    /// transport does not keep one pending task per registration SA (nor run `tick` for each).
    static func halfOpenTimer(_ spiResponder: UInt64) -> TimerID { TimerID("gcks-halfopen-\(spiResponder)") }

    /// Cookie = SHA-256(Ni | IPi | SPIi | secret) (RFC 7296 §2.6, with the version prefix left
    /// out because the secret does not rotate yet).
    func cookie(nonce: [UInt8], peer: EndpointAddress, spiInitiator: UInt64) -> [UInt8] {
        (try? DigestAlgorithm.sha256.hash([nonce, peer.addressOctets, peer.portOctets, spiInitiator.bigEndianBytes, cookieSecret]))
            ?? []
    }

    /// A response of notifications only (errors, COOKIE, INVALID_KE_PAYLOAD): SPIr stays 0.
    func notifyOnly(_ request: IKEv2Header, _ notify: NotifyPayload) -> [UInt8] {
        let header = IKEv2Header(initiatorSPI: request.initiatorSPI, responderSPI: 0, exchangeType: request.exchangeType,
                                 flags: IKEv2Header.responseFlag, messageID: request.messageID)
        return (try? IKEv2Message(header: header, payloads: [.notify(notify)]).serializedBytes()) ?? []
    }

    /// Compares the initiator's NAT_DETECTION notifications with the addresses we see (RFC 7296
    /// §2.23). A mismatch is only logged: a registration works the same behind a NAT.
    func checkNATDetection(_ notifies: [NotifyPayload], header: IKEv2Header, peer: EndpointAddress) -> LogEvent? {
        let source = notifies.filter { $0.messageType == IKEv2NotifyType.natDetectionSourceIP }.map(\.data)
        let destination = notifies.first { $0.messageType == IKEv2NotifyType.natDetectionDestinationIP }?.data
        guard !source.isEmpty || destination != nil else { return nil }
        let local = configuration.localEndpoint
        let peerHash = try? NATDetection.hash(spiInitiator: header.initiatorSPI, spiResponder: 0,
                                              address: peer.addressOctets, port: peer.port)
        let localHash = try? NATDetection.hash(spiInitiator: header.initiatorSPI, spiResponder: 0,
                                               address: local.addressOctets, port: local.port)
        let peerBehindNAT = !source.contains { $0 == peerHash ?? [] }
        let usBehindNAT = destination != localHash
        guard peerBehindNAT || usBehindNAT else { return nil }
        return LogEvent(.info, "GCKS-NAT", "NAT detected between \(peer) and us (peer behind NAT: \(peerBehindNAT), us: \(usBehindNAT))")
    }
}
