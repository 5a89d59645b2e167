import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import LKH
import WireCore

/// The GCKS side of GSA_REKEY (RFC 9838 §2.4.1): renders a protocol-neutral `GroupRekey` as
/// HDR(rekey SA SPI, Message ID), SK{GSA, KD, [D...], [AUTH]}, protected with the GSK_e/GSK_a of
/// the rekey SA the rekey names, keys wrapped under its GSK_w or under LKH node keys.
public enum GSARekeyMessage {
    /// Builds the datagram for `rekey`. `group` is the state right after the rekey was made (its
    /// TEKs include `rekey.newTEKs`). The signing key comes from the group's secrets when the rekey
    /// SA's GCAUTH is Digital Signature.
    public static func build(_ rekey: GroupRekey, group: GroupState, random: some RandomSource) throws(GIKEv2Error) -> [UInt8] {
        guard let protecting = rekey.protectingRekeySA, let messageID = rekey.gikev2MessageID else {
            throw .invalidGroupPolicy("group \(rekey.group) has no rekey SA to send GSA_REKEY under")
        }
        // Without a key tree, the new rekey SA of an eviction could only be wrapped under the old
        // GSK_w, which the evicted members hold: such a group must exclude members in-band or
        // by having everyone register again (RFC 9838 §3.3 needs keys they never held).
        if rekey.changesMembership, rekey.newRekeySA != nil, rekey.keyTreeUpdate == nil {
            throw .invalidGroupPolicy("group \(rekey.group) has no key tree: an eviction cannot be sent by multicast")
        }
        let keys = try keys(of: protecting)
        let inner = try innerPayloads(rekey, group: group, defaultWrap: keys.keyWrap, includeRekeySA: true)
        let header = IKEv2Header(initiatorSPI: spiHalf(protecting.spi, 0), responderSPI: spiHalf(protecting.spi, 8),
                                 exchangeType: IKEv2ExchangeType.gsaRekey, flags: IKEv2Header.initiatorFlag, messageID: messageID)
        var payloads = inner
        if let scheme = protecting.signatureScheme {
            guard let signingKey = group.secrets.rekeySigningKey else {
                throw .invalidGroupPolicy("GCAUTH is Digital Signature but no rekey signing key is loaded")
            }
            payloads.append(.authentication(try GSARekeySignature.sign(header: header, innerPayloads: inner, key: signingKey,
                                                                        scheme: scheme)))
        }
        do {
            let iv = try random.bytes(keys.protection.ivLength)
            return try SKProtection.seal(header: header, innerPayloads: payloads, iv: iv, protection: keys.protection)
        } catch {
            throw .crypto("sealing GSA_REKEY: \(error)")
        }
    }

    /// The keyed objects of a rekey SA the GCKS made.
    static func keys(of rekeySA: RekeySA) throws(GIKEv2Error) -> RekeySAKeys {
        let offer = try PolicyNumbers.rekeyOffer(rekeySA)
        guard let encryption = offer.transforms.encryption else { throw .invalidGroupPolicy("rekey SA without encryption") }
        return try RekeySAKeys(encryption: encryption, keyBits: offer.transforms.keyBits, integrity: offer.transforms.integrity,
                               keyWrap: offer.keyWrap, keyMaterial: rekeySA.keyMaterial)
    }

    /// GSA, KD and Delete payloads of a rekey, shared by GSA_REKEY and GSA_INBAND_REKEY.
    /// - Parameters:
    ///   - defaultWrap: the key under which KWK ID 0 wraps: the protecting rekey SA's GSK_w, or
    ///     the member's IKE SA GSK_w in-band (RFC 9838 §4.5.4).
    ///   - includeRekeySA: whether a new rekey SA (and LKH keys) go in; in-band groups have none.
    ///   - includeDeletes: whether replaced TEKs are named in Delete payloads. In-band rekeys leave
    ///     them out: members there keep the old SA until it expires, since the GCKS has no
    ///     deactivation timer per member (RFC 9838 §2.4.2 leaves deletion to a later exchange).
    static func innerPayloads(_ rekey: GroupRekey, group: GroupState, defaultWrap: AESKeyWrap,
                              includeRekeySA: Bool, includeDeletes: Bool = true) throws(GIKEv2Error) -> [IKEv2Payload] {
        try innerPayloads(Content(rekey, group: group, includeRekeySA: includeRekeySA), rekey: rekey, group: group,
                          defaultWrap: defaultWrap, includeDeletes: includeDeletes)
    }

    /// What every copy of a rekey carries whoever reads it: the offer (the new TEKs and rekey
    /// SA) and its GSA payload. Built once per rekey; only the KD differs per key-wrap key (each
    /// in-band member's GSK_w).
    struct Content {
        let offer: GroupOffer
        let gsa: IKEv2Payload?
        let includeRekeySA: Bool

