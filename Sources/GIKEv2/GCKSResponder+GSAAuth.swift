import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

extension GCKSResponder {
    /// GSA_AUTH request (RFC 9838 §2.3.1, Fig. 3): HDR, SK{IDi, [CERT,] [CERTREQ,] [IDr,] AUTH,
    /// IDg, [SAg,] [N(GROUP_SENDER),] [N]}.
    mutating func handleGSAAuth(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard var session = sessions[header.responderSPI], session.spiInitiator == header.initiatorSPI else {
            return drop("GSA_AUTH from \(peer) for an unknown IKE SA")
        }
        let inner: [IKEv2Payload], cacheKey: [UInt8]
        switch takeAuthRequest(datagram, header: header, session: &session, peer: peer, name: "GSA_AUTH",
                               alreadyDone: "already registered") {
        case .opened(let payloads, let key): (inner, cacheKey) = (payloads, key)
        case .finished(let actions): return actions
        }
        let request = GSAAuthRequest(inner)
        let outcome = register(request, session: session, peer: peer, now: now)
        session.window.markProcessed(header.messageID)
        var actions: [Action] = []
        do {
            let responseHeader = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                             exchangeType: IKEv2ExchangeType.gsaAuth, flags: IKEv2Header.responseFlag,
                                             messageID: header.messageID)
            let response = try seal(outcome.payloads, header: responseHeader, session: session)
            session.cache.store(messageID: header.messageID, request: cacheKey, response: response)
            session.state = outcome.state
            session.memberIdentity = outcome.identity
            session.memberCredential = outcome.credential
            actions = outcome.persist.map { .persist($0) } + [.log(outcome.log)] + response.map { .send(datagram: $0, to: peer) }
        } catch {
            session.state = .refused(notify: IKEv2NotifyType.authenticationFailed)
            actions = [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "could not protect the GSA_AUTH response to \(peer): \(error)"))]
        }
        if case .registered = session.state { statistics.registrations += 1 } else { statistics.registrationFailures += 1 }
        halfOpenCount -= 1  // the SA left awaitingAuth, whatever the outcome
        sessions[header.responderSPI] = session
        return actions + [.cancelTimer(Self.halfOpenTimer(session.spiResponder))]
    }

    /// What one GSA_AUTH request decided: the inner payloads of the answer, the new state, what
    /// to persist and what to log.
    struct RegistrationOutcome {
        var payloads: [IKEv2Payload]
        var state: ResponderSession.State
        var persist: [PersistRecord]
        var log: LogEvent
        /// The authenticated identity and what proved it, kept for GSA_REGISTRATION.
        var identity: IdentificationPayload? = nil
        var credential: MemberCredential? = nil
    }

    /// The registration decision, in RFC order: find the group (its PSK or trust anchors
    /// authenticate), check AUTH, check authorization, check the member can accept the policy,
    /// admit. A refusal after AUTH verified carries our IDr and AUTH (RFC 9838 Fig. 5).
    mutating func register(_ request: GSAAuthRequest, session: ResponderSession, peer: EndpointAddress,
                           now: EngineTime) -> RegistrationOutcome {
        func refuse(_ notify: UInt16, proof: [IKEv2Payload]? = nil, _ why: String) -> RegistrationOutcome {
            RegistrationOutcome(payloads: (proof ?? []) + [.notify(NotifyPayload(messageType: notify))],
                                state: .refused(notify: notify), persist: [],
                                log: LogEvent(.warning, "GCKS-REGISTRATION-REFUSED",
                                              "\(peer) \(request.memberDescription): \(NotifyName.of(notify)): \(why)"))
        }
        guard let identity = request.identity, let auth = request.auth, let idg = request.groupID else {
            return refuse(IKEv2NotifyType.authenticationFailed, "IDi, AUTH or IDg missing")
        }
        // Without a known group there is no PSK or trust anchor to check AUTH with, nor to
        // authenticate ourselves: answer SK{N(INVALID_GROUP_ID)} (RFC 9838 §4.7.1; RFC 7296 §2.21.2).
        guard let groupName = directory.groupName(idType: idg.idType, data: idg.data),
              let group = directory.snapshot.first(where: { $0.name == groupName }) else {
            return refuse(IKEv2NotifyType.invalidGroupID, "no group \(idg.idType)/\(idg.data.count) octets")
        }
        let credential: MemberCredential
        do {
            let octets = try PSKAuthentication.signedOctets(prf: session.keys.prf, realMessage: session.initRequest,
                                                            peerNonce: session.nonceResponder, identityKey: session.keys.skPi,
                                                            identity: identity)
            switch auth.method {
            case AuthenticationPayload.sharedKeyMIC:
                guard let psk = group.secrets.preSharedKey,
                      try PSKAuthentication.verify(auth.data, prf: session.keys.prf, sharedSecret: psk, signedOctets: octets) else {
                    return refuse(IKEv2NotifyType.authenticationFailed, "shared-key AUTH does not verify")
                }
                credential = .preSharedKey(psk)
            case AuthenticationPayload.digitalSignature:
                guard let trust = group.secrets.memberTrustAnchors, configuration.credential != nil else {
                    return refuse(IKEv2NotifyType.authenticationFailed, "the group takes no certificates")
                }
                let leaf = try SignatureAuthentication.verify(auth, certificates: request.certificates, identity: identity,
                                                              octets: octets, trust: trust, at: now.date)
                credential = .certificates(try request.certificates.map { try Certificate(der: $0.data) }, subject: leaf.subject)
            default:
                return refuse(IKEv2NotifyType.authenticationFailed, "auth method \(auth.method) is not supported")
            }
        } catch {
            return refuse(IKEv2NotifyType.authenticationFailed, "AUTH does not verify: \(error)")
        }
        let proof: [IKEv2Payload]
        do { proof = try responderProof(session: session, credential: credential) } catch {
            return refuse(IKEv2NotifyType.authenticationFailed, "could not authenticate ourselves: \(error)")
        }
        switch admit(identity: identity, member: request.memberDescription, groupName: groupName, group: consume group,
                     certificateSubject: credential.subject, senderIDCount: request.senderIDCount,
                     proposals: request.groupProposals, session: session, peer: peer, now: now) {
        case .refused(let notify, let why):
            return refuse(notify, proof: proof, why)
        case .admitted(let payloads, let persist, let log):
            return RegistrationOutcome(payloads: proof + payloads, state: .registered(groups: [groupName], member: request.memberDescription),
                                       persist: persist, log: log, identity: identity, credential: credential)
        }
    }

    /// IDr, our CERTs when the member used certificates, and our AUTH (RFC 7296 §2.15):
    /// RealMessage2 | Ni | prf(SK_pr, IDr body), signed with our certificate's key or keyed with
    /// the group's PSK, the same kind of proof the member gave.
    func responderProof(session: ResponderSession, credential: MemberCredential) throws -> [IKEv2Payload] {
        let octets = try PSKAuthentication.signedOctets(prf: session.keys.prf, realMessage: session.initResponse,
                                                        peerNonce: session.nonceInitiator, identityKey: session.keys.skPr,
                                                        identity: configuration.identity)
        switch credential {
        case .preSharedKey(let psk):
            let auth = AuthenticationPayload(method: AuthenticationPayload.sharedKeyMIC,
                                             data: try PSKAuthentication.compute(prf: session.keys.prf, sharedSecret: psk, signedOctets: octets))
            return [.identificationResponder(configuration.identity), .authentication(auth)]
        case .certificates:
            guard let ours = configuration.credential else { throw GIKEv2Error.authenticationFailed }
            let (certificates, auth) = try SignatureAuthentication.sign(octets, with: ours)
            return [.identificationResponder(configuration.identity)] + certificates + [.authentication(auth)]
        }
    }
}

