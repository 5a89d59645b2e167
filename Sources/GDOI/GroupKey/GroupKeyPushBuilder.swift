import GDOIWire
import GroupKeyCrypto
import GroupKeyTypes
import GroupPolicy
import GroupState
import LKH
import WireCore

/// Builds GROUPKEY-PUSH messages (RFC 6407 §4): HDR*, SEQ, [D,] SA, KD, SIG, signed with the key
/// server's rekey key and encrypted under the current KEK.
public struct GroupKeyPushBuilder: Sendable {
    /// The ASCII prefix of the signed octets, no terminator (RFC 6407 §4; WIRE-REFERENCE §18 item 21).
    static let signaturePrefix = Array("rekey".utf8)

    public init() {}

    /// The KEK GDOI members of `group` hold now (nil without a rekey SA).
    public static func currentKEK(of group: GroupState) throws -> GDOIKEKKey? {
        guard let rekey = group.rekeySA else { return nil }
        return try GDOIKEKKey.current(rekey: rekey, root: group.keyTree?.root)
    }

    /// The KEK members will hold after `content` is applied: with an eviction, the new LKH root;
    /// else the new Rekey SA's key, or the current KEK.
    public static func kekAfter(_ content: GDOIPushContent, group: GroupState, current: GDOIKEKKey) throws -> GDOIKEKKey {
        if let eviction = content.lkhUpdate, let rekey = content.newKEK ?? group.rekeySA {
            let next = try GDOIKEKKey.current(rekey: rekey, root: eviction.newRoot)
            // Without a new Rekey SA the eviction keeps the KEK's SPI and replaces only its key.
            return content.newKEK == nil ? GDOIKEKKey(spi: current.spi, algorithm: next.algorithm, key: next.key, iv: next.iv) : next
        }
        if let rekey = content.newKEK { return try GDOIKEKKey.current(rekey: rekey, root: group.keyTree?.root) }
        return current
    }

    /// The push datagram for `content`, encrypted under `kek` (the KEK members hold before it).
    public func build(_ content: GDOIPushContent, group: GroupState, encryptingUnder kek: GDOIKEKKey) throws -> [UInt8] {
        guard let signingKey = group.secrets.rekeySigningKey, let rekey = group.rekeySA,
              case .digitalSignature(let algorithm, _) = rekey.policy.authentication,
              let scheme = try? Self.scheme(algorithm) else {
            throw GroupKeyError.cannotBuild("group \(group.name) has no rekey signing key and RSA signature policy")
        }
        if content.lkhUpdate != nil && !content.teks.isEmpty {
            throw GroupKeyError.cannotBuild("a membership-changing push must not carry TEKs (RFC 6407 §7.4.1)")
        }
        var payloads: [ISAKMPPayload] = [.sequenceNumber(GDOISequenceNumber(content.sequence))]
        if !content.deletedTEKSPIs.isEmpty {
            payloads.append(.delete(ISAKMPDelete(doi: ISAKMPDOI.gdoi, protocolID: GDOIProtocolID.ipsecESP,
                                                 spiSize: UInt8(ISAKMPLimits.tekSPILength), spis: content.deletedTEKSPIs)))
        }
        let kekChanges = content.newKEK != nil || content.lkhUpdate != nil
        if kekChanges || !content.teks.isEmpty {
            let sakSource = content.newKEK ?? rekey
            var groupSA = try GDOIGroupRendering.securityAssociation(group: group, teks: content.teks,
                                                                     rekey: kekChanges ? sakSource : nil, inPush: true)
            // The SA KEK names the KEK members will hold: a new Rekey SA's SPI, else the current one.
            groupSA.kek?.spi = content.newKEK?.spi ?? kek.spi
            payloads.append(.groupSecurityAssociation(groupSA))
            var packets = content.teks.map(GDOIGroupRendering.tekKeyPacket)
            if let eviction = content.lkhUpdate {
                packets.append(try lkhUpdatePacket(eviction, spi: content.newKEK?.spi ?? kek.spi, algorithm: kek.algorithm))
            } else if let newKEK = content.newKEK {
                let next = try GDOIKEKKey.current(rekey: newKEK, root: group.keyTree?.root)
                packets.append(GDOIGroupRendering.kekKeyPacket(next, publicKey: newKEK.signingPublicKey))
            }
            payloads.append(.keyDownload(GDOIKeyDownload(packets: packets)))
        }
        return try sign(and: payloads, scheme: scheme, key: signingKey, kek: kek)
    }

