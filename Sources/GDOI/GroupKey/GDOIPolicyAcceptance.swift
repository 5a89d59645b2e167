import GDOIWire
import GroupKeyCrypto
import GroupPolicy
import WireCore

/// The member's checks of what a key server sends (RFC 6407 §3.3, §4.4): every TEK and the KEK use
/// algorithms this member implements and that are not forbidden, every key has the length its
/// algorithm needs, and every TEK named in the SA has its keys in the KD.
enum GDOIPolicyAcceptance {
    /// A TEK policy from an SA TEK, before its keys arrive.
    struct TEKPolicy: Sendable {
        var tek: IPsecTEK
        var encryption: UInt16?
        var keyBits: UInt16?
        var integrity: UInt16?
        var lifetimeSeconds: UInt32?
        var encryptionKeyLength: Int
        var integrityKeyLength: Int
    }

    static func tekPolicies(_ sa: GDOISecurityAssociation) throws -> [TEKPolicy] {
        try sa.teks.map { payload in
            guard case .ipsec(let tek) = payload, tek.securityProtocol == GDOIProtocolID.ipsecESP else {
                throw GroupKeyError.unacceptablePolicy("a TEK that is not ESP")
            }
            return try tekPolicy(tek)
        }
    }

    static func tekPolicy(_ tek: IPsecTEK) throws -> TEKPolicy {
        func attribute(_ type: UInt16) -> UInt64? { tek.attributes.first { $0.type == type }?.integerValue }
        guard let policyCipher = GroupPolicy.EncryptionAlgorithm.allCases.first(where: {
            AlgorithmCatalog.entry($0).gdoiTEK?.rawValue == tek.transformID }),
              let ikev2 = AlgorithmCatalog.entry(policyCipher).ikev2 else {
            throw GroupKeyError.unacceptablePolicy("ESP transform \(tek.transformID) is not implemented")
        }
        if case .forbidden(let why) = AlgorithmCatalog.entry(policyCipher).strength {
            throw GroupKeyError.unacceptablePolicy("ESP transform \(tek.transformID): \(why)")
        }
        let keyBits = attribute(GDOIGroupRendering.keyLength).map { UInt16(clamping: $0) }
        let cipher: GroupKeyCrypto.EncryptionAlgorithm
        do { cipher = try AlgorithmRegistry.encryption(ikev2: ikev2, keyLength: keyBits) } catch {
            throw GroupKeyError.unacceptablePolicy("ESP transform \(tek.transformID): \(error)")
        }
        var integrity: UInt16?
        var integrityLength = 0
        if let number = attribute(GDOIGroupRendering.authenticationAlgorithm) {
            guard let policyIntegrity = GroupPolicy.IntegrityAlgorithm.allCases.first(where: {
                UInt64(AlgorithmCatalog.entry($0).gdoiTEK?.rawValue ?? 0) == number }),
                  let id = AlgorithmCatalog.entry(policyIntegrity).ikev2 else {
                throw GroupKeyError.unacceptablePolicy("authentication algorithm \(number) is not implemented")
            }
            if case .forbidden(let why) = AlgorithmCatalog.entry(policyIntegrity).strength {
                throw GroupKeyError.unacceptablePolicy("authentication algorithm \(number): \(why)")
            }
            integrity = id.rawValue
            integrityLength = (try? AlgorithmRegistry.integrity(ikev2: id))??.keyLength ?? 0
        }
        // An AEAD carries its own integrity; anything else needs an authentication algorithm
        // (RFC 6407 §5.5.1.1: ESP with authentication MUST carry it).
        if !cipher.parameters.isAEAD && integrity == nil {
            throw GroupKeyError.unacceptablePolicy("ESP transform \(tek.transformID) without an authentication algorithm")
        }
        var lifetime: UInt32?
        if attribute(GDOIGroupRendering.saLifeType) == UInt64(GDOIGroupRendering.lifeTypeSeconds) {
            lifetime = attribute(GDOIGroupRendering.saLifeDuration).map { UInt32(clamping: $0) }
        }
        return TEKPolicy(tek: tek, encryption: ikev2.rawValue, keyBits: keyBits, integrity: integrity, lifetimeSeconds: lifetime,
                         encryptionKeyLength: cipher.parameters.keyLength, integrityKeyLength: integrityLength)
    }

    /// Joins TEK policies with their key packets, checking every key's length (RFC 6407 §5.6.1).
    static func teks(_ policies: [TEKPolicy], keys: GDOIKeyDownload) throws -> [GDOIMemberHoldings.TEK] {
        try policies.map { policy in
            guard let packet = keys.packets.first(where: { $0.kdType == GDOIKeyDownloadType.tek && $0.spi == policy.tek.spi }) else {
                throw GroupKeyError.unacceptablePolicy("no keys for TEK SPI \(policy.tek.spi)")
            }
            let encryptionKey = packet.secret(1) ?? SecretBytes([UInt8]())
            let integrityKey = packet.secret(2) ?? SecretBytes([UInt8]())
            guard encryptionKey.count == policy.encryptionKeyLength, integrityKey.count == policy.integrityKeyLength else {
                throw GroupKeyError.unacceptablePolicy("TEK keys of \(encryptionKey.count)+\(integrityKey.count) octets; the algorithms need "
                                                       + "\(policy.encryptionKeyLength)+\(policy.integrityKeyLength)")
            }
            let tek = policy.tek
            return GDOIMemberHoldings.TEK(protocolID: tek.securityProtocol, spi: tek.spi, transformID: tek.transformID,
                                          encryption: policy.encryption, keyBits: policy.keyBits, integrity: policy.integrity,
                                          ipProtocol: tek.ipProtocol, source: tek.source, destination: tek.destination,
                                          lifetimeSeconds: policy.lifetimeSeconds, keyMaterial: encryptionKey + integrityKey)
        }
    }

