import NIOCore
import WireCore

/// The GDOI SA payload (RFC 6407 §5.2, Fig. 4): `DOI(4)=2 | Situation(4)=0 | SA Attribute Next
/// Payload(2) | RESERVED2(2)`, followed by its SA attribute payloads (SAK 0..1, GAP 0..1, SAT 0..n, in
/// that order, at least one SAK or SAT), all counted in the SA's Payload Length (§5.2.1;
/// WIRE-REFERENCE §18 item 18).
public struct GDOISecurityAssociation: Equatable, Sendable {
    public var kek: SAKEKPayload?
    public var groupPolicy: GroupAssociatedPolicy?
    public var teks: [SATEKPayload]

    public init(kek: SAKEKPayload? = nil, groupPolicy: GroupAssociatedPolicy? = nil, teks: [SATEKPayload] = []) {
        self.kek = kek
        self.groupPolicy = groupPolicy
        self.teks = teks
    }

    var attributePayloadTypes: [UInt8] {
        (kek == nil ? [] : [ISAKMPPayloadType.saKEK]) + (groupPolicy == nil ? [] : [ISAKMPPayloadType.groupAssociatedPolicy])
            + teks.map { _ in ISAKMPPayloadType.saTEK }
    }

    func write(to buffer: inout ByteBuffer) throws {
        let types = attributePayloadTypes
        buffer.writeInteger(ISAKMPDOI.gdoi, endianness: .big)
        buffer.writeInteger(UInt32(0), endianness: .big)
        buffer.writeInteger(UInt16(types.first ?? 0), endianness: .big)
        buffer.writeInteger(UInt16(0), endianness: .big)
        var index = 0
        func next() -> UInt8 { index += 1; return index < types.count ? types[index] : 0 }
        if let kek { try PayloadChain.writePayload(nextPayload: next(), style: .isakmp, to: &buffer) { try kek.write(to: &$0) } }
        if let groupPolicy {
            try PayloadChain.writePayload(nextPayload: next(), style: .isakmp, to: &buffer) {
                try DataAttribute.writeAll(groupPolicy.attributes, to: &$0)
            }
        }
        for tek in teks { try PayloadChain.writePayload(nextPayload: next(), style: .isakmp, to: &buffer) { try tek.write(to: &$0) } }
    }

    static func read(from reader: inout WireReader) throws -> GDOISecurityAssociation {
        let context = reader.context
        let doiOffset = reader.offset
        let doi = try reader.readUInt32("DOI")
        guard doi == ISAKMPDOI.gdoi else {
            throw WireError.invalidValue(payload: context, offset: doiOffset, field: "DOI", value: Int(doi))
        }
        let situation = try reader.readUInt32("Situation")
        guard situation == 0 else {
            throw WireError.invalidValue(payload: context, offset: doiOffset + 4, field: "Situation", value: Int(situation))
        }
        let firstOffset = reader.offset
        let first = try reader.readUInt16("SA Attribute Next Payload")
        try reader.readReservedZero(2, "RESERVED2")
        guard first <= UInt16(UInt8.max), [15, 16, 22].contains(UInt8(first)) else {
            throw WireError.invalidValue(payload: context, offset: firstOffset, field: "SA Attribute Next Payload", value: Int(first))
        }
        let raws = try PayloadChain.walk(first: UInt8(first), reader: &reader, style: .isakmp, name: ISAKMPPayloadType.name)
        var sa = GDOISecurityAssociation()
        // Order SAK, GAP, SATs (RFC 6407 §5.2.1): a rank that may only grow.
        var rank = 0
        for raw in raws {
            var body = raw.bodyReader(context: ISAKMPPayloadType.name(raw.type))
            let thisRank: Int
            switch raw.type {
            case ISAKMPPayloadType.saKEK:
                thisRank = 1
                guard sa.kek == nil else { throw WireError.invalidCount(payload: "SAK", offset: raw.offset, declared: 1, found: 2) }
                sa.kek = try SAKEKPayload.read(from: &body)
            case ISAKMPPayloadType.groupAssociatedPolicy:
                thisRank = 2
                guard sa.groupPolicy == nil else { throw WireError.invalidCount(payload: "GAP", offset: raw.offset, declared: 1, found: 2) }
                sa.groupPolicy = GroupAssociatedPolicy(attributes: try ISAKMPAttributeFormats.readChecked(from: &body, formats: ISAKMPAttributeFormats.gap))
            case ISAKMPPayloadType.saTEK:
                thisRank = 3
                sa.teks.append(try SATEKPayload.read(from: &body))
            default:
                throw WireError.invalidValue(payload: context, offset: raw.offset, field: "SA attribute payload type", value: Int(raw.type))
            }
            guard thisRank >= rank else {
                throw WireError.ruleViolation(exchange: "SA", payload: ISAKMPPayloadType.name(raw.type), offset: raw.offset,
                                              reason: "SA attribute payloads must come in the order SAK, GAP, SAT")
            }
            rank = thisRank
        }
        guard sa.kek != nil || !sa.teks.isEmpty else {
            throw WireError.invalidCount(payload: context, offset: firstOffset, declared: 1, found: 0)
        }
        return sa
    }
}

