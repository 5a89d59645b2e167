import GIKEv2Wire
import GroupKeyCrypto
import LKH
import WireCore

/// The GM's checks on a registration response's GSA and KD (RFC 9838 §4.4, §4.5): transform
/// rules, algorithms it can run and is willing to accept, one key bag per SA, key lengths, and
/// Sender-IDs that fit. Only then are the keys believed.
enum GroupPolicyAcceptance {
    typealias T = IKEv2TransformTypeNumber

    static func accept(gsa: GroupSecurityAssociationPayload, kd: KeyDownloadPayload, keys: IKESAKeys,
                       configuration: GroupMemberConfiguration, transportMode: Bool) throws(GIKEv2Error) -> GroupMemberHoldings {
        // Keys come only wrapped under GSK_w of the KWA negotiated in IKE_SA_INIT (RFC 9838 §4.5.4).
        guard let keyWrap = keys.keyWrap, let keyWrapKey = keys.keyWrapKey else {
            throw .noProposalChosen("no key-wrap algorithm was negotiated in IKE_SA_INIT")
        }
        var tekPolicies: [GroupSAPolicy] = []
        var rekeyPolicy: GroupSAPolicy?
        var wide: GroupWidePolicy?
        for policy in gsa.policies {
            switch policy {
            case .securityAssociation(let sa):
                do { try sa.checkTransforms(atRegistration: true) } catch { throw .invalidGroupPolicy("GSA policy: \(error)") }
                if sa.protocolID == IKEv2ProtocolID.gikeUpdate {
                    guard rekeyPolicy == nil else { throw .invalidGroupPolicy("two rekey SA policies (RFC 9838 §4.4.1)") }
                    rekeyPolicy = sa
                } else {
                    guard !tekPolicies.contains(where: { $0.spi == sa.spi && $0.protocolID == sa.protocolID }) else {
                        throw .invalidGroupPolicy("two data-security SAs with one SPI")
                    }
                    tekPolicies.append(sa)
                }
            case .groupWide(let gw): wide = gw
            }
        }
        var groupBags: [GroupKeyBag] = []
        var memberBag = MemberKeyBag(attributes: [])
        for bag in kd.bags {
            switch bag {
            case .group(let g): groupBags.append(g)
            case .member(let m): memberBag.attributes += m.attributes
            }
        }
        func bag(for policy: GroupSAPolicy) throws(GIKEv2Error) -> GroupKeyBag {
            let matching = groupBags.filter { $0.protocolID == policy.protocolID && $0.spi == policy.spi }
            guard matching.count == 1 else { throw .invalidGroupPolicy("\(matching.count) key bags for SPI of protocol \(policy.protocolID)") }
            return matching[0]
        }
        var wrapKeys: [WrappedKeyEntry] = []
        var senderIDs: [UInt32] = []
        var authKey: [UInt8]?
        for attribute in memberBag.attributes {
            switch attribute {
            case .wrapKey(let key): wrapKeys.append(WrappedKeyEntry(keyID: key.keyID, wrappingKeyID: key.kwkID, wrapped: key.encryptedKey))
            case .gmSenderID(let id):
                guard id.count <= 4 else { throw .invalidGroupPolicy("GM_SENDER_ID longer than 4 octets") }
                senderIDs.append(UInt32(id.bigEndianValue))
            case .authKey(let key): authKey = key
            case .other: break
            }
        }

        var teks: [GroupMemberHoldings.DataSecuritySA] = []
        for policy in tekPolicies {
            let (encryption, keyBits, integrity, length) = try algorithms(of: policy, configuration: configuration, keyWrap: nil)
            let keyBag = try bag(for: policy)
            // Exactly one SA_KEY, Key ID 0, under GSK_w (RFC 9838 §4.5.2.1).
            guard keyBag.saKeys.count == 1, keyBag.saKeys[0].kwkID == 0 else {
                throw .invalidGroupPolicy("a data-security SA needs one SA_KEY under the default KWK")
            }
            let material: SecretBytes
            do { material = try keyWrap.unwrap(keyBag.saKeys[0].encryptedKey) } catch {
                throw .invalidGroupPolicy("SA_KEY does not unwrap under GSK_w")
            }
            guard material.count == length else {
                throw .invalidGroupPolicy("SA_KEY holds \(material.count) octets; the transforms need \(length)")
            }
            let sn = policy.transforms.first { $0.type == T.sequenceNumbers }?.id ?? 0
            teks.append(.init(protocolID: policy.protocolID, spi: policy.spi, encryption: encryption, keyBits: keyBits,
                              integrity: integrity, sequenceNumbers: sn, sourceSelector: describe(policy.source),
                              destinationSelector: describe(policy.destination), lifetimeSeconds: policy.keyLifetime,
                              keyMaterial: material))
        }

        var rekey: GroupMemberHoldings.RekeySA?
        var path = WorkingKeyPath()
        if let policy = rekeyPolicy {
            guard let kwa = policy.transforms.first(where: { $0.type == T.keyWrapAlgorithm })?.id,
                  let gcauth = policy.transforms.first(where: { $0.type == T.groupControllerAuthenticationMethod }) else {
                throw .invalidGroupPolicy("rekey SA policy without KWA or GCAUTH")
            }
            let wrapLength: Int
            do { wrapLength = try AlgorithmRegistry.keyWrap(number: kwa).kekLength } catch {
                throw .invalidGroupPolicy("rekey key wrap \(kwa): \(error)")
            }
            let (encryption, keyBits, integrity, length) = try algorithms(of: policy, configuration: configuration, keyWrap: kwa)
            let identifier = gcauth.attributes.first { $0.type == IKEv2TransformAttributeType.signatureAlgorithmIdentifier }
            var signatureIdentifier: [UInt8]?
            if case .tlv(let der)? = identifier?.value {
                do { _ = try AlgorithmRegistry.signatureScheme(algorithmIdentifier: der) } catch {
                    throw .invalidGroupPolicy("GCAUTH signature algorithm: \(error)")
                }
                signatureIdentifier = der
            }
            // AUTH_KEY present exactly with Digital Signature (RFC 9838 §4.5.3.2, Table 2 note 4).
            guard (gcauth.id == GroupControllerAuthenticationMethodID.digitalSignature) == (authKey != nil) else {
                throw .invalidGroupPolicy("AUTH_KEY must come with Digital Signature GCAUTH and only then")
            }
            if let authKey {
                do { try AuthKeyCheck.check(authKey) } catch { throw .invalidGroupPolicy("AUTH_KEY: \(error)") }
            }
            let keyBag = try bag(for: policy)
            let material: SecretBytes
            do {
                material = try path.resolve(saKeys: keyBag.saKeys.map { WrappedKeyEntry(keyID: $0.keyID, wrappingKeyID: $0.kwkID,
                                                                                       wrapped: $0.encryptedKey) },
                                            wrapKeys: wrapKeys, defaultKey: keyWrapKey,
                                            unwrap: { wrapped, under in try AESKeyWrap(mode: .rfc5649, kek: under).unwrap(wrapped) })
            } catch {
                throw .invalidGroupPolicy("rekey SA_KEY cannot be recovered: \(error)")
            }
            guard material.count == length + wrapLength else {
                throw .invalidGroupPolicy("rekey SA_KEY holds \(material.count) octets; the transforms need \(length + wrapLength)")
            }
            guard let encryption else { throw .invalidGroupPolicy("rekey SA without encryption") }
            rekey = .init(spi: policy.spi, encryption: encryption, keyBits: keyBits, integrity: integrity, keyWrap: kwa,
                          authenticationMethod: gcauth.id, signatureAlgorithmIdentifier: signatureIdentifier, authKey: authKey,
                          destinationSelector: describe(policy.destination), lifetimeSeconds: policy.keyLifetime,
                          initialMessageID: policy.initialMessageID ?? 0, keyMaterial: material)
        }
        guard groupBags.count == tekPolicies.count + (rekeyPolicy == nil ? 0 : 1) else {
            throw .invalidGroupPolicy("key bags for SAs the GSA does not describe")
        }
        // Sender-IDs: only if we asked, with GWP_SENDER_ID_BITS, each fitting it (RFC 9838 §2.5.2).
        if !senderIDs.isEmpty {
            guard configuration.senderIDsRequested != nil, let bits = wide?.senderIDBits, (1...32).contains(bits) else {
                throw .invalidGroupPolicy("GM_SENDER_ID without a request or without GWP_SENDER_ID_BITS")
            }
            guard senderIDs.allSatisfy({ bits >= 32 || UInt64($0) < UInt64(1) << UInt64(bits) }) else {
                throw .invalidGroupPolicy("a Sender-ID does not fit \(bits) bits (RFC 9838 §2.5.2)")
            }
        }
        guard !teks.isEmpty || rekey != nil else { throw .invalidGroupPolicy("no SA to hold") }
        return GroupMemberHoldings(group: configuration.groupID.data, dataSecuritySAs: teks, rekeySA: rekey, senderIDs: senderIDs,
                                   senderIDBits: wide?.senderIDBits, activationDelay: wide?.activationTimeDelay,
                                   deactivationDelay: wide?.deactivationTimeDelay, transportMode: transportMode,
                                   workingKeyPath: path)
    }

