import GDOIWire
import GroupKeyCrypto
import GroupKeyTypes
import GroupPolicy
import GroupState
import LKH
import WireCore

/// Renders the shared group state as GDOI payloads: SA TEKs and TEK key packets from the same
/// `DataSecuritySA`s the G-IKEv2 engine sends (same SPI, same key octets), the SA KEK and KEK key
/// packet from the group's `RekeySA`, GAP from the group-wide values, LKH and SID key packets.
enum GDOIGroupRendering {
    // IPsec DOI SA attributes (RFC 2407 §4.5; RFC 6407 §5.5.1.1).
    static let saLifeType: UInt16 = 1, saLifeDuration: UInt16 = 2, encapsulationMode: UInt16 = 4
    static let authenticationAlgorithm: UInt16 = 5, keyLength: UInt16 = 6, addressPreservation: UInt16 = 14
    static let lifeTypeSeconds: UInt16 = 1
    // IPsec DOI identification types (RFC 2407 §4.6.2.1).
    static let ipv4Address: UInt8 = 1, ipv4Subnet: UInt8 = 4, ipv6Address: UInt8 = 5, ipv6Subnet: UInt8 = 6
    // KEK_ACK_REQUESTED value REKEY_ACK_KEK_SHA256 (RFC 8263 §2).
    static let ackKEKSHA256: UInt16 = 1

    /// SA (SAK, GAP, SATs) of GROUPKEY-PULL message 2 or a GROUPKEY-PUSH.
    /// `nowMilliseconds` turns each TEK's lifetime into what is left of it, so a member joining late
    /// expires the TEK with everyone else (RFC 6407 §5.5.1.1: SA Life Duration).
    static func securityAssociation(group: GroupState, teks: [DataSecuritySA], rekey: RekeySA?, inPush: Bool,
                                    nowMilliseconds: Int64? = nil) throws -> GDOISecurityAssociation {
        GDOISecurityAssociation(kek: try rekey.map { try kekPayload($0, group: group, inPush: inPush) },
                                groupPolicy: groupPolicy(group), teks: try teks.map { try tekPayload($0, nowMilliseconds: nowMilliseconds) })
    }

    static func groupPolicy(_ group: GroupState) -> GroupAssociatedPolicy? {
        var attributes: [DataAttribute] = []
        // ACTIVATION_TIME_DELAY (1) and DEACTIVATION_TIME_DELAY (2), seconds (RFC 6407 §5.4).
        if let delay = group.groupWide.activationDelay { attributes.append(.tv(1, delay)) }
        if let delay = group.groupWide.deactivationDelay { attributes.append(.tv(2, delay)) }
        return attributes.isEmpty ? nil : GroupAssociatedPolicy(attributes: attributes)
    }

    /// SA TEK for ESP (RFC 6407 §5.5.1): GDOI_PROTO_IPSEC_ESP (1), the IPsec DOI transform ID and
    /// attributes, the same SPI G-IKEv2 members get.
    static func tekPayload(_ sa: DataSecuritySA, nowMilliseconds: Int64? = nil) throws -> SATEKPayload {
        let policy = sa.policy
        var lifetime = policy.lifetimeSeconds
        if let now = nowMilliseconds {
            let elapsed = max(0, now - sa.createdAtMilliseconds) / 1000
            lifetime = UInt32(max(1, Int64(policy.lifetimeSeconds) - elapsed))
        }
        guard policy.securityProtocol == .esp, let encryption = policy.encryption,
              let transform = AlgorithmCatalog.entry(encryption).gdoiTEK else {
            throw GroupKeyError.cannotBuild("data-security SA \(policy.name) has no GDOI ESP transform")
        }
        var attributes: [DataAttribute] = [
            .tv(saLifeType, lifeTypeSeconds),
            .tlv(saLifeDuration, Phase2Hash.bigEndian(lifetime)),
            // Encapsulation Mode: 1 Tunnel, 2 Transport (RFC 2407 §4.5).
            .tv(encapsulationMode, policy.mode == .tunnel ? 1 : 2),
        ]
        if let integrity = policy.integrity {
            guard let number = AlgorithmCatalog.entry(integrity).gdoiTEK else {
                throw GroupKeyError.cannotBuild("\(integrity.rawValue) has no IPsec DOI number")
            }
            attributes.append(.tv(authenticationAlgorithm, number.rawValue))
        }
        if let bits = policy.keyLength { attributes.append(.tv(keyLength, UInt16(clamping: bits))) }
        // Address Preservation (RFC 6407 §5.5.1.1.1): 1 none, 2 source, 3 destination, 4 both.
        let preservation: UInt16
        switch policy.addressPreservation {
        case .none: preservation = 1
        case .sourceOnly: preservation = 2
        case .destinationOnly: preservation = 3
        case .sourceAndDestination: preservation = 4
        }
        attributes.append(.tv(addressPreservation, preservation))
        let selector = policy.selectors.first
        return .ipsec(IPsecTEK(securityProtocol: GDOIProtocolID.ipsecESP, ipProtocol: selector?.ipProtocol ?? 0,
                               source: identity(selector?.source, ports: selector?.sourcePorts),
                               destination: identity(selector?.destination, ports: selector?.destinationPorts),
                               transformID: transform.rawValue, spi: sa.spi, attributes: attributes))
    }

