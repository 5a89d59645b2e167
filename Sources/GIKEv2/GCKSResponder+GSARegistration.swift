import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import WireCore

extension GCKSResponder {
    /// GSA_REGISTRATION (RFC 9838 §2.3.2, Figs. 6-8) over a registered member's IKE SA:
    /// SK{IDg, [SAg,] [N(GROUP_SENDER)]} joins another group (or the same one again) and is
    /// answered SK{GSA, KD, [N]} or SK{N}; SK{IDg, N(error)} is the member leaving or refusing
    /// the policy, answered SK{}.
    mutating func handleGSARegistration(_ datagram: [UInt8], header: IKEv2Header, peer: EndpointAddress,
                                        now: EngineTime) -> [Action] {
        guard var session = sessions[header.responderSPI], session.spiInitiator == header.initiatorSPI,
              case .registered(let groups, let member) = session.state,
              let identity = session.memberIdentity, let credential = session.memberCredential else {
            return drop("GSA_REGISTRATION from \(peer) for an IKE SA that is not registered")
        }
        let inner: [IKEv2Payload], cacheKey: [UInt8]
        switch takeRequest(datagram, header: header, session: &session, peer: peer, name: "GSA_REGISTRATION") {
        case .opened(let payloads, let key): (inner, cacheKey) = (payloads, key)
        case .finished(let actions): return actions
        }
        let request = GSAAuthRequest(inner)
        var payloads: [IKEv2Payload] = []
        var actions: [Action] = []
        var joined = groups
        let groupName = request.groupName(in: directory)
        if let leaving = request.errorNotify {
            actions.append(.log(LogEvent(.info, "GCKS-MEMBER-LEFT",
                                         "\(peer) \(member) left \(groupName ?? "an unknown group"): \(NotifyName.of(leaving))")))
            joined.removeAll { $0 == groupName }
        } else if let groupName, let group = directory.snapshot.first(where: { $0.name == groupName }) {
            // The SA proved a PSK or a certificate path; another group is joined over it only if
            // that group trusts the same credential.
            let trusted: Bool
            switch credential {
            case .preSharedKey(let psk):
                trusted = group.secrets.preSharedKey.map { $0 == psk } ?? false
            case .certificates(let chain, _):
                trusted = chain.first.flatMap { leaf in
                    try? group.secrets.memberTrustAnchors?.verify(leaf, intermediates: Array(chain.dropFirst()), at: now.date)
                } != nil
            }
            let result = trusted
                ? admit(identity: identity, member: member, groupName: groupName, group: consume group,
                        certificateSubject: credential.subject, senderIDCount: request.senderIDCount,
                        proposals: request.groupProposals, session: session, peer: peer, now: now)
                : .refused(notify: IKEv2NotifyType.authorizationFailed, why: "the IKE SA was authenticated for another credential")
            switch result {
            case .admitted(let admitted, let persist, let log):
                payloads = admitted
                actions += persist.map { .persist($0) } + [.log(log)]
                if !joined.contains(groupName) { joined.append(groupName) }
                statistics.registrations += 1
            case .refused(let notify, let why):
                payloads = [.notify(NotifyPayload(messageType: notify))]
                actions.append(.log(LogEvent(.warning, "GCKS-REGISTRATION-REFUSED", "\(peer) \(member): \(NotifyName.of(notify)): \(why)")))
                statistics.registrationFailures += 1
            }
        } else {
            payloads = [.notify(NotifyPayload(messageType: IKEv2NotifyType.invalidGroupID))]
            actions.append(.log(LogEvent(.warning, "GCKS-REGISTRATION-REFUSED", "\(peer) \(member): INVALID_GROUP_ID")))
            statistics.registrationFailures += 1
        }
        do {
            let answerHeader = IKEv2Header(initiatorSPI: session.spiInitiator, responderSPI: session.spiResponder,
                                           exchangeType: IKEv2ExchangeType.gsaRegistration, flags: IKEv2Header.responseFlag,
                                           messageID: header.messageID)
            let answer = try seal(payloads, header: answerHeader, session: session)
            session.window.markProcessed(header.messageID)
            session.cache.store(messageID: header.messageID, request: cacheKey, response: answer)
            session.state = .registered(groups: joined, member: member)
            sessions[header.responderSPI] = session
            return actions + answer.map { .send(datagram: $0, to: peer) }
        } catch {
            return [.log(LogEvent(.error, "GCKS-SEAL-FAILED", "could not protect the GSA_REGISTRATION answer to \(peer): \(error)"))]
        }
    }
}
