import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

extension GroupMemberInitiator {
    /// Joins another group over the registration IKE SA (RFC 9838 §2.3.2, Fig. 6):
    /// SK{IDg, [SAg,] [N(GROUP_SENDER)]}. The answer adds to `allHoldings` or sets
    /// `lastRegistrationError`. Calling it without an open, idle SA is a caller bug.
    public mutating func register(group: IdentificationPayload, senderIDsRequested: UInt32? = nil, now: EngineTime) -> [Action] {
        guard case .registered(var context) = state, context.ikeSAOpen, pending == nil else {
            preconditionFailure("GSA_REGISTRATION needs an open registration IKE SA and no request outstanding")
        }
        guard let messageID = context.requests.allocate() else {
            return [.log(LogEvent(.warning, "GM-MESSAGE-IDS", "no Message ID left on the registration IKE SA"))]
        }
        var inner: [IKEv2Payload] = [.groupIdentification(group)]
        if let acceptable = configuration.acceptable { inner.append(.securityAssociation(Self.groupProposals(acceptable))) }
        if let count = senderIDsRequested { inner.append(.notify(.groupSender(count: count))) }
        do {
            let header = IKEv2Header(initiatorSPI: spiInitiator, responderSPI: context.spiResponder,
                                     exchangeType: IKEv2ExchangeType.gsaRegistration, flags: IKEv2Header.initiatorFlag,
                                     messageID: messageID)
            let request = try sealRequest(inner, header: header, keys: context.keys, fragmentation: context.fragmentation)
            context.pendingRegistration = PendingRegistration(messageID: messageID, groupID: group, senderIDsRequested: senderIDsRequested)
            context.lastRegistrationError = nil
            state = .registered(context)
            return send(request, now: now) + [.log(LogEvent(.info, "GM-REGISTRATION-SENT", "GSA_REGISTRATION to \(configuration.server)"))]
        } catch {
            return [.log(LogEvent(.error, "GM-SEAL-FAILED", "could not protect GSA_REGISTRATION: \(error)"))]
        }
    }

    mutating func handleGSARegistrationResponse(_ datagram: [UInt8], header: IKEv2Header, context: RegisteredContext,
                                               now: EngineTime) -> [Action] {
        var context = context
        guard var pendingRegistration = context.pendingRegistration, pendingRegistration.messageID == header.messageID else {
            return ignore("GSA_REGISTRATION response without a request outstanding")
        }
        let inner: [IKEv2Payload]
        do {
            guard let complete = try ProtectedResponse.open(datagram, protection: context.keys.responderProtection,
                                                            collector: &pendingRegistration.fragments) else {
                context.pendingRegistration = pendingRegistration
                state = .registered(context)
                return []
            }
            inner = complete
        } catch {
            return ignore("GSA_REGISTRATION response rejected: \(error)")
        }
        _ = context.requests.acceptResponse(messageID: header.messageID)
        context.pendingRegistration = nil
        pending = nil
        var actions: [Action] = [.cancelTimer(Self.retransmitTimer)]
        var gsa: GroupSecurityAssociationPayload?
        var kd: KeyDownloadPayload?
        var notifies: [NotifyPayload] = []
        for payload in inner {
            switch payload {
            case .groupSecurityAssociation(let g): gsa = g
            case .keyDownload(let k): kd = k
            case .notify(let n): notifies.append(n)
            default: break
            }
        }
        var outcome: Result<GroupMemberHoldings, GIKEv2Error>
        if let error = notifies.first(where: \.isError) {
            outcome = .failure(.peerRefused(notify: error.messageType))
        } else if let gsa, let kd {
            var groupConfiguration = configuration
            groupConfiguration.groupID = pendingRegistration.groupID
            groupConfiguration.senderIDsRequested = pendingRegistration.senderIDsRequested
            do {
                outcome = .success(try GroupPolicyAcceptance.accept(
                    gsa: gsa, kd: kd, keys: context.keys, configuration: groupConfiguration,
                    transportMode: notifies.contains { $0.messageType == IKEv2NotifyType.useTransportMode }))
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(.unexpectedMessage("GSA_REGISTRATION response without GSA and KD"))
        }
        switch outcome {
        case .success(let holdings):
            context.additionalGroups.removeAll { $0.group == holdings.group }
            if holdings.group == context.holdings.group {
                context.holdings = holdings  // re-registration replaces what GSA_AUTH gave
                rekeyReceiver = GroupRekeyReceiver(holdings: holdings, configuration: configuration, now: now)
            } else {
                context.additionalGroups.append(holdings)
            }
            actions += installActions(for: holdings, sender: pendingRegistration.senderIDsRequested != nil)
        case .failure(let error):
            context.lastRegistrationError = error
            actions.append(.log(LogEvent(.warning, "GM-REGISTRATION-REFUSED", "GSA_REGISTRATION: \(error)")))
        }
        state = .registered(context)
        return actions
    }
}
