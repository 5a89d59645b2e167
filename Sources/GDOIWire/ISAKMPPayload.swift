import NIOCore
import WireCore

/// Every ISAKMP / IKEv1 / GDOI payload this codec knows, plus `.unknown`, which keeps any other
/// payload's type and body so the message re-serialises to the same octets.
public enum ISAKMPPayload: Equatable, Sendable {
    /// Phase-1 SA with proposals (Main/Aggressive Mode).
    case securityAssociation(ISAKMPSecurityAssociation)        // 1
    /// GDOI SA with its SAK/GAP/SAT payloads (GROUPKEY-PULL message 2, GROUPKEY-PUSH).
    case groupSecurityAssociation(GDOISecurityAssociation)     // 1
    case keyExchange(data: [UInt8])                            // 4
    case identification(ISAKMPIdentification)                  // 5
    case certificate(ISAKMPCertificate)                        // 6
    case certificateRequest(ISAKMPCertificate)                 // 7
    case hash(data: [UInt8])                                   // 8
    case signature(data: [UInt8])                              // 9
    case nonce(data: [UInt8])                                  // 10
    case notification(ISAKMPNotification)                      // 11
    case delete(ISAKMPDelete)                                  // 12
    case vendorID(data: [UInt8])                               // 13
    case keyDownload(GDOIKeyDownload)                          // 17
    case sequenceNumber(GDOISequenceNumber)                    // 18
    case natDiscovery(hash: [UInt8])                           // 20
    case natOriginalAddress(NATOriginalAddress)                // 21
    /// A GAP on its own: GROUPKEY-PULL message 3 (RFC 6407 §3.2).
    case groupAssociatedPolicy(GroupAssociatedPolicy)          // 22
    case unknown(type: UInt8, body: [UInt8])

    public var type: UInt8 {
        switch self {
        case .securityAssociation, .groupSecurityAssociation: return ISAKMPPayloadType.securityAssociation
        case .keyExchange: return ISAKMPPayloadType.keyExchange
        case .identification: return ISAKMPPayloadType.identification
        case .certificate: return ISAKMPPayloadType.certificate
        case .certificateRequest: return ISAKMPPayloadType.certificateRequest
        case .hash: return ISAKMPPayloadType.hash
        case .signature: return ISAKMPPayloadType.signature
        case .nonce: return ISAKMPPayloadType.nonce
        case .notification: return ISAKMPPayloadType.notification
        case .delete: return ISAKMPPayloadType.delete
        case .vendorID: return ISAKMPPayloadType.vendorID
        case .keyDownload: return ISAKMPPayloadType.keyDownload
        case .sequenceNumber: return ISAKMPPayloadType.sequenceNumber
        case .natDiscovery: return ISAKMPPayloadType.natDiscovery
        case .natOriginalAddress: return ISAKMPPayloadType.natOriginalAddress
        case .groupAssociatedPolicy: return ISAKMPPayloadType.groupAssociatedPolicy
        case .unknown(let type, _): return type
        }
    }

    func writeBody(to buffer: inout ByteBuffer) throws {
        switch self {
        case .securityAssociation(let sa): try sa.write(to: &buffer)
        case .groupSecurityAssociation(let sa): try sa.write(to: &buffer)
        case .keyExchange(let data), .hash(let data), .signature(let data), .nonce(let data), .vendorID(let data),
             .natDiscovery(let data), .unknown(_, let data):
            buffer.writeBytes(data)
        case .identification(let id): id.write(to: &buffer)
        case .certificate(let cert), .certificateRequest(let cert): cert.write(to: &buffer)
        case .notification(let n): try n.write(to: &buffer)
        case .delete(let d): try d.write(to: &buffer)
        case .keyDownload(let kd): try kd.write(to: &buffer)
        case .sequenceNumber(let seq): buffer.writeInteger(seq.value, endianness: .big)
        case .natOriginalAddress(let oa): oa.write(to: &buffer)
        case .groupAssociatedPolicy(let gap): try DataAttribute.writeAll(gap.attributes, to: &buffer)
        }
    }

    /// Which SA layout a message uses: the GDOI exchanges carry the GDOI SA (RFC 6407 §5.2), the
    /// phase-1 exchanges the ISAKMP one (RFC 2408 §3.4).
    static func usesGDOISecurityAssociation(exchangeType: UInt8) -> Bool {
        exchangeType == ISAKMPExchangeType.groupkeyPull || exchangeType == ISAKMPExchangeType.groupkeyPush
    }

    /// Interprets one payload found by the chain walk (after bounds checks).
    public static func decode(_ raw: RawPayload, exchangeType: UInt8) throws -> ISAKMPPayload {
        var r = raw.bodyReader(context: ISAKMPPayloadType.name(raw.type))
        let payload: ISAKMPPayload
        switch raw.type {
        case ISAKMPPayloadType.securityAssociation:
            payload = usesGDOISecurityAssociation(exchangeType: exchangeType)
                ? .groupSecurityAssociation(try .read(from: &r)) : .securityAssociation(try .read(from: &r))
        case ISAKMPPayloadType.keyExchange: payload = .keyExchange(data: r.readRemainingBytes())
        case ISAKMPPayloadType.identification: payload = .identification(try .read(from: &r))
        case ISAKMPPayloadType.certificate: payload = .certificate(try .read(from: &r))
        case ISAKMPPayloadType.certificateRequest: payload = .certificateRequest(try .read(from: &r))
        case ISAKMPPayloadType.hash: payload = .hash(data: r.readRemainingBytes())
        case ISAKMPPayloadType.signature: payload = .signature(data: r.readRemainingBytes())
        case ISAKMPPayloadType.nonce:
            let data = r.readRemainingBytes()
            guard (ISAKMPLimits.minimumNonceLength...ISAKMPLimits.maximumNonceLength).contains(data.count) else {
                throw WireError.invalidLength(payload: "NONCE", offset: raw.offset + 2, declared: data.count + 4,
                                              reason: "gives a nonce outside 8...256 octets (RFC 2409 §5)")
            }
            payload = .nonce(data: data)
        case ISAKMPPayloadType.notification: payload = .notification(try .read(from: &r))
        case ISAKMPPayloadType.delete: payload = .delete(try .read(from: &r))
        case ISAKMPPayloadType.vendorID: payload = .vendorID(data: r.readRemainingBytes())
        case ISAKMPPayloadType.keyDownload: payload = .keyDownload(try .read(from: &r))
        case ISAKMPPayloadType.sequenceNumber: payload = .sequenceNumber(try .read(from: &r))
        case ISAKMPPayloadType.natDiscovery: payload = .natDiscovery(hash: r.readRemainingBytes())
        case ISAKMPPayloadType.natOriginalAddress: payload = .natOriginalAddress(try .read(from: &r))
        case ISAKMPPayloadType.groupAssociatedPolicy:
            payload = .groupAssociatedPolicy(GroupAssociatedPolicy(
                attributes: try ISAKMPAttributeFormats.readChecked(from: &r, formats: ISAKMPAttributeFormats.gap)))
        default:
            return .unknown(type: raw.type, body: raw.bodyBytes)
        }
        try r.expectEnd()
        return payload
    }
}
