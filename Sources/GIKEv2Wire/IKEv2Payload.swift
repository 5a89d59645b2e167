import NIOCore
import WireCore

/// Every IKEv2 / G-IKEv2 payload this codec knows, plus `.unknown`, which keeps any other payload's
/// type, critical bit and body so the message re-serialises to the same octets (RFC 7296 §2.5).
public enum IKEv2Payload: Equatable, Sendable {
    case securityAssociation(SecurityAssociationPayload)      // 33: SA and SAg
    case keyExchange(KeyExchangePayload)                      // 34
    case identificationInitiator(IdentificationPayload)       // 35
    case identificationResponder(IdentificationPayload)       // 36
    case certificate(CertificatePayload)                      // 37
    case certificateRequest(CertificatePayload)               // 38
    case authentication(AuthenticationPayload)                // 39
    case nonce(NoncePayload)                                  // 40
    case notify(NotifyPayload)                                // 41
    case delete(DeletePayload)                                // 42
    case vendorID(VendorIDPayload)                            // 43
    case trafficSelectorInitiator(TrafficSelectorPayload)     // 44
    case trafficSelectorResponder(TrafficSelectorPayload)     // 45
    case encrypted(EncryptedPayload)                          // 46
    case groupIdentification(IdentificationPayload)           // 50: IDg
    case groupSecurityAssociation(GroupSecurityAssociationPayload) // 51: GSA
    case keyDownload(KeyDownloadPayload)                      // 52: KD
    case encryptedFragment(EncryptedFragmentPayload)          // 53
    case unknown(type: UInt8, critical: Bool, body: [UInt8])

    public var type: UInt8 {
        switch self {
        case .securityAssociation: return IKEv2PayloadType.securityAssociation
        case .keyExchange: return IKEv2PayloadType.keyExchange
        case .identificationInitiator: return IKEv2PayloadType.identificationInitiator
        case .identificationResponder: return IKEv2PayloadType.identificationResponder
        case .certificate: return IKEv2PayloadType.certificate
        case .certificateRequest: return IKEv2PayloadType.certificateRequest
        case .authentication: return IKEv2PayloadType.authentication
        case .nonce: return IKEv2PayloadType.nonce
        case .notify: return IKEv2PayloadType.notify
        case .delete: return IKEv2PayloadType.delete
        case .vendorID: return IKEv2PayloadType.vendorID
        case .trafficSelectorInitiator: return IKEv2PayloadType.trafficSelectorInitiator
        case .trafficSelectorResponder: return IKEv2PayloadType.trafficSelectorResponder
        case .encrypted: return IKEv2PayloadType.encrypted
        case .groupIdentification: return IKEv2PayloadType.groupIdentification
        case .groupSecurityAssociation: return IKEv2PayloadType.groupSecurityAssociation
        case .keyDownload: return IKEv2PayloadType.keyDownload
        case .encryptedFragment: return IKEv2PayloadType.encryptedFragment
        case .unknown(let type, _, _): return type
        }
    }

    var critical: Bool { if case .unknown(_, let critical, _) = self { return critical } else { return false } }

    /// The Next Payload octet this payload's own header carries when it is SK/SKF (the first inner
    /// payload, RFC 7296 §3.14; RFC 7383 §2.5); nil for ordinary payloads, whose octet names the
    /// following payload.
    var ownNextPayload: UInt8? {
        switch self {
        case .encrypted(let sk): return sk.firstInnerPayload
        case .encryptedFragment(let skf): return skf.firstInnerPayload
        default: return nil
        }
    }

    func writeBody(to buffer: inout ByteBuffer) throws {
        switch self {
        case .securityAssociation(let p): try p.write(to: &buffer)
        case .keyExchange(let p): p.write(to: &buffer)
        case .identificationInitiator(let p), .identificationResponder(let p), .groupIdentification(let p): p.write(to: &buffer)
        case .certificate(let p), .certificateRequest(let p): p.write(to: &buffer)
        case .authentication(let p): p.write(to: &buffer)
        case .nonce(let p): p.write(to: &buffer)
        case .notify(let p): try p.write(to: &buffer)
        case .delete(let p): try p.write(to: &buffer)
        case .vendorID(let p): p.write(to: &buffer)
        case .trafficSelectorInitiator(let p), .trafficSelectorResponder(let p): try p.write(to: &buffer)
        case .encrypted(let p): buffer.writeBytes(p.content)
        case .groupSecurityAssociation(let p): try p.write(to: &buffer)
        case .keyDownload(let p): try p.write(to: &buffer)
        case .encryptedFragment(let p): p.writeBody(to: &buffer)
        case .unknown(_, _, let body): buffer.writeBytes(body)
        }
    }

