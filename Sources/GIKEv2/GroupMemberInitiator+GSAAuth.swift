import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GroupMemberInitiator {
    /// GSA_AUTH request (RFC 9838 Fig. 3): HDR, SK{IDi, [CERT,] AUTH, IDg, [SAg,] [N(GROUP_SENDER)]}.
    func makeGSAAuthRequest(_ context: AuthContext) throws -> [[UInt8]] {
        var inner = try identityAndAuthentication(context)
        inner.append(.groupIdentification(configuration.groupID))
        if let acceptable = configuration.acceptable { inner.append(.securityAssociation(Self.groupProposals(acceptable))) }
        if let count = configuration.senderIDsRequested { inner.append(.notify(.groupSender(count: count))) }
        let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: context.spiResponder,
                                 exchangeType: IKEv2ExchangeType.gsaAuth, flags: IKEv2Header.initiatorFlag, messageID: 1)
        return try sealRequest(inner, header: header, keys: context.keys, fragmentation: context.fragmentation)
    }

    /// IDi, [CERT,] AUTH: the start of GSA_AUTH and of a childless IKE_AUTH alike. AUTH signs
    /// RealMessage1 | Nr | prf(SK_pi, IDi body) (RFC 7296 §2.15), by certificate (RFC 7427) when
    /// we have one, else by PSK.
    func identityAndAuthentication(_ context: AuthContext) throws -> [IKEv2Payload] {
        let octets = try PSKAuthentication.signedOctets(prf: context.keys.prf, realMessage: context.initRequest,
                                                        peerNonce: context.nonceResponder, identityKey: context.keys.skPi,
                                                        identity: configuration.identity)
        var inner: [IKEv2Payload] = [.identificationInitiator(configuration.identity)]
        if let credential = configuration.credential {
            let (certificates, auth) = try SignatureAuthentication.sign(octets, with: credential)
            inner += certificates + [.authentication(auth)]
        } else if let psk = configuration.preSharedKey {
            let auth = try PSKAuthentication.compute(prf: context.keys.prf, sharedSecret: psk, signedOctets: octets)
            inner.append(.authentication(AuthenticationPayload(method: AuthenticationPayload.sharedKeyMIC, data: auth)))
        }
        return inner
    }

    /// SAg (RFC 9838 §4.3): one ESP proposal and one GIKE_UPDATE proposal with the same number
    /// (a dependent set), SPI Size 0, listing what we accept, including the KWAs (§4.5.4).
    static func groupProposals(_ acceptable: AcceptableGroupPolicy) -> SecurityAssociationPayload {
        typealias T = IKEv2TransformTypeNumber
        let encryption = acceptable.encryption.map {
            IKEv2Transform(type: T.encryption, id: $0.id, attributes: $0.keyBits.map { [.tv(IKEv2TransformAttributeType.keyLength, $0)] } ?? [])
        }
        let integrity = acceptable.integrity.map { IKEv2Transform(type: T.integrity, id: $0) }
        let esp = IKEv2Proposal(number: 1, protocolID: IKEv2ProtocolID.esp,
                                transforms: encryption + integrity + [IKEv2Transform(type: T.sequenceNumbers, id: 0),
                                                                      IKEv2Transform(type: T.sequenceNumbers, id: 2)])
        let rekey = IKEv2Proposal(number: 1, protocolID: IKEv2ProtocolID.gikeUpdate,
                                  transforms: encryption + integrity + acceptable.keyWraps.map { IKEv2Transform(type: T.keyWrapAlgorithm, id: $0) })
        return SecurityAssociationPayload(proposals: [esp, rekey])
    }

    /// The responder's AUTH over RealMessage2 | Ni | prf(SK_pr, IDr body) (RFC 7296 §2.15), by
    /// the PSK or by a certificate path to our trust anchors (RFC 7427).
    func verifyResponderAuth(_ auth: AuthenticationPayload, responderID: IdentificationPayload,
                             certificates: [CertificatePayload], context: AuthContext, now: EngineTime) -> Bool {
        do {
            let octets = try PSKAuthentication.signedOctets(prf: context.keys.prf, realMessage: context.initResponse,
                                                            peerNonce: context.nonceInitiator, identityKey: context.keys.skPr,
                                                            identity: responderID)
            switch auth.method {
            case AuthenticationPayload.sharedKeyMIC:
                guard let psk = configuration.preSharedKey else { return false }
                return try PSKAuthentication.verify(auth.data, prf: context.keys.prf, sharedSecret: psk, signedOctets: octets)
            case AuthenticationPayload.digitalSignature:
                guard let trust = configuration.trustAnchors else { return false }
                _ = try SignatureAuthentication.verify(auth, certificates: certificates, identity: responderID, octets: octets,
                                                       trust: trust, at: now.date)
                return true
            default:
                return false
            }
        } catch {
            return false
        }
    }

    mutating func handleGSAAuthResponse(_ datagram: [UInt8], context: AuthContext, now: EngineTime) -> [Action] {
        var context = context
        let inner: [IKEv2Payload]
        do {
            guard let complete = try ProtectedResponse.open(datagram, protection: context.keys.responderProtection,
                                                            collector: &context.fragments) else {
                state = .authenticating(context)
                return [.log(LogEvent(.debug, "GM-FRAGMENT", "GSA_AUTH response fragment received"))]
            }
            inner = complete
        } catch {
            // RFC 7296 §2.21: a response that fails integrity is ignored; the retransmission
            // timer keeps running.
            return ignore("GSA_AUTH response rejected: \(error)")
        }
        if configuration.mode == .childlessIKEAuth { return processChildlessIKEAuthResponse(inner, context: context, now: now) }
        return processGSAAuthResponse(inner, context: context, now: now)
    }

    mutating func processGSAAuthResponse(_ inner: [IKEv2Payload], context: AuthContext, now: EngineTime) -> [Action] {
        var responderID: IdentificationPayload?
        var auth: AuthenticationPayload?
        var gsa: GroupSecurityAssociationPayload?
        var kd: KeyDownloadPayload?
        var notifies: [NotifyPayload] = []
        var certificates: [CertificatePayload] = []
        for payload in inner {
            switch payload {
            case .certificate(let c): certificates.append(c)
            case .identificationResponder(let id): responderID = id
            case .authentication(let a): auth = a
            case .groupSecurityAssociation(let g): gsa = g
            case .keyDownload(let k): kd = k
            case .notify(let n): notifies.append(n)
            default: break
            }
        }
        // The GCKS's AUTH, when present, is checked before anything it says is believed.
        if let auth, let responderID,
           !verifyResponderAuth(auth, responderID: responderID, certificates: certificates, context: context, now: now) {
            return fail(.authenticationFailed)
        }
        if let error = notifies.first(where: \.isError) { return fail(.peerRefused(notify: error.messageType)) }
        guard auth != nil, let gsa, let kd else { return fail(.unexpectedMessage("GSA_AUTH response without AUTH, GSA and KD")) }
        do {
            let holdings = try GroupPolicyAcceptance.accept(gsa: gsa, kd: kd, keys: context.keys, configuration: configuration,
                                                            transportMode: notifies.contains { $0.messageType == IKEv2NotifyType.useTransportMode })
            state = .registered(RegisteredContext(holdings: holdings, spiResponder: context.spiResponder, keys: context.keys,
                                                  fragmentation: context.fragmentation))
            pending = nil
            rekeyReceiver = GroupRekeyReceiver(holdings: holdings, configuration: configuration, now: now)
            return [.cancelTimer(Self.retransmitTimer)] + installActions(for: holdings, sender: configuration.senderIDsRequested != nil)
        } catch {
            return fail(error)
        }
    }

    /// Installs what a registration delivered: data-security SAs both ways for a sender and
    /// inbound only otherwise, the rekey SA always inbound (RFC 9838 §2.3.3).
    func installActions(for holdings: GroupMemberHoldings, sender: Bool) -> [Action] {
        var actions: [Action] = []
        let groupName = holdings.group.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        for sa in holdings.dataSecuritySAs {
            actions.append(.installSA(SAInstallation(
                reference: SAReference(group: groupName, kind: sa.protocolID == IKEv2ProtocolID.ah ? .ah : .esp, spi: sa.spi),
                direction: sender ? .both : .inbound, encryptionTransform: sa.encryption, encryptionKeyBits: sa.keyBits,
                integrityTransform: sa.integrity, keyMaterial: sa.keyMaterial, lifetimeSeconds: sa.lifetimeSeconds,
                selectorSummary: "\(sa.sourceSelector) -> \(sa.destinationSelector)")))
        }
        if let rekey = holdings.rekeySA {
            actions.append(.installSA(SAInstallation(
                reference: SAReference(group: groupName, kind: .rekey, spi: rekey.spi), direction: .inbound,
                encryptionTransform: rekey.encryption, encryptionKeyBits: rekey.keyBits, integrityTransform: rekey.integrity,
                keyMaterial: rekey.keyMaterial, lifetimeSeconds: rekey.lifetimeSeconds, selectorSummary: rekey.destinationSelector)))
        }
        actions.append(.log(LogEvent(.info, "GM-REGISTERED",
                                     "joined group \(groupName): \(holdings.dataSecuritySAs.count) data-security SA(s), rekey SA "
                                     + "\(holdings.rekeySA == nil ? "none" : "yes"), Sender-IDs \(holdings.senderIDs)")))
        return actions
    }
}