    /// A selector end as a GDOI identity: ID_IPV4_ADDR_SUBNET / ID_IPV6_ADDR_SUBNET (address | mask),
    /// the port when it is a single one.
    static func identity(_ prefix: IPPrefix?, ports: PortRange?) -> GDOIIdentity {
        let network = prefix?.network.octets ?? [0, 0, 0, 0]
        let length = prefix?.length ?? 0
        let mask = (0..<network.count).map { index -> UInt8 in
            let bits = max(0, min(8, length - index * 8))
            return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        let port = ports.flatMap { $0.lower == $0.upper ? $0.lower : nil } ?? 0
        return GDOIIdentity(idType: network.count == 4 ? ipv4Subnet : ipv6Subnet, port: port, data: network + mask)
    }

    /// SA KEK (RFC 6407 §5.3): UDP from the key server to the rekey destination, the cookie-pair
    /// SPI, KEK_ALGORITHM AES, key length, lifetime, and the signature the pushes carry.
    static func kekPayload(_ rekey: RekeySA, group: GroupState, inPush: Bool) throws -> SAKEKPayload {
        let algorithm = try GDOIKEKKey.cipher(of: rekey)
        guard case .digitalSignature(let signature, _) = rekey.policy.authentication,
              let numbers = AlgorithmCatalog.entry(signature).gdoi, let key = group.secrets.rekeySigningKey else {
            throw GroupKeyError.cannotBuild("GDOI pushes are always signed (RFC 6407 §4); the rekey policy names no usable signature")
        }
        var attributes: [DataAttribute] = []
        // KEK_MANAGEMENT_ALGORITHM "MUST NOT be sent in a GROUPKEY-PULL exchange" (RFC 6407 §5.3.1).
        if inPush && group.keyTree != nil { attributes.append(.tv(GDOIKEKAttributeType.managementAlgorithm, 1)) }
        attributes += [
            .tv(GDOIKEKAttributeType.algorithm, GDOIKEKAlgorithm.aes.rawValue),
            .tv(GDOIKEKAttributeType.keyLength, UInt16(algorithm.parameters.keyLength * 8)),
            .tlv(GDOIKEKAttributeType.keyLifetime, Phase2Hash.bigEndian(rekey.policy.lifetimeSeconds)),
            .tv(GDOIKEKAttributeType.sigHashAlgorithm, numbers.hash),
            .tv(GDOIKEKAttributeType.sigAlgorithm, numbers.signature),
        ]
        if case .rsa(let bits) = key.kind { attributes.append(.tv(GDOIKEKAttributeType.sigKeyLength, UInt16(clamping: bits))) }
        // Unicast rekeys ask for RFC 8263 acknowledgements, so missed ones can be counted.
        if rekey.policy.transport == .unicast { attributes.append(.tv(GDOIKEKAttributeType.ackRequested, ackKEKSHA256)) }
        let server = group.definition.keyServers.first
        let source = address(server?.address.octets, port: server?.port ?? 848)
        let destination = address(rekey.policy.destination?.octets, port: rekey.policy.port)
        return SAKEKPayload(protocolID: 17, source: source, destination: destination, spi: rekey.spi, attributes: attributes)
    }

    static func address(_ octets: [UInt8]?, port: UInt16) -> GDOIIdentity {
        let bytes = octets ?? [0, 0, 0, 0]
        return GDOIIdentity(idType: bytes.count == 4 ? ipv4Address : ipv6Address, port: port, data: bytes)
    }

    /// TEK key packet (RFC 6407 §5.6.1): TEK_ALGORITHM_KEY (key with salt), TEK_INTEGRITY_KEY.
    static func tekKeyPacket(_ sa: DataSecuritySA) -> GDOIKeyPacket {
        var attributes: [GDOIKeyAttribute] = []
        if sa.encryptionKeyLength > 0 {
            attributes.append(.secret(type: 1, value: sa.keyMaterial.slice(0..<sa.encryptionKeyLength)))
        }
        if sa.integrityKeyLength > 0 {
            attributes.append(.secret(type: 2, value: sa.keyMaterial.slice(sa.encryptionKeyLength..<sa.keyMaterial.count)))
        }
        return GDOIKeyPacket(kdType: GDOIKeyDownloadType.tek, spi: sa.spi, attributes: attributes)
    }

    /// KEK key packet (RFC 6407 §5.6.2): KEK_ALGORITHM_KEY = IV | key, SIG_ALGORITHM_KEY = the
    /// key server's public key (DER SubjectPublicKeyInfo) that verifies the pushes.
    static func kekKeyPacket(_ kek: GDOIKEKKey, publicKey: [UInt8]?) -> GDOIKeyPacket {
        var attributes: [GDOIKeyAttribute] = [.secret(type: 1, value: kek.keyData)]
        if let publicKey { attributes.append(.plain(.tlv(2, publicKey))) }
        return GDOIKeyPacket(kdType: GDOIKeyDownloadType.kek, spi: kek.spi, attributes: attributes)
    }

    /// LKH key packet with the member's LKH_DOWNLOAD_ARRAY: leaf first, root (= group KEK) last
    /// (RFC 6407 §5.6.3.1). LKH ID = tree position, Key Handle = the key's serial.
    static func lkhDownloadPacket(path: [LKHNodeKey], kekSPI: [UInt8], algorithm: CBCCipher.Algorithm) throws -> GDOIKeyPacket {
        let keys = try path.map { node in
            LKHKey(lkhID: try lkhID(node.position), keyType: UInt8(GDOIKEKAlgorithm.aes.rawValue), keyHandle: node.serial,
                   keyData: try GDOIKEKKey.nodeKeyData(node, blockSize: algorithm.parameters.blockSize))
        }
        return GDOIKeyPacket(kdType: GDOIKeyDownloadType.lkh, spi: kekSPI,
                             attributes: [.secret(type: 1, value: LKHDownloadArray(keys: keys).encoded())])
    }

    /// GDOI's LKH ID is 16 bits (RFC 6407 §5.6.3.1): a tree position beyond it cannot be named.
    static func lkhID(_ position: LKHPosition) throws -> UInt16 {
        guard let id = position.gdoiLKHID else {
            throw GroupKeyError.cannotBuild("LKH position \(position.rawValue) does not fit GDOI's 16-bit LKH ID")
        }
        return id
    }

    /// SID key packet (RFC 6407 §5.6.4): no SPI, NUMBER_OF_SID_BITS, one SID_VALUE (4 octets) per ID.
    static func sidKeyPacket(bits: Int, senderIDs: [UInt32]) -> GDOIKeyPacket {
        GDOIKeyPacket(kdType: GDOIKeyDownloadType.sid, spi: [],
                      attributes: [.plain(.tv(1, UInt16(clamping: bits)))] + senderIDs.map { .plain(.tlv(2, Phase2Hash.bigEndian($0))) })
    }
}