    /// Interprets one payload found by the chain walk (phase 2 of the parse: semantics after bounds).
    public static func decode(_ raw: RawPayload) throws -> IKEv2Payload {
        var r = raw.bodyReader(context: IKEv2PayloadType.name(raw.type))
        let payload: IKEv2Payload
        switch raw.type {
        case IKEv2PayloadType.securityAssociation: payload = .securityAssociation(try .read(from: &r))
        case IKEv2PayloadType.keyExchange: payload = .keyExchange(try .read(from: &r))
        case IKEv2PayloadType.identificationInitiator: payload = .identificationInitiator(try .read(from: &r))
        case IKEv2PayloadType.identificationResponder: payload = .identificationResponder(try .read(from: &r))
        case IKEv2PayloadType.certificate: payload = .certificate(try .read(from: &r))
        case IKEv2PayloadType.certificateRequest: payload = .certificateRequest(try .read(from: &r))
        case IKEv2PayloadType.authentication: payload = .authentication(try .read(from: &r))
        case IKEv2PayloadType.nonce: payload = .nonce(try .read(from: &r))
        case IKEv2PayloadType.notify: payload = .notify(try .read(from: &r))
        case IKEv2PayloadType.delete: payload = .delete(try .read(from: &r))
        case IKEv2PayloadType.vendorID: payload = .vendorID(.read(from: &r))
        case IKEv2PayloadType.trafficSelectorInitiator: payload = .trafficSelectorInitiator(try .read(from: &r))
        case IKEv2PayloadType.trafficSelectorResponder: payload = .trafficSelectorResponder(try .read(from: &r))
        case IKEv2PayloadType.encrypted:
            payload = .encrypted(EncryptedPayload(firstInnerPayload: raw.nextPayload, content: r.readRemainingBytes()))
        case IKEv2PayloadType.groupIdentification: payload = .groupIdentification(try .read(from: &r))
        case IKEv2PayloadType.groupSecurityAssociation: payload = .groupSecurityAssociation(try .read(from: &r))
        case IKEv2PayloadType.keyDownload: payload = .keyDownload(try .read(from: &r))
        case IKEv2PayloadType.encryptedFragment:
            payload = .encryptedFragment(try EncryptedFragmentPayload.read(firstInnerPayload: raw.nextPayload, from: &r))
        default:
            return .unknown(type: raw.type, critical: raw.critical, body: raw.bodyBytes)
        }
        try r.expectEnd()
        return payload
    }
}

/// SK payload (RFC 7296 §3.14) as carried: `IV | encrypted (inner payloads | Padding | Pad Length) |
/// ICV`, opaque until opened with `SKProtection`.
public struct EncryptedPayload: Equatable, Sendable {
    /// The SK header's Next Payload: the type of the first inner payload.
    public var firstInnerPayload: UInt8
    public var content: [UInt8]
    public init(firstInnerPayload: UInt8, content: [UInt8]) {
        self.firstInnerPayload = firstInnerPayload
        self.content = content
    }
}

/// SKF payload (RFC 7383 §2.5): `Fragment Number(2) | Total Fragments(2) | IV | encrypted | ICV`.
public struct EncryptedFragmentPayload: Equatable, Sendable {
    /// First inner payload type in fragment 1, zero in the others (RFC 7383 §2.5).
    public var firstInnerPayload: UInt8
    public var fragmentNumber: UInt16
    public var totalFragments: UInt16
    public var content: [UInt8]

    public init(firstInnerPayload: UInt8, fragmentNumber: UInt16, totalFragments: UInt16, content: [UInt8]) {
        self.firstInnerPayload = firstInnerPayload
        self.fragmentNumber = fragmentNumber
        self.totalFragments = totalFragments
        self.content = content
    }

    func writeBody(to buffer: inout ByteBuffer) {
        buffer.writeInteger(fragmentNumber, endianness: .big)
        buffer.writeInteger(totalFragments, endianness: .big)
        buffer.writeBytes(content)
    }

    /// The checks RFC 7383 §2.6 makes a receiver do before anything else.
    static func read(firstInnerPayload: UInt8, from reader: inout WireReader) throws -> EncryptedFragmentPayload {
        let numberOffset = reader.offset
        let number = try reader.readUInt16("Fragment Number")
        let total = try reader.readUInt16("Total Fragments")
        guard total != 0 else {
            throw WireError.invalidValue(payload: reader.context, offset: numberOffset + 2, field: "Total Fragments", value: 0)
        }
        guard number != 0, number <= total else {
            throw WireError.invalidValue(payload: reader.context, offset: numberOffset, field: "Fragment Number", value: Int(number))
        }
        guard number == 1 || firstInnerPayload == 0 else {
            throw WireError.invalidValue(payload: reader.context, offset: numberOffset - 4, field: "Next Payload",
                                         value: Int(firstInnerPayload))
        }
        return EncryptedFragmentPayload(firstInnerPayload: firstInnerPayload, fragmentNumber: number,
                                        totalFragments: total, content: reader.readRemainingBytes())
    }
}
