import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// What the initiator does after IKE_SA_INIT.
public enum InitiatorMode: Sendable, Equatable {
    /// G-IKEv2 registration: KWA offered in IKE_SA_INIT, then GSA_AUTH (RFC 9838 §2.3).
    case groupRegistration
    /// A plain IKEv2 IKE SA: no KWA offered, N(CHILDLESS_IKEV2_SUPPORTED) announced, then IKE_AUTH
    /// without SA, TSi or TSr (RFC 6023 §3). Used to check our IKEv2 core against an independent
    /// responder (strongSwan) and to drive one as a benchmark target.
    case childlessIKEAuth

    /// The exchange that authenticates.
    var authExchange: UInt8 { self == .groupRegistration ? IKEv2ExchangeType.gsaAuth : IKEv2ExchangeType.ikeAuth }

    /// A KWA must come back in G-IKEv2 (one we offered, RFC 9838 §4.5.4); none may in childless
    /// mode, as none was offered (RFC 7296 §3.3.6).
    func accepts(keyWrap: UInt16?, offered: [UInt16]) -> Bool {
        switch self {
        case .groupRegistration: return keyWrap.map(offered.contains) ?? false
        case .childlessIKEAuth: return keyWrap == nil
        }
    }
}

/// The IKE SA a childless IKE_AUTH established: both ends authenticated, no Child SA.
public struct ChildlessIKESA: Sendable, Equatable {
    public var spiInitiator: UInt64
    public var spiResponder: UInt64
    /// IDr as the responder sent it, its AUTH verified.
    public var responderIdentity: IdentificationPayload
    /// The AUTH method the responder used (RFC 7296 §3.8: 2 PSK, 14 RFC 7427 signature).
    public var responderAuthMethod: UInt8
    /// Transform IDs of the IKE SA: ENCR, Key Length, INTEG (nil with AEAD), PRF, KE.
    public var encryption: UInt16
    public var keyBits: UInt16?
    public var integrity: UInt16?
    public var prf: UInt16
    public var keyExchange: UInt16
}

extension GroupMemberInitiator {
    /// The IKE SA, once a childless IKE_AUTH completed.
    public var childlessIKESA: ChildlessIKESA? {
        if case .ikeSAEstablished(let sa) = state { return sa }
        return nil
    }

    /// IKE_SA_INIT notifications of the childless mode: CHILDLESS_IKEV2_SUPPORTED (RFC 6023 §3)
    /// and, with a certificate, SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4: SHA2-256, -384, -512), so
    /// the responder may sign by RFC 7427, the one signature method we verify.
    func childlessAnnouncements() -> [IKEv2Payload] {
        var payloads: [IKEv2Payload] = [.notify(NotifyPayload(messageType: IKEv2NotifyType.childlessIKEv2Supported))]
        if configuration.credential != nil || configuration.trustAnchors != nil {
            payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.signatureHashAlgorithms, data: [0, 2, 0, 3, 0, 4])))
        }
        return payloads
    }

    /// IKE_AUTH request without a Child SA (RFC 6023 §3; RFC 7296 §1.2): SK{IDi, [CERT,] AUTH},
    /// AUTH computed exactly as for GSA_AUTH (RFC 7296 §2.15).
    func makeChildlessIKEAuthRequest(_ context: AuthContext) throws -> [[UInt8]] {
        let inner = try identityAndAuthentication(context)
        let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: context.spiResponder,
                                 exchangeType: IKEv2ExchangeType.ikeAuth, flags: IKEv2Header.initiatorFlag, messageID: 1)
        return try sealRequest(inner, header: header, keys: context.keys, fragmentation: context.fragmentation)
    }

    /// IKE_AUTH response: SK{IDr, [CERT,] AUTH, [N]}. The AUTH must verify; an error notify (or a
    /// Child SA we did not ask for) ends the attempt.
    mutating func processChildlessIKEAuthResponse(_ inner: [IKEv2Payload], context: AuthContext, now: EngineTime) -> [Action] {
        var responderID: IdentificationPayload?
        var auth: AuthenticationPayload?
        var certificates: [CertificatePayload] = []
        var notifies: [NotifyPayload] = []
        var childSA = false
        for payload in inner {
            switch payload {
            case .identificationResponder(let id): responderID = id
            case .authentication(let a): auth = a
            case .certificate(let c): certificates.append(c)
            case .notify(let n): notifies.append(n)
            case .securityAssociation, .trafficSelectorInitiator, .trafficSelectorResponder: childSA = true
            default: break
            }
        }
        guard let auth, let responderID else {
            if let error = notifies.first(where: \.isError) { return fail(.peerRefused(notify: error.messageType)) }
            return fail(.unexpectedMessage("IKE_AUTH response without IDr and AUTH"))
        }
        guard verifyResponderAuth(auth, responderID: responderID, certificates: certificates, context: context, now: now) else {
            return fail(.authenticationFailed)
        }
        if let error = notifies.first(where: \.isError) { return fail(.peerRefused(notify: error.messageType)) }
        guard !childSA else { return fail(.unexpectedMessage("IKE_AUTH response carries a Child SA we did not ask for")) }
        let suite = context.suite
        state = .ikeSAEstablished(ChildlessIKESA(spiInitiator: spiInitiator, spiResponder: context.spiResponder,
                                                 responderIdentity: responderID, responderAuthMethod: auth.method,
                                                 encryption: suite.encryptionID, keyBits: suite.keyBits, integrity: suite.integrityID,
                                                 prf: suite.prfID, keyExchange: suite.keyExchangeID))
        pending = nil
        return [.cancelTimer(Self.retransmitTimer),
                .log(LogEvent(.info, "GM-IKE-SA-ESTABLISHED", "childless IKE SA with \(configuration.server) established (RFC 6023)"))]
    }
}
