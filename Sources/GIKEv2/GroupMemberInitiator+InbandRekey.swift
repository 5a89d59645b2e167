import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// The member side of GSA_INBAND_REKEY (RFC 9838 §2.4.2.2): new data-security SAs arrive as a
/// request on the registration IKE SA, keys wrapped under that SA's GSK_w; the member installs
/// them, honours Delete, and answers with an empty response (retransmitted requests get the same
/// answer, RFC 7296 §2.1).
extension GroupMemberInitiator {
    mutating func handleInbandRekey(_ datagram: [UInt8], header: IKEv2Header, context: RegisteredContext,
                                    now: EngineTime) -> [Action] {
        var context = context
        let opened: OpenedIKEv2Message
        switch openGCKSRequest(datagram, header: header, context: context, name: "GSA_INBAND_REKEY") {
        case .opened(let message): opened = message
        case .finished(let actions): return actions
        }
        var holdings = context.holdings
        var actions: [Action] = []
        do {
            for payload in opened.innerPayloads {
                guard case .groupSecurityAssociation(let gsa) = payload else { continue }
                guard let kd = opened.innerPayloads.lazy.compactMap({ if case .keyDownload(let kd) = $0 { kd } else { nil } }).first else {
                    throw GIKEv2Error.invalidGroupPolicy("GSA without KD")
                }
                guard let keyWrap = context.keys.keyWrap else {
                    throw GIKEv2Error.invalidGroupPolicy("an in-band rekey on an IKE SA without a Key Wrap Algorithm")
                }
                let teks = try Self.inbandTEKs(gsa: gsa, kd: kd, keyWrap: keyWrap, configuration: configuration)
                for tek in teks where !holdings.dataSecuritySAs.contains(where: { $0.spi == tek.spi }) {
                    holdings.dataSecuritySAs.append(tek)
                }
                actions += installActions(for: GroupMemberHoldings(group: holdings.group, dataSecuritySAs: teks, rekeySA: nil, senderIDs: [],
                                                                   senderIDBits: nil, activationDelay: nil, deactivationDelay: nil,
                                                                   transportMode: holdings.transportMode, workingKeyPath: .init()),
                                          sender: configuration.senderIDsRequested != nil)
                    .filter { if case .log = $0 { false } else { true } }
            }
            for case .delete(let delete) in opened.innerPayloads
            where delete.protocolID == IKEv2ProtocolID.esp || delete.protocolID == IKEv2ProtocolID.ah {
                for spi in delete.spis where holdings.dataSecuritySAs.contains(where: { $0.spi == spi }) {
                    holdings.dataSecuritySAs.removeAll { $0.spi == spi }
                    let group = holdings.group.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                    actions.append(.removeSA(SAReference(group: group, kind: delete.protocolID == IKEv2ProtocolID.ah ? .ah : .esp, spi: spi)))
                }
            }
        } catch {
            return ignore("GSA_INBAND_REKEY refused: \(error)")
        }
        do {
            let answer = try sealEmptyAnswer(to: datagram, header: header, context: &context)
            context.holdings = holdings
            rekeyReceiver?.adopt(holdings, now: now)
            state = .registered(context)
            return actions + [.send(datagram: answer, to: configuration.server),
                              .log(LogEvent(.info, "GM-INBAND-REKEY", "GSA_INBAND_REKEY: \(holdings.dataSecuritySAs.count) data-security SA(s) held"))]
        } catch {
            return [.log(LogEvent(.error, "GM-SEAL-FAILED", "could not protect the GSA_INBAND_REKEY answer: \(error)"))]
        }
    }

    /// The TEKs of an in-band rekey: one SA_KEY each under the IKE SA's GSK_w (RFC 9838 §4.5.4).
    static func inbandTEKs(gsa: GroupSecurityAssociationPayload, kd: KeyDownloadPayload, keyWrap: AESKeyWrap,
                           configuration: GroupMemberConfiguration) throws -> [GroupMemberHoldings.DataSecuritySA] {
        var teks: [GroupMemberHoldings.DataSecuritySA] = []
        for case .securityAssociation(let policy) in gsa.policies {
            guard policy.protocolID != IKEv2ProtocolID.gikeUpdate else {
                throw GIKEv2Error.invalidGroupPolicy("a rekey SA policy in GSA_INBAND_REKEY")
            }
            try policy.checkTransforms(atRegistration: false)
            let (encryption, keyBits, integrity, length) = try GroupPolicyAcceptance.algorithms(of: policy, configuration: configuration,
                                                                                               keyWrap: nil)
            let bags = kd.bags.compactMap { if case .group(let g) = $0, g.protocolID == policy.protocolID, g.spi == policy.spi { g } else { nil } }
            guard bags.count == 1, bags[0].saKeys.count == 1, bags[0].saKeys[0].kwkID == 0 else {
                throw GIKEv2Error.invalidGroupPolicy("a data-security SA needs one key bag with one SA_KEY under GSK_w")
            }
            let material = try keyWrap.unwrap(bags[0].saKeys[0].encryptedKey)
            guard material.count == length else { throw GIKEv2Error.invalidGroupPolicy("SA_KEY holds \(material.count) octets, not \(length)") }
            let sn = policy.transforms.first { $0.type == IKEv2TransformTypeNumber.sequenceNumbers }?.id ?? 0
            teks.append(.init(protocolID: policy.protocolID, spi: policy.spi, encryption: encryption, keyBits: keyBits, integrity: integrity,
                              sequenceNumbers: sn, sourceSelector: GroupPolicyAcceptance.describe(policy.source),
                              destinationSelector: GroupPolicyAcceptance.describe(policy.destination),
                              lifetimeSeconds: policy.keyLifetime, keyMaterial: material))
        }
        return teks
    }
}