/// One end of a GDOI SAK/SAT selector (RFC 6407 §5.3, §5.5.1): `ID Type(1) | ID Port(2) |
/// ID Data Len(1) | ID Data`. No "DST ID Prot" octet (WIRE-REFERENCE §17.1, §18 item 17).
public struct GDOIIdentity: Equatable, Sendable {
    public var idType: UInt8
    public var port: UInt16
    public var data: [UInt8]

    public init(idType: UInt8, port: UInt16 = 0, data: [UInt8]) {
        self.idType = idType
        self.port = port
        self.data = data
    }

    func write(to buffer: inout ByteBuffer) throws {
        guard data.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "GDOI identity", offset: buffer.writerIndex, limit: "8-bit ID Data Len", value: data.count)
        }
        buffer.writeInteger(idType)
        buffer.writeInteger(port, endianness: .big)
        buffer.writeInteger(UInt8(data.count))
        buffer.writeBytes(data)
    }

    static func read(from reader: inout WireReader, side: String) throws -> GDOIIdentity {
        let type = try reader.readUInt8("\(side) ID Type")
        let port = try reader.readUInt16("\(side) ID Port")
        let length = Int(try reader.readUInt8("\(side) ID Data Len"))
        return GDOIIdentity(idType: type, port: port, data: try reader.readBytes(length, "\(side) Identification Data"))
    }
}

/// SA KEK (RFC 6407 §5.3, Fig. 5).
public struct SAKEKPayload: Equatable, Sendable {
    /// IP protocol of the GROUPKEY-PUSH datagram (e.g. 17 UDP).
    public var protocolID: UInt8
    public var source: GDOIIdentity
    public var destination: GDOIIdentity
    /// The Rekey SA's cookie pair (16 octets).
    public var spi: [UInt8]
    public var attributes: [DataAttribute]

    public init(protocolID: UInt8, source: GDOIIdentity, destination: GDOIIdentity, spi: [UInt8], attributes: [DataAttribute]) {
        self.protocolID = protocolID
        self.source = source
        self.destination = destination
        self.spi = spi
        self.attributes = attributes
    }

    func write(to buffer: inout ByteBuffer) throws {
        guard spi.count == ISAKMPLimits.kekSPILength else {
            throw WireError.invalidLength(payload: "SAK", offset: buffer.writerIndex, declared: spi.count, reason: "SPI must be 16 octets")
        }
        buffer.writeInteger(protocolID)
        try source.write(to: &buffer)
        try destination.write(to: &buffer)
        buffer.writeBytes(spi)
        buffer.writeInteger(UInt32(0))
        try DataAttribute.writeAll(attributes, to: &buffer)
    }

    static func read(from reader: inout WireReader) throws -> SAKEKPayload {
        let protocolID = try reader.readUInt8("Protocol")
        let source = try GDOIIdentity.read(from: &reader, side: "SRC")
        let destination = try GDOIIdentity.read(from: &reader, side: "DST")
        let spi = try reader.readBytes(ISAKMPLimits.kekSPILength, "SPI")
        try reader.readReservedZero(4, "RESERVED2")
        let attributes = try ISAKMPAttributeFormats.readChecked(from: &reader, formats: ISAKMPAttributeFormats.kek)
        return SAKEKPayload(protocolID: protocolID, source: source, destination: destination, spi: spi, attributes: attributes)
    }
}

