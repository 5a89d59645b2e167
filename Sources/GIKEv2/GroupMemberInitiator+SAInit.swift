import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GroupMemberInitiator {
    /// IKE_SA_INIT request (RFC 7296 §1.2): HDR, [N(COOKIE),] SAi1, KEi, Ni, N(NAT_DETECTION_*),
    /// N(IKEV2_FRAGMENTATION_SUPPORTED). Each proposal carries the KWA transforms (RFC 9838 §4.5.4).
    func makeInitRequest(nonce: [UInt8], keyExchange: KeyExchangePrivateKey, cookie: [UInt8]?) throws -> InitContext {
        typealias T = IKEv2TransformTypeNumber
        let proposals = configuration.proposals.enumerated().map { index, offer in
            var transforms = [IKEv2Transform(type: T.encryption, id: offer.encryption,
                                             attributes: offer.keyBits.map { [.tv(IKEv2TransformAttributeType.keyLength, $0)] } ?? [])]
            transforms.append(IKEv2Transform(type: T.pseudorandomFunction, id: offer.prf))
            if let integrity = offer.integrity { transforms.append(IKEv2Transform(type: T.integrity, id: integrity)) }
            transforms.append(IKEv2Transform(type: T.keyExchange, id: offer.keyExchange))
            // A plain IKEv2 responder refuses a proposal with a transform type it does not know
            // (RFC 7296 §3.3.6), so the childless mode leaves the KWA out.
            if configuration.mode == .groupRegistration {
                transforms += configuration.keyWraps.map { IKEv2Transform(type: T.keyWrapAlgorithm, id: $0) }
            }
            return IKEv2Proposal(number: UInt8(index + 1), protocolID: IKEv2ProtocolID.ike, transforms: transforms)
        }
        var payloads: [IKEv2Payload] = []
        // The COOKIE goes first (RFC 7296 §2.6).
        if let cookie { payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.cookie, data: cookie))) }
        payloads += [
            .securityAssociation(SecurityAssociationPayload(proposals: proposals)),
            .keyExchange(KeyExchangePayload(group: UInt16(keyExchange.method.id.rawValue), data: keyExchange.publicValue)),
            .nonce(NoncePayload(data: nonce)),
        ]
        let local = configuration.localEndpoint, server = configuration.server
        payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.natDetectionSourceIP,
                                              data: try NATDetection.hash(spiInitiator: spiInitiator, spiResponder: 0,
                                                                          address: local.addressOctets, port: local.port))))
        payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.natDetectionDestinationIP,
                                              data: try NATDetection.hash(spiInitiator: spiInitiator, spiResponder: 0,
                                                                          address: server.addressOctets, port: server.port))))
        if configuration.announceFragmentation {
            payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.ikev2FragmentationSupported)))
        }
        if configuration.mode == .childlessIKEAuth { payloads += childlessAnnouncements() }
        let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: 0, exchangeType: IKEv2ExchangeType.ikeSAInit,
                                 flags: IKEv2Header.initiatorFlag, messageID: 0)
        let request = try IKEv2Message(header: header, payloads: payloads).serializedBytes()
        return InitContext(nonce: nonce, keyExchange: keyExchange, cookie: cookie, request: request)
    }

    mutating func handleSAInitResponse(_ datagram: [UInt8], header: IKEv2Header, context: InitContext, now: EngineTime) -> [Action] {
        let message: IKEv2Message
        do {
            message = try IKEv2Message.parse(datagram)
            try message.checkClearRules()
        } catch {
            return ignore("malformed IKE_SA_INIT response: \(error)")
        }
        var chosen: SecurityAssociationPayload?
        var keyExchange: KeyExchangePayload?
        var nonce: [UInt8]?
        var notifies: [NotifyPayload] = []
        for payload in message.payloads {
            switch payload {
            case .securityAssociation(let sa): chosen = sa
            case .keyExchange(let ke): keyExchange = ke
            case .nonce(let n): nonce = n.data
            case .notify(let n): notifies.append(n)
            default: break
            }
        }
        guard let chosen, let keyExchange, let nonce else {
            return handleSAInitNotifications(notifies, context: context, now: now)
        }
        // The answer must be exactly one of our proposals, reduced to one transform per type
        // (RFC 7296 §2.7, §3.3.6), with a KWA we offered (RFC 9838 §4.5.4).
        guard chosen.proposals.count == 1, let suite = NegotiatedSuite.fromChosen(chosen.proposals[0]),
              configuration.proposals.contains(where: { $0.encryption == suite.encryptionID && $0.keyBits == suite.keyBits
                                                          && $0.integrity == suite.integrityID && $0.prf == suite.prfID
                                                          && $0.keyExchange == suite.keyExchangeID }),
              configuration.mode.accepts(keyWrap: suite.keyWrapID, offered: configuration.keyWraps), suite.isUsable else {
            return fail(.noProposalChosen("the GCKS chose a proposal we did not offer"))
        }
        guard keyExchange.group == suite.keyExchangeID, UInt16(context.keyExchange.method.id.rawValue) == suite.keyExchangeID,
              header.responderSPI != 0 else {
            return fail(.unexpectedMessage("IKE_SA_INIT response with a KE group or SPI that does not match"))
        }
        do {
            let prf = try suite.prf
            guard nonce.count >= max(IKEv2Limits.minimumNonceLength, prf.outputLength / 2) else {
                return fail(.unexpectedMessage("responder nonce of \(nonce.count) octets is too short (RFC 7296 §2.10)"))
            }
            let shared = try context.keyExchange.sharedSecret(peerPublicValue: keyExchange.data)
            let keys = try IKESAKeys(suite: suite, sharedSecret: shared, nonceInitiator: context.nonce, nonceResponder: nonce,
                                     spiInitiator: spiInitiator, spiResponder: header.responderSPI)
            let fragmentation = configuration.announceFragmentation
                && notifies.contains { $0.messageType == IKEv2NotifyType.ikev2FragmentationSupported }
            var auth = AuthContext(spiResponder: header.responderSPI, suite: suite, keys: keys, initRequest: context.request,
                                   initResponse: datagram, nonceInitiator: context.nonce, nonceResponder: nonce, request: [],
                                   fragmentation: fragmentation)
            if configuration.mode == .childlessIKEAuth {
                // RFC 6023 §3: IKE_AUTH without a Child SA only to a responder that said it takes one.
                guard notifies.contains(where: { $0.messageType == IKEv2NotifyType.childlessIKEv2Supported }) else {
                    return fail(.unexpectedMessage("the responder did not announce CHILDLESS_IKEV2_SUPPORTED (RFC 6023 §3)"))
                }
                auth.request = try makeChildlessIKEAuthRequest(auth)
            } else {
                auth.request = try makeGSAAuthRequest(auth)
            }
            state = .authenticating(auth)
            let next = IKEv2ExchangeRules.exchangeName(configuration.mode.authExchange)
            return [.log(LogEvent(.info, "GM-INIT-DONE", "IKE SA keys agreed with \(configuration.server); sending \(next)"))]
                + send(auth.request, now: now)
        } catch {
            return fail(.crypto("IKE_SA_INIT response: \(error)"))
        }
    }

    /// A response of notifications only: COOKIE and INVALID_KE_PAYLOAD restart IKE_SA_INIT
    /// (RFC 7296 §2.6, §1.2); an error notification ends the attempt.
    mutating func handleSAInitNotifications(_ notifies: [NotifyPayload], context: InitContext, now: EngineTime) -> [Action] {
        if let cookie = notifies.first(where: { $0.messageType == IKEv2NotifyType.cookie }) {
            // RFC 7296 §2.6: 1 to 64 octets.
            guard (1...64).contains(cookie.data.count), restarts < Self.maximumRestarts else {
                return fail(.unexpectedMessage("unusable COOKIE"))
            }
            return restart(context: context, keyExchange: context.keyExchange, cookie: cookie.data, now: now, why: "COOKIE")
        }
        if let invalidKE = notifies.first(where: { $0.messageType == IKEv2NotifyType.invalidKEPayload }) {
            guard invalidKE.data.count == 2, restarts < Self.maximumRestarts else {
                return fail(.unexpectedMessage("malformed INVALID_KE_PAYLOAD"))
            }
            let group = UInt16(invalidKE.data[0]) << 8 | UInt16(invalidKE.data[1])
            // Only a group we offered, and not the one we already sent (RFC 7296 §1.2).
            guard configuration.proposals.contains(where: { $0.keyExchange == group }),
                  group != UInt16(context.keyExchange.method.id.rawValue) else {
                return fail(.noProposalChosen("INVALID_KE_PAYLOAD asks for group \(group), which we did not offer"))
            }
            do {
                let method = try AlgorithmRegistry.keyExchange(number: group)
                return restart(context: context, keyExchange: try KeyExchangeSecret.make(method, random: random),
                               cookie: context.cookie, now: now, why: "INVALID_KE_PAYLOAD (group \(group))")
            } catch {
                return fail(.crypto("key exchange \(group): \(error)"))
            }
        }
        if let error = notifies.first(where: \.isError) {
            return fail(.peerRefused(notify: error.messageType))
        }
        return ignore("IKE_SA_INIT response without SA, KE and nonce")
    }

    mutating func restart(context: InitContext, keyExchange: KeyExchangePrivateKey, cookie: [UInt8]?, now: EngineTime,
                          why: String) -> [Action] {
        restarts += 1
        do {
            let next = try makeInitRequest(nonce: context.nonce, keyExchange: keyExchange, cookie: cookie)
            state = .initiating(next)
            return [.log(LogEvent(.info, "GM-INIT-RETRY", "IKE_SA_INIT again after \(why)"))] + send(next.request, now: now)
        } catch {
            return fail(.crypto("could not rebuild IKE_SA_INIT: \(error)"))
        }
    }
}
