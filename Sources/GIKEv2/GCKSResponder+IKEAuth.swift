import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

extension IKEv2NotifyType {
    /// CHILDLESS_IKEV2_SUPPORTED (RFC 6023 §3; IANA IKEv2 Notify Message Status Types).
    public static let childlessIKEv2Supported: UInt16 = 16418
}

extension GCKSResponder {
    /// IKE_AUTH (RFC 7296 §1.2) from a plain IKEv2 initiator such as strongSwan. A GCKS delivers
    /// group keys only through GSA_AUTH (RFC 9838 §2.3), and serves no IKEv2 Child SAs, so it
    /// answers as an IKEv2 responder with no Child SA to offer:
    /// - AUTH verifies under the PSK (or the member trust anchors) of a served group: SK{IDr,
    ///   AUTH} when the request was childless (RFC 6023 §3), or SK{IDr, AUTH, N(NO_PROPOSAL_CHOSEN)}
    ///   when it asked for a Child SA: "the IKE SA is still created", the notify saying why no
    ///   Child SA was (RFC 7296 §1.2, §2.21.2). The IKE SA then serves INFORMATIONAL only: no IDg,
    ///   so no group; no key is ever sent on it, so no authorization list is consulted.
    /// - otherwise SK{N(AUTHENTICATION_FAILED)} (RFC 7296 §2.21.2).
    /// strongSwan parses either answer and logs it, which proves the SK keys and ICV agree.
    mutating func handleIKEAuth(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard var session = sessions[header.responderSPI], session.spiInitiator == header.initiatorSPI else {
            return drop("IKE_AUTH from \(peer) for an unknown IKE SA")
        }
        let inner: [IKEv2Payload], cacheKey: [UInt8]
        switch takeAuthRequest(datagram, header: header, session: &session, peer: peer, name: "IKE_AUTH",
                               alreadyDone: "is already authenticated") {
        case .opened(let payloads, let key): (inner, cacheKey) = (payloads, key)
        case .finished(let actions): return actions
        }
        let request = GSAAuthRequest(inner)
        let asksForChildSA = inner.contains { $0.type == IKEv2PayloadType.securityAssociation }
        var payloads: [IKEv2Payload]
        let log: LogEvent
        if let credential = authenticatePlainPeer(request, session: session, now: now),
           let proof = try? responderProof(session: session, credential: credential) {
            payloads = proof
            if asksForChildSA { payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.noProposalChosen))) }
            session.state = .plainIKE(member: request.memberDescription)
            log = LogEvent(.info, "GCKS-IKE-AUTH", "\(peer) \(request.memberDescription): IKE SA authenticated by IKE_AUTH; "
                           + (asksForChildSA ? "Child SA refused (NO_PROPOSAL_CHOSEN)" : "childless (RFC 6023)")
                           + "; no group joined (G-IKEv2 registers with GSA_AUTH)")
        } else {
            payloads = [.notify(NotifyPayload(messageType: IKEv2NotifyType.authenticationFailed))]
            session.state = .refused(notify: IKEv2NotifyType.authenticationFailed)
            log = LogEvent(.warning, "GCKS-IKE-AUTH-REFUSED", "\(peer) \(request.memberDescription): IKE_AUTH does not verify")
        }
        session.window.markProcessed(header.messageID)
        halfOpenCount -= 1  // the SA left awaitingAuth, whatever the outcome
        let responseHeader = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                         exchangeType: IKEv2ExchangeType.ikeAuth, flags: IKEv2Header.responseFlag,
                                         messageID: header.messageID)
        do {
            let response = try seal(payloads, header: responseHeader, session: session)
            session.cache.store(messageID: header.messageID, request: cacheKey, response: response)
            sessions[header.responderSPI] = session
            return [.log(log)] + response.map { .send(datagram: $0, to: peer) } + [.cancelTimer(Self.halfOpenTimer(session.spiResponder))]
        } catch {
            session.state = .refused(notify: IKEv2NotifyType.authenticationFailed)
            sessions[header.responderSPI] = session
            return [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "could not protect the IKE_AUTH response to \(peer): \(error)"))]
        }
    }

    /// The credential of the first served group under which the initiator's AUTH verifies (RFC
    /// 7296 §2.15): without IDg there is no group to name the key, so each group's PSK, or its
    /// member trust anchors for a signature, is tried. Nil when none does.
    func authenticatePlainPeer(_ request: GSAAuthRequest, session: ResponderSession, now: EngineTime) -> MemberCredential? {
        guard let identity = request.identity, let auth = request.auth,
              let octets = try? PSKAuthentication.signedOctets(prf: session.keys.prf, realMessage: session.initRequest,
                                                               peerNonce: session.nonceResponder, identityKey: session.keys.skPi,
                                                               identity: identity) else { return nil }
        for group in directory.snapshot {
            switch auth.method {
            case AuthenticationPayload.sharedKeyMIC:
                if let psk = group.secrets.preSharedKey,
                   (try? PSKAuthentication.verify(auth.data, prf: session.keys.prf, sharedSecret: psk, signedOctets: octets)) == true {
                    return .preSharedKey(psk)
                }
            case AuthenticationPayload.digitalSignature:
                guard let trust = group.secrets.memberTrustAnchors, configuration.credential != nil,
                      let leaf = try? SignatureAuthentication.verify(auth, certificates: request.certificates, identity: identity,
                                                                     octets: octets, trust: trust, at: now.date),
                      let chain = try? request.certificates.map({ try Certificate(der: $0.data) }) else { continue }
                return .certificates(chain, subject: leaf.subject)
            default:
                return nil
            }
        }
        return nil
    }
}