        init(_ rekey: GroupRekey, group: GroupState, includeRekeySA: Bool) throws(GIKEv2Error) {
            var offer = try PolicyNumbers.offer(of: group)
            let newSPIs = rekey.newTEKs.map(\.spi)
            offer.teks = offer.teks.filter { newSPIs.contains($0.spi) }
            guard offer.teks.count == newSPIs.count else {
                throw .invalidGroupPolicy("the group no longer holds the TEKs this rekey delivers")
            }
            offer.rekey = nil
            if includeRekeySA, let newRekeySA = rekey.newRekeySA { offer.rekey = try PolicyNumbers.rekeyOffer(newRekeySA) }
            self.offer = offer
            self.includeRekeySA = includeRekeySA
            guard !offer.teks.isEmpty || offer.rekey != nil else {
                gsa = nil
                return
            }
            var payload = offer.groupSecurityAssociation(sender: false)
            // GCAUTH is sent at registration only (RFC 9838 Fig. 16; WIRE-REFERENCE §18.2).
            payload.policies = payload.policies.map { policy in
                guard case .securityAssociation(var sa) = policy, sa.protocolID == IKEv2ProtocolID.gikeUpdate else { return policy }
                sa.transforms.removeAll { $0.type == IKEv2TransformTypeNumber.groupControllerAuthenticationMethod }
                return .securityAssociation(sa)
            }
            gsa = .groupSecurityAssociation(payload)
        }
    }

    /// The inner payloads for one copy: the shared `content`, the KD wrapped under `defaultWrap`.
    static func innerPayloads(_ content: Content, rekey: GroupRekey, group: GroupState, defaultWrap: AESKeyWrap,
                              includeDeletes: Bool = true) throws(GIKEv2Error) -> [IKEv2Payload] {
        var payloads: [IKEv2Payload] = []
        if let gsa = content.gsa {
            payloads.append(gsa)
            payloads.append(.keyDownload(try keyDownload(offer: content.offer, tree: content.includeRekeySA ? rekey.keyTreeUpdate : nil,
                                                         defaultWrap: defaultWrap)))
        }
        // Delete of replaced TEKs (RFC 9838 §4.6): members remove them after the deactivation
        // delay (§2.4.1.4). The old rekey SA is deleted silently, without a Delete.
        let ahSPIs = Set(group.dataSecuritySAs.filter { $0.policy.securityProtocol == .ah }.map(\.spi))
        let ah = rekey.retiredTEKSPIs.filter { ahSPIs.contains($0) }
        let esp = rekey.retiredTEKSPIs.filter { !ahSPIs.contains($0) }
        guard includeDeletes else { return payloads }
        if !esp.isEmpty { payloads.append(.delete(DeletePayload(protocolID: IKEv2ProtocolID.esp, spiSize: 4, spis: esp))) }
        if !ah.isEmpty { payloads.append(.delete(DeletePayload(protocolID: IKEv2ProtocolID.ah, spiSize: 4, spis: ah))) }
        return payloads
    }

    /// KD: each new TEK's KEYMAT under the default KWK; a new rekey SA's KEYMAT under the new
    /// LKH root when the tree changed (else under the default KWK); the new node keys as
    /// WRAP_KEYs in a Member Key Bag (WIRE-REFERENCE §18.3; RFC 9838 Appendix A.4, Fig. 26).
    static func keyDownload(offer: GroupOffer, tree: LKHEviction?, defaultWrap: AESKeyWrap) throws(GIKEv2Error) -> KeyDownloadPayload {
        do {
            var bags: [KeyBag] = []
            for tek in offer.teks {
                bags.append(.group(GroupKeyBag(protocolID: tek.protocolID, spi: tek.spi, attributes: [
                    .saKey(WrappedKey(keyID: 0, kwkID: 0, encryptedKey: try defaultWrap.wrap(key: tek.keyMaterial))),
                ])))
            }
            if let rekey = offer.rekey {
                let saKey: WrappedKey
                if let tree {
                    let root = tree.newRoot
                    saKey = WrappedKey(keyID: 0, kwkID: root.serial,
                                       encryptedKey: try AESKeyWrap(mode: .rfc5649, kek: root.key).wrap(key: rekey.keyMaterial))
                } else {
                    saKey = WrappedKey(keyID: 0, kwkID: 0, encryptedKey: try defaultWrap.wrap(key: rekey.keyMaterial))
                }
                bags.append(.group(GroupKeyBag(protocolID: IKEv2ProtocolID.gikeUpdate, spi: rekey.spi, attributes: [.saKey(saKey)])))
            }
            if let tree, offer.rekey != nil, !tree.wraps.isEmpty {
                var attributes: [MemberKeyBagAttribute] = []
                attributes.reserveCapacity(tree.wraps.count)
                for wrap in tree.wraps {
                    let wrapped = try AESKeyWrap(mode: .rfc5649, kek: wrap.wrappingKey.key).wrap(key: wrap.key.key)
                    attributes.append(.wrapKey(WrappedKey(keyID: wrap.key.serial, kwkID: wrap.wrappingKey.serial, encryptedKey: wrapped)))
                }
                bags.append(.member(MemberKeyBag(attributes: attributes)))
            }
            return KeyDownloadPayload(bags: bags)
        } catch {
            throw .crypto("wrapping rekey keys: \(error)")
        }
    }

    static func spiHalf(_ spi: [UInt8], _ start: Int) -> UInt64 {
        spi[start..<(start + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