/// What authenticated a member: a group's PSK, or a certificate path (with the end-entity
/// certificate's subject, for `dn` authorization entries).
enum MemberCredential: Sendable {
    case preSharedKey(SecretBytes)
    case certificates([Certificate], subject: String)

    var subject: String? {
        if case .certificates(_, let subject) = self { return subject }
        return nil
    }
}

/// The payloads of a GSA_AUTH or GSA_REGISTRATION request, picked out once.
struct GSAAuthRequest {
    var identity: IdentificationPayload?
    var auth: AuthenticationPayload?
    var groupID: IdentificationPayload?
    var groupProposals: SecurityAssociationPayload?
    /// CERT payloads, end-entity first (RFC 7296 §3.6).
    var certificates: [CertificatePayload] = []
    /// Present when the member sent N(GROUP_SENDER) (RFC 9838 §4.7.4).
    var senderIDCount: UInt32?
    /// An error notification: in GSA_REGISTRATION, a member leaving or refusing the policy
    /// (RFC 9838 §2.3.2, Fig. 8).
    var errorNotify: UInt16?

    init(_ payloads: [IKEv2Payload]) {
        for payload in payloads {
            switch payload {
            case .identificationInitiator(let id): identity = id
            case .authentication(let a): auth = a
            case .certificate(let c): certificates.append(c)
            case .groupIdentification(let g): groupID = g
            case .securityAssociation(let sa): groupProposals = sa
            case .notify(let n) where n.messageType == IKEv2NotifyType.groupSender: senderIDCount = n.groupSenderCount
            case .notify(let n) where n.isError: errorNotify = n.messageType
            default: break
            }
        }
    }

    /// The member identity as logged and as the key tree names it: type and printable data.
    var memberDescription: String {
        guard let identity else { return "(no IDi)" }
        let printable = identity.data.allSatisfy { (0x20...0x7E).contains($0) }
        let text = printable ? String(decoding: identity.data, as: UTF8.self)
                             : identity.data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "id\(identity.idType):\(text)"
    }

    func groupName(in directory: GroupDirectory) -> String? {
        groupID.flatMap { directory.groupName(idType: $0.idType, data: $0.data) }
    }
}
