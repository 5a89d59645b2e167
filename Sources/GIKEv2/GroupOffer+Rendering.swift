import GIKEv2Wire
import GroupKeyCrypto
import LKH
import WireCore

/// Renders a group's offer as the GSA and KD payloads of a registration response
/// (RFC 9838 §4.4, §4.5).
extension GroupOffer {
    func selector(_ numbers: SelectorNumbers) -> TrafficSelector {
        .addressRange(AddressRangeSelector(ipProtocolID: numbers.ipProtocol, startPort: numbers.startPort, endPort: numbers.endPort,
                                           startAddress: numbers.startAddress, endAddress: numbers.endAddress))
    }

    func transforms(_ numbers: TransformNumbers) -> [IKEv2Transform] {
        typealias T = IKEv2TransformTypeNumber
        var list: [IKEv2Transform] = []
        if let encryption = numbers.encryption {
            list.append(IKEv2Transform(type: T.encryption, id: encryption,
                                       attributes: numbers.keyBits.map { [.tv(IKEv2TransformAttributeType.keyLength, $0)] } ?? []))
        }
        if let integrity = numbers.integrity { list.append(IKEv2Transform(type: T.integrity, id: integrity)) }
        return list
    }

    /// GSA: TEK policies, then the KEK (GIKE_UPDATE) policy, then the GW policy (§4.4.1).
    /// `sender` says whether the member asked for Sender-IDs (GWP_SENDER_ID_BITS only then, §5 note 1).
    func groupSecurityAssociation(sender: Bool) -> GroupSecurityAssociationPayload {
        typealias T = IKEv2TransformTypeNumber
        var policies: [GIKEv2Wire.GroupPolicy] = []
        for tek in teks {
            // SN: 32-bit Unspecified Numbers (2) for multi-sender SAs, else 32-bit Sequential (0)
            // (RFC 9838 §4.4.2.1.3).
            let sn = IKEv2Transform(type: T.sequenceNumbers, id: tek.multiSender ? 2 : 0)
            // GSA_KEY_LIFETIME MUST be present with multicast rekey (§4.4.2.2.1; WIRE-REFERENCE §18.14).
            // It SHOULD NOT be sent with inband rekey; without any rekey it still tells the member
            // when the SA ends.
            let attributes: [DataAttribute] = inbandRekey ? [] : [.tlv(GSAAttributeType.keyLifetime, tek.lifetimeSeconds.bigEndianBytes)]
            policies.append(.securityAssociation(GroupSAPolicy(protocolID: tek.protocolID, spi: tek.spi, source: selector(tek.source),
                                                               destination: selector(tek.destination),
                                                               transforms: transforms(tek.transforms) + [sn], attributes: attributes)))
        }
        if let rekey {
            var gcauth = IKEv2Transform(type: T.groupControllerAuthenticationMethod, id: rekey.gcauth)
            if let identifier = rekey.signatureAlgorithmIdentifier {
                gcauth.attributes = [.tlv(IKEv2TransformAttributeType.signatureAlgorithmIdentifier, identifier)]
            }
            var attributes: [DataAttribute] = [.tlv(GSAAttributeType.keyLifetime, rekey.lifetimeSeconds.bigEndianBytes)]
            // Only sent when non-zero (§4.4.2.2.2).
            if rekey.initialMessageID != 0 {
                attributes.append(.tlv(GSAAttributeType.initialMessageID, rekey.initialMessageID.bigEndianBytes))
            }
            policies.append(.securityAssociation(GroupSAPolicy(
                protocolID: IKEv2ProtocolID.gikeUpdate, spi: rekey.spi, source: selector(rekey.source),
                destination: selector(rekey.destination),
                transforms: transforms(rekey.transforms) + [IKEv2Transform(type: T.keyWrapAlgorithm, id: rekey.keyWrap), gcauth],
                attributes: attributes)))
        }
        var wide: [DataAttribute] = []
        if let atd = activationDelay { wide.append(.tv(GWPolicyAttributeType.activationTimeDelay, atd)) }
        if let dtd = deactivationDelay { wide.append(.tv(GWPolicyAttributeType.deactivationTimeDelay, dtd)) }
        if sender, let bits = senderIDBits { wide.append(.tv(GWPolicyAttributeType.senderIDBits, UInt16(bits))) }
        if !wide.isEmpty { policies.append(.groupWide(GroupWidePolicy(attributes: wide))) }
        return GroupSecurityAssociationPayload(policies: policies)
    }

    /// KD: one Group Key Bag per SA with its KEYMAT wrapped, and the Member Key Bag.
    /// TEK keys are wrapped under GSK_w (KWK ID 0). With a key tree, the rekey SA's KEYMAT is
    /// wrapped under the tree root and the member gets its path: each key wrapped under the one
    /// below it, the leaf under GSK_w (RFC 9838 §3.3, Appendix A.2). Without one, under GSK_w.
    func keyDownload(keyWrap: AESKeyWrap, keyPath: [LKHNodeKey], senderIDs: [UInt32]) throws -> KeyDownloadPayload {
        var bags: [KeyBag] = []
        for tek in teks {
            let wrapped = try keyWrap.wrap(key: tek.keyMaterial)
            bags.append(.group(GroupKeyBag(protocolID: tek.protocolID, spi: tek.spi,
                                           attributes: [.saKey(WrappedKey(keyID: 0, kwkID: 0, encryptedKey: wrapped))])))
        }
        var memberAttributes: [MemberKeyBagAttribute] = []
        if let rekey {
            if let root = keyPath.last {
                let rootWrap = try AESKeyWrap(mode: .rfc5649, kek: root.key)
                bags.append(.group(GroupKeyBag(protocolID: IKEv2ProtocolID.gikeUpdate, spi: rekey.spi, attributes: [
                    .saKey(WrappedKey(keyID: 0, kwkID: root.serial, encryptedKey: try rootWrap.wrap(key: rekey.keyMaterial))),
                ])))
                // Root first, leaf last; each wrapped under the next key down (the leaf under GSK_w).
                for index in stride(from: keyPath.count - 1, through: 0, by: -1) {
                    let key = keyPath[index]
                    let wrapped: [UInt8]
                    let kwkID: UInt32
                    if index == 0 {
                        wrapped = try keyWrap.wrap(key: key.key)
                        kwkID = 0
                    } else {
                        let below = keyPath[index - 1]
                        wrapped = try AESKeyWrap(mode: .rfc5649, kek: below.key).wrap(key: key.key)
                        kwkID = below.serial
                    }
                    memberAttributes.append(.wrapKey(WrappedKey(keyID: key.serial, kwkID: kwkID, encryptedKey: wrapped)))
                }
            } else {
                bags.append(.group(GroupKeyBag(protocolID: IKEv2ProtocolID.gikeUpdate, spi: rekey.spi, attributes: [
                    .saKey(WrappedKey(keyID: 0, kwkID: 0, encryptedKey: try keyWrap.wrap(key: rekey.keyMaterial))),
                ])))
            }
            if let authKey = rekey.authKey { memberAttributes.append(.authKey(authKey)) }
        }
        if let bits = senderIDBits {
            let width = (bits + 7) / 8
            for id in senderIDs {
                memberAttributes.append(.gmSenderID(Array(id.bigEndianBytes.suffix(width))))
            }
        }
        if !memberAttributes.isEmpty { bags.append(.member(MemberKeyBag(attributes: memberAttributes))) }
        return KeyDownloadPayload(bags: bags)
    }
}