/// GAP (RFC 6407 §5.4): ACTIVATION_TIME_DELAY (1), DEACTIVATION_TIME_DELAY (2), SENDER_ID_REQUEST (3),
/// all Basic. Also sent on its own in GROUPKEY-PULL message 3.
public struct GroupAssociatedPolicy: Equatable, Sendable {
    public var attributes: [DataAttribute]
    public init(attributes: [DataAttribute]) { self.attributes = attributes }
}

/// SA TEK (RFC 6407 §5.5, Fig. 7): `Protocol-ID(1) | TEK protocol-specific payload`.
public enum SATEKPayload: Equatable, Sendable {
    /// GDOI_PROTO_IPSEC_ESP (1) or GDOI_PROTO_IPSEC_AH (2) (§5.5.1).
    case ipsec(IPsecTEK)
    /// Another TEK protocol (§5.5.2), kept as its body.
    case other(protocolID: UInt8, body: [UInt8])

    func write(to buffer: inout ByteBuffer) throws {
        switch self {
        case .ipsec(let tek): try tek.write(to: &buffer)
        case .other(let protocolID, let body):
            buffer.writeInteger(protocolID)
            buffer.writeBytes(body)
        }
    }

    static func read(from reader: inout WireReader) throws -> SATEKPayload {
        let protocolID = try reader.readUInt8("Protocol-ID")
        guard protocolID == GDOIProtocolID.ipsecESP || protocolID == GDOIProtocolID.ipsecAH else {
            return .other(protocolID: protocolID, body: reader.readRemainingBytes())
        }
        return .ipsec(try IPsecTEK.readBody(protocolID: protocolID, from: &reader))
    }
}

/// ESP/AH TEK (RFC 6407 §5.5.1, Fig. 8): `Protocol(1) | SRC identity | DST identity |
/// Transform ID(1) | SPI(4) | RFC 2407 SA Attributes`.
public struct IPsecTEK: Equatable, Sendable {
    /// GDOI_PROTO_IPSEC_ESP (1) or _AH (2).
    public var securityProtocol: UInt8
    /// IP protocol of the protected traffic (0 = any).
    public var ipProtocol: UInt8
    public var source: GDOIIdentity
    public var destination: GDOIIdentity
    /// IPsec DOI ESP/AH Transform ID (IANA), e.g. ESP_AES-GCM_16 = 20.
    public var transformID: UInt8
    public var spi: [UInt8]
    public var attributes: [DataAttribute]

    public init(securityProtocol: UInt8, ipProtocol: UInt8, source: GDOIIdentity, destination: GDOIIdentity,
                transformID: UInt8, spi: [UInt8], attributes: [DataAttribute]) {
        self.securityProtocol = securityProtocol
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.transformID = transformID
        self.spi = spi
        self.attributes = attributes
    }

    func write(to buffer: inout ByteBuffer) throws {
        guard spi.count == ISAKMPLimits.tekSPILength else {
            throw WireError.invalidLength(payload: "SAT", offset: buffer.writerIndex, declared: spi.count, reason: "SPI must be 4 octets")
        }
        buffer.writeInteger(securityProtocol)
        buffer.writeInteger(ipProtocol)
        try source.write(to: &buffer)
        try destination.write(to: &buffer)
        buffer.writeInteger(transformID)
        buffer.writeBytes(spi)
        try DataAttribute.writeAll(attributes, to: &buffer)
    }

    static func readBody(protocolID: UInt8, from reader: inout WireReader) throws -> IPsecTEK {
        let ipProtocol = try reader.readUInt8("Protocol")
        let source = try GDOIIdentity.read(from: &reader, side: "SRC")
        let destination = try GDOIIdentity.read(from: &reader, side: "DST")
        let transformID = try reader.readUInt8("Transform ID")
        let spi = try reader.readBytes(ISAKMPLimits.tekSPILength, "SPI")
        let attributes = try ISAKMPAttributeFormats.readChecked(from: &reader, formats: ISAKMPAttributeFormats.ipsec)
        return IPsecTEK(securityProtocol: protocolID, ipProtocol: ipProtocol, source: source, destination: destination,
                        transformID: transformID, spi: spi, attributes: attributes)
    }
}