    /// The policy's algorithms, checked against the registry and our acceptable list, and the
    /// KEYMAT length they need (encryption with salt, then integrity; RFC 7296 §2.17).
    static func algorithms(of policy: GroupSAPolicy, configuration: GroupMemberConfiguration,
                           keyWrap: UInt16?) throws(GIKEv2Error) -> (UInt16?, UInt16?, UInt16?, Int) {
        let encryption = policy.transforms.first { $0.type == T.encryption }
        let integrityID = policy.transforms.first { $0.type == T.integrity }.flatMap { $0.id == 0 ? nil : $0.id }
        var length = 0
        do {
            if let encryption {
                length += try AlgorithmRegistry.encryption(ikev2Number: encryption.id, keyLength: encryption.keyLength).parameters.keyLength
            }
            if let integrityID { length += try AlgorithmRegistry.integrity(ikev2Number: integrityID)?.keyLength ?? 0 }
        } catch {
            throw .invalidGroupPolicy("unusable transform: \(error)")
        }
        if let acceptable = configuration.acceptable {
            if let encryption, !acceptable.encryption.contains(.init(id: encryption.id, keyBits: encryption.keyLength)) {
                throw .noProposalChosen("encryption \(encryption.id) is not acceptable")
            }
            if let integrityID, !acceptable.integrity.contains(integrityID) {
                throw .noProposalChosen("integrity \(integrityID) is not acceptable")
            }
            if let keyWrap, !acceptable.keyWraps.contains(keyWrap) { throw .noProposalChosen("key wrap \(keyWrap) is not acceptable") }
        }
        return (encryption?.id, encryption?.keyLength, integrityID, length)
    }

    static func describe(_ selector: TrafficSelector) -> String {
        switch selector {
        case .addressRange(let range):
            func text(_ octets: [UInt8]) -> String {
                octets.count == 4 ? octets.map(String.init).joined(separator: ".")
                                  : stride(from: 0, to: octets.count, by: 2).map { String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16) }.joined(separator: ":")
            }
            return "\(text(range.startAddress))-\(text(range.endAddress)) proto \(range.ipProtocolID) ports \(range.startPort)-\(range.endPort)"
        case .other(let type, _):
            return "selector type \(type)"
        }
    }
}