    /// A KEK policy from SA KEK (RFC 6407 §5.3): AES-CBC, a supported RSA signature hash; the key
    /// comes from a KEK key packet or, with LKH, the last key of the array.
    struct KEKPolicy: Sendable {
        var payload: SAKEKPayload
        var algorithm: CBCCipher.Algorithm
        var signatureHash: UInt16
        var signatureAlgorithm: UInt16
        var lifetimeSeconds: UInt32?
        var ackRequested: UInt16?
    }

    static func kekPolicy(_ sak: SAKEKPayload) throws -> KEKPolicy {
        func attribute(_ type: UInt16) -> UInt64? { sak.attributes.first { $0.type == type }?.integerValue }
        guard attribute(GDOIKEKAttributeType.algorithm) == UInt64(3), let bits = attribute(GDOIKEKAttributeType.keyLength) else {
            throw GroupKeyError.unacceptablePolicy("KEK_ALGORITHM is not AES with a KEK_KEY_LENGTH")
        }
        let algorithm: CBCCipher.Algorithm
        do { algorithm = try CBCCipher.Algorithm(aesKeyLength: Int(bits / 8)) } catch {
            throw GroupKeyError.unacceptablePolicy("KEK_KEY_LENGTH \(bits)")
        }
        // SIG_ALGORITHM RSA (1) with SIG_HASH SHA-256/384/512 (3, 4, 5); SHA-1 (2) only as legacy.
        guard attribute(GDOIKEKAttributeType.sigAlgorithm) == 1, let hash = attribute(GDOIKEKAttributeType.sigHashAlgorithm),
              (2...5).contains(hash) else {
            throw GroupKeyError.unacceptablePolicy("the KEK signature is not RSA with SHA-1/SHA-2")
        }
        return KEKPolicy(payload: sak, algorithm: algorithm, signatureHash: UInt16(hash), signatureAlgorithm: 1,
                         lifetimeSeconds: attribute(GDOIKEKAttributeType.keyLifetime).map { UInt32(clamping: $0) },
                         ackRequested: attribute(GDOIKEKAttributeType.ackRequested).map { UInt16(clamping: $0) })
    }

    /// The signature scheme SIG_HASH_ALGORITHM names for RSA: EMSA-PKCS1-v1_5 (RFC 6407 §5.3.6.1).
    static func signatureScheme(hash: UInt16) throws -> SignatureScheme {
        switch hash {
        case 2: return .rsaPKCS1v15(.sha1)
        case 3: return .rsaPKCS1v15(.sha256)
        case 4: return .rsaPKCS1v15(.sha384)
        case 5: return .rsaPKCS1v15(.sha512)
        default: throw GroupKeyError.unacceptablePolicy("SIG_HASH_ALGORITHM \(hash)")
        }
    }

    /// The KEK from its key packet (KEK_ALGORITHM_KEY = IV | key, SIG_ALGORITHM_KEY).
    static func kek(_ policy: KEKPolicy, packet: GDOIKeyPacket?, lkhKEK: SecretBytes?) throws -> GDOIMemberHoldings.KEK {
        let keyData: SecretBytes
        if let lkhKEK {
            keyData = lkhKEK  // the last LKH key is the group KEK (RFC 6407 §3.3)
        } else if let data = packet?.secret(1) {
            keyData = data
        } else {
            throw GroupKeyError.unacceptablePolicy("a KEK without KEK_ALGORITHM_KEY")
        }
        var publicKey: [UInt8]?
        for case .plain(let attribute) in packet?.attributes ?? [] where attribute.type == 2 {
            if case .tlv(let bytes) = attribute.value { publicKey = bytes }
        }
        return GDOIMemberHoldings.KEK(key: try GDOIKEKKey.fromKeyData(keyData, spi: policy.payload.spi, algorithm: policy.algorithm),
                                      signatureHash: policy.signatureHash, signatureAlgorithm: policy.signatureAlgorithm,
                                      signingPublicKey: publicKey, lifetimeSeconds: policy.lifetimeSeconds,
                                      ackRequested: policy.ackRequested, source: policy.payload.source,
                                      destination: policy.payload.destination)
    }

    /// Sender-IDs from a SID key packet (RFC 6407 §5.6.4).
    static func senderIDs(_ keys: GDOIKeyDownload) -> (bits: UInt16?, ids: [UInt32]) {
        guard let packet = keys.packets.first(where: { $0.kdType == GDOIKeyDownloadType.sid }) else { return (nil, []) }
        var bits: UInt16?
        var ids: [UInt32] = []
        for case .plain(let attribute) in packet.attributes {
            if attribute.type == 1 { bits = attribute.integerValue.map { UInt16(clamping: $0) } }
            if attribute.type == 2, let value = attribute.integerValue { ids.append(UInt32(clamping: value)) }
        }
        return (bits, ids)
    }

    static func groupWide(_ gap: GroupAssociatedPolicy?) -> (activation: UInt16?, deactivation: UInt16?) {
        let attributes = gap?.attributes ?? []
        return (attributes.first { $0.type == 1 }?.integerValue.map { UInt16(clamping: $0) },
                attributes.first { $0.type == 2 }?.integerValue.map { UInt16(clamping: $0) })
    }
}
