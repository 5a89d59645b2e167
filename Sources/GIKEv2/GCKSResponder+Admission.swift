import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState

extension GCKSResponder {
    /// What admitting an authenticated member to a group decided.
    enum AdmissionResult {
        /// GSA, KD and any notifications for the response; what to persist and log.
        case admitted(payloads: [IKEv2Payload], persist: [PersistRecord], log: LogEvent)
        case refused(notify: UInt16, why: String)
    }

    /// The part of registration after authentication, shared by GSA_AUTH and GSA_REGISTRATION
    /// (RFC 9838 §2.3.1, §2.3.2): authorization, policy acceptability, admission to the group
    /// state, and the GSA and KD that describe the group to the member.
    mutating func admit(identity: IdentificationPayload, member: String, groupName: String, group: consuming GroupState,
                        certificateSubject: String?, senderIDCount: UInt32?, proposals: SecurityAssociationPayload?,
                        session: ResponderSession, peer: EndpointAddress, now: EngineTime? = nil) -> AdmissionResult {
        // A group whose policy serves GDOI only is no group to G-IKEv2 members (RFC 9838 §4.7.1:
        // INVALID_GROUP_ID), as a G-IKEv2-only group is none to GDOI members (GroupKeyPullServer).
        guard group.definition.protocols.gikev2 else {
            return .refused(notify: IKEv2NotifyType.invalidGroupID, why: "group \(groupName) serves GDOI members only")
        }
        guard group.authorizes(idType: identity.idType, data: identity.data, memberLists: directory.memberLists,
                               certificateSubject: certificateSubject) else {
            return .refused(notify: IKEv2NotifyType.authorizationFailed, why: "identity not on the group's list")
        }
        let offer: GroupOffer
        do { offer = try PolicyNumbers.offer(of: group, nowMilliseconds: now?.milliseconds) } catch {
            return .refused(notify: IKEv2NotifyType.registrationFailed, why: "\(error)")
        }
        if let problem = acceptability(of: offer, group: group, session: session, proposals: proposals) {
            return .refused(notify: IKEv2NotifyType.noProposalChosen, why: problem)
        }
        // No copy of the group state may live while the directory admits, or its member set is
        // copied on write for every registration.
        _ = consume group
        let admission: GroupState.Admission
        do {
            admission = try directory.admit(member: member, senderIDCount: senderIDCount, random: random, toGroup: groupName,
                                            memberProtocol: .gikev2)
        } catch {
            return .refused(notify: IKEv2NotifyType.registrationFailed, why: "\(error)")
        }
        // acceptability(of:) refused an SA without a KWA already; this only unwraps it.
        guard let keyWrap = session.keys.keyWrap else {
            return .refused(notify: IKEv2NotifyType.noProposalChosen, why: "no key-wrap algorithm was negotiated in IKE_SA_INIT")
        }
        do {
            let sender = senderIDCount != nil
            var payloads: [IKEv2Payload] = [
                .groupSecurityAssociation(offer.groupSecurityAssociation(sender: sender)),
                .keyDownload(try offer.keyDownload(keyWrap: keyWrap, keyPath: admission.keyPath,
                                                   senderIDs: admission.senderIDs)),
            ]
            // Absent USE_TRANSPORT_MODE means tunnel mode with address preservation (RFC 9838 §2.3.4).
            if offer.useTransportMode { payloads.append(.notify(NotifyPayload(messageType: IKEv2NotifyType.useTransportMode))) }
            var persist: [PersistRecord] = [.memberRegistered(group: groupName, member: member, senderIDs: admission.senderIDs,
                                                              leafKeyID: admission.keyPath.first?.serial)]
            if sender, let next = directory.snapshot.first(where: { $0.name == groupName })?.senderIDs?.next {
                persist.append(.senderIDCounter(group: groupName, next: next))
            }
            return .admitted(payloads: payloads, persist: persist,
                             log: LogEvent(.info, "GCKS-REGISTERED",
                                           "\(peer) \(member) joined \(groupName): \(offer.teks.count) TEK(s), "
                                           + "rekey SA \(offer.rekey == nil ? "none" : "yes"), Sender-IDs \(admission.senderIDs)"))
        } catch {
            return .refused(notify: IKEv2NotifyType.registrationFailed, why: "\(error)")
        }
    }

    /// Why the member cannot take the group's policy, or nil. The registration SA must use one of
    /// the group's proposals, its GSK_w must be no smaller than the group's cipher keys
    /// (RFC 9838 §3.1), and if the member sent SAg, every SA must fit one of its proposals
    /// (§2.3.3: NO_PROPOSAL_CHOSEN otherwise).
    func acceptability(of offer: GroupOffer, group: GroupState, session: ResponderSession,
                       proposals: SecurityAssociationPayload?) -> String? {
        let suites = (try? PolicyNumbers.suites(of: group)) ?? []
        let used = session.suite
        guard suites.contains(where: { $0.transforms.encryption == used.encryptionID && $0.transforms.keyBits == used.keyBits
                                        && $0.transforms.integrity == used.integrityID && $0.prf == used.prfID
                                        && $0.keyExchange == used.keyExchangeID }) else {
            return "the registration IKE SA does not use one of the group's proposals"
        }
        guard let keyWrapKey = session.keys.keyWrapKey else { return "no key-wrap algorithm was negotiated in IKE_SA_INIT" }
        guard keyWrapKey.count >= offer.largestCipherKey else {
            return "GSK_w of \(keyWrapKey.count) octets is smaller than the group's \(offer.largestCipherKey)-octet keys"
        }
        guard let proposals else { return nil }
        typealias T = IKEv2TransformTypeNumber
        func accepts(_ protocolID: UInt8, _ numbers: TransformNumbers, keyWrap: UInt16?) -> Bool {
            proposals.proposals.contains { proposal in
                guard proposal.protocolID == protocolID else { return false }
                let t = proposal.transforms
                let encryptionOK = numbers.encryption.map { id in
                    t.contains { $0.type == T.encryption && $0.id == id && $0.keyLength == numbers.keyBits }
                } ?? true
                let integrityOK = numbers.integrity.map { id in t.contains { $0.type == T.integrity && $0.id == id } } ?? true
                let wrapOK = keyWrap.map { id in t.contains { $0.type == T.keyWrapAlgorithm && $0.id == id } } ?? true
                return encryptionOK && integrityOK && wrapOK
            }
        }
        for tek in offer.teks where !accepts(tek.protocolID, tek.transforms, keyWrap: nil) {
            return "the member's SAg accepts no transforms of data-security SA \(tek.summary)"
        }
        if let rekey = offer.rekey, !accepts(IKEv2ProtocolID.gikeUpdate, rekey.transforms, keyWrap: rekey.keyWrap) {
            return "the member's SAg accepts no rekey SA transforms"
        }
        return nil
    }
}