    /// SIG over "rekey" | HDR (as sent: E flag, M-ID 0, final Length) | the payloads before SIG,
    /// computed before encryption; then everything after HDR is CBC-encrypted under the KEK with
    /// its explicit IV, zero-padded to the block (RFC 6407 §4, §4.2; WIRE-REFERENCE §18 item 21).
    func sign(and payloads: [ISAKMPPayload], scheme: SignatureScheme, key: SigningKey, kek: GDOIKEKKey) throws -> [UInt8] {
        let signatureLength = key.maximumSignatureLength
        let placeholder = try ISAKMPMessage.serializePayloads(payloads + [.signature(data: [UInt8](repeating: 0, count: signatureLength))])
        let beforeSignature = Array(placeholder.prefix(placeholder.count - 4 - signatureLength))
        let blockSize = kek.algorithm.parameters.blockSize
        let paddedLength = (placeholder.count + blockSize - 1) / blockSize * blockSize
        let header = Self.header(kek: kek, length: UInt32(WireLimits.headerLength + paddedLength))
        var headerBuffer = [UInt8]()
        headerBuffer = try ISAKMPMessage(header: header, payloads: [], encryptedBody: []).serializedBytes()
        headerBuffer.replaceSubrange(24..<28, with: Phase2Hash.bigEndian(header.length))
        let signature = try key.sign(Self.signaturePrefix + headerBuffer + beforeSignature, scheme: scheme)
        guard signature.count == signatureLength else { throw GroupKeyError.cannotBuild("signature of unexpected length") }
        var plaintext = beforeSignature + (try ISAKMPMessage.serializePayloads([.signature(data: signature)]))
        plaintext += [UInt8](repeating: 0, count: paddedLength - plaintext.count)
        let cipher = try CBCCipher(kek.algorithm, key: kek.key)
        let ciphertext = try cipher.encrypt(plaintext, iv: kek.iv, aad: [UInt8]())
        return try ISAKMPMessage(header: header, payloads: [], encryptedBody: ciphertext).serializedBytes()
    }

    /// HDR of a push (RFC 6407 §4.2): the KEK cookie pair, Next Payload SEQ, exchange 33, E only, M-ID 0.
    static func header(kek: GDOIKEKKey, length: UInt32) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: Phase1SA.cookieValue(Array(kek.spi[0..<8])),
                     responderCookie: Phase1SA.cookieValue(Array(kek.spi[8..<16])),
                     nextPayload: ISAKMPPayloadType.sequenceNumber, exchangeType: ISAKMPExchangeType.groupkeyPush,
                     flags: ISAKMPHeader.encryptionFlag, messageID: 0, length: length)
    }

    static func scheme(_ algorithm: GroupPolicy.SignatureAlgorithm) throws -> SignatureScheme {
        switch algorithm {
        case .rsaPKCS1SHA1: return .rsaPKCS1v15(.sha1)
        case .rsaPKCS1SHA256: return .rsaPKCS1v15(.sha256)
        case .rsaPKCS1SHA384: return .rsaPKCS1v15(.sha384)
        case .rsaPKCS1SHA512: return .rsaPKCS1v15(.sha512)
        default: throw GroupKeyError.cannotBuild("GDOI signs with RSA PKCS#1 v1.5 only (RFC 6407 §5.3.6.1)")
        }
    }

    /// The LKH key packet of an eviction: one LKH_UPDATE_ARRAY per chain, each starting under a key
    /// remaining members hold; every key is IV | key, CBC-encrypted under the key before it with
    /// that key's IV (RFC 6407 §5.6.3.2; WIRE-REFERENCE §18 item 24).
    func lkhUpdatePacket(_ eviction: LKHEviction, spi: [UInt8], algorithm: CBCCipher.Algorithm) throws -> GDOIKeyPacket {
        let blockSize = algorithm.parameters.blockSize
        let keyType = UInt8(GroupKeyTypes.GDOIKEKAlgorithm.aes.rawValue)
        let arrays = try eviction.chains.map { chain -> GDOIKeyAttribute in
            var previous = chain.startingKey
            var keys: [LKHKey] = []
            for node in chain.keys {
                let cipher = try CBCCipher(algorithm, key: previous.key)
                let clear = try GDOIKEKKey.nodeKeyData(node, blockSize: blockSize)
                var sealed = try cipher.encrypt(clear, iv: try GDOIKEKKey.derivedIV(for: previous.key, blockSize: blockSize), aad: [UInt8]())
                keys.append(LKHKey(lkhID: try GDOIGroupRendering.lkhID(node.position), keyType: keyType, keyHandle: node.serial,
                                   keyData: SecretBytes(consuming: &sealed)))
                previous = node
            }
            let array = LKHUpdateArray(lkhID: try GDOIGroupRendering.lkhID(chain.startingKey.position), keyHandle: chain.startingKey.serial, keys: keys)
            return .secret(type: 2, value: array.encoded())
        }
        return GDOIKeyPacket(kdType: GDOIKeyDownloadType.lkh, spi: spi, attributes: arrays)
    }
}
