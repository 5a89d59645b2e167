import NIOCore
import WireCore

/// A Transform substructure (RFC 7296 §3.3.2), used in SA/SAg proposals and GSA policies:
/// `Last Substruc(1) | RESERVED | Transform Length(2) | Type(1) | RESERVED | Transform ID(2) | Attributes`.
public struct IKEv2Transform: Equatable, Sendable {
    public var type: UInt8
    public var id: UInt16
    public var attributes: [DataAttribute]

    public init(type: UInt8, id: UInt16, attributes: [DataAttribute] = []) {
        self.type = type
        self.id = id
        self.attributes = attributes
    }

    /// "Last Substruc" values: 0 last, 3 more transforms follow (RFC 7296 §3.3.2).
    static let moreFollow: UInt8 = 3
    static let fixedLength = 8

    /// The Key Length attribute (RFC 7296 §3.3.5), in bits, if present.
    public var keyLength: UInt16? {
        attributes.first { $0.type == IKEv2TransformAttributeType.keyLength }.flatMap { attribute in
            if case .tv(let bits) = attribute.value { return bits } else { return nil }
        }
    }

    func write(to buffer: inout ByteBuffer, last: Bool) throws {
        let start = buffer.writerIndex
        buffer.writeInteger(last ? 0 : Self.moreFollow)
        buffer.writeInteger(UInt8(0))
        try buffer.writeLength16Backfilled(countingFrom: start) { b in
            b.writeInteger(type)
            b.writeInteger(UInt8(0))
            b.writeInteger(id, endianness: .big)
            try DataAttribute.writeAll(attributes, to: &b)
        }
    }

    /// Reads one transform and reports whether it said it was the last.
    static func read(from reader: inout WireReader, context: String) throws -> (IKEv2Transform, last: Bool) {
        let start = reader.offset
        var peek = reader
        let marker = try peek.readUInt8("Last Substruc")
        guard marker == 0 || marker == moreFollow else {
            throw WireError.invalidValue(payload: context, offset: start, field: "Transform Last Substruc", value: Int(marker))
        }
        try peek.skipIgnoredReserved(1)
        let length = Int(try peek.readUInt16("Transform Length"))
        guard length >= fixedLength, length <= reader.remaining else {
            throw WireError.invalidLength(payload: context, offset: start + 2, declared: length,
                                          reason: "is not between \(fixedLength) and the \(reader.remaining) octets remaining")
        }
        var body = try reader.readSubReader(length, context: context)
        _ = try body.readBytes(4, "Transform header")
        let type = try body.readUInt8("Transform Type")
        try body.skipIgnoredReserved(1)
        let id = try body.readUInt16("Transform ID")
        let attributesOffset = body.offset
        let attributes = try DataAttribute.readAll(from: &body)
        for attribute in attributes {
            switch attribute.type {
            case IKEv2TransformAttributeType.keyLength:
                try attribute.checkFormat(.tv, payload: context, offset: attributesOffset)
            case IKEv2TransformAttributeType.signatureAlgorithmIdentifier:
                try attribute.checkFormat(.tlv, payload: context, offset: attributesOffset)
            default: break
            }
        }
        return (IKEv2Transform(type: type, id: id, attributes: attributes), marker == 0)
    }

    /// Reads transforms until one says it is the last (GSA policies, RFC 9838 §4.4.2: 3 except 0 on
    /// the last), or exactly `count` of them (proposals, whose count is explicit).
    static func readList(from reader: inout WireReader, count: Int?, context: String) throws -> [IKEv2Transform] {
        var transforms: [IKEv2Transform] = []
        while true {
            let offset = reader.offset
            if let count, transforms.count == count { break }
            if count == nil && reader.isEmpty && transforms.isEmpty { break }
            guard !reader.isEmpty else {
                // Proposals: fewer transforms than declared. GSA policies: the list ran out without a
                // transform marked last (RFC 9838 §4.4.2: "set to 0" on the last one).
                throw WireError.invalidCount(payload: context, offset: offset, declared: count ?? transforms.count + 1,
                                             found: transforms.count)
            }
            let (transform, last) = try read(from: &reader, context: context)
            transforms.append(transform)
            if let count {
                guard last == (transforms.count == count) else {
                    throw WireError.invalidValue(payload: context, offset: offset, field: "Transform Last Substruc",
                                                 value: last ? 0 : Int(moreFollow))
                }
            } else if last {
                break
            }
        }
        return transforms
    }
}

/// A Proposal substructure (RFC 7296 §3.3.1).
public struct IKEv2Proposal: Equatable, Sendable {
    public var number: UInt8
    public var protocolID: UInt8
    public var spi: [UInt8]
    public var transforms: [IKEv2Transform]

    public init(number: UInt8, protocolID: UInt8, spi: [UInt8] = [], transforms: [IKEv2Transform]) {
        self.number = number
        self.protocolID = protocolID
        self.spi = spi
        self.transforms = transforms
    }

    /// "Last Substruc": 0 last, 2 more proposals follow (RFC 7296 §3.3.1).
    static let moreFollow: UInt8 = 2
    static let fixedLength = 8
}

/// The SA payload (RFC 7296 §3.3), also the SAg payload of G-IKEv2 (RFC 9838 §4.3, same type 33).
public struct SecurityAssociationPayload: Equatable, Sendable {
    public var proposals: [IKEv2Proposal]

    public init(proposals: [IKEv2Proposal]) { self.proposals = proposals }

    public func write(to buffer: inout ByteBuffer) throws {
        for (index, proposal) in proposals.enumerated() {
            let start = buffer.writerIndex
            buffer.writeInteger(index == proposals.count - 1 ? 0 : IKEv2Proposal.moreFollow)
            buffer.writeInteger(UInt8(0))
            try buffer.writeLength16Backfilled(countingFrom: start) { b in
                guard proposal.spi.count <= Int(UInt8.max), proposal.transforms.count <= Int(UInt8.max) else {
                    throw WireError.limitExceeded(payload: "SA", offset: start, limit: "8-bit SPI Size / Num Transforms",
                                                  value: max(proposal.spi.count, proposal.transforms.count))
                }
                b.writeInteger(proposal.number)
                b.writeInteger(proposal.protocolID)
                b.writeInteger(UInt8(proposal.spi.count))
                b.writeInteger(UInt8(proposal.transforms.count))
                b.writeBytes(proposal.spi)
                for (t, transform) in proposal.transforms.enumerated() {
                    try transform.write(to: &b, last: t == proposal.transforms.count - 1)
                }
            }
        }
    }

    public static func read(from reader: inout WireReader) throws -> SecurityAssociationPayload {
        let context = reader.context
        var proposals: [IKEv2Proposal] = []
        while !reader.isEmpty {
            let start = reader.offset
            var peek = reader
            let marker = try peek.readUInt8("Proposal Last Substruc")
            guard marker == 0 || marker == IKEv2Proposal.moreFollow else {
                throw WireError.invalidValue(payload: context, offset: start, field: "Proposal Last Substruc", value: Int(marker))
            }
            try peek.skipIgnoredReserved(1)
            let length = Int(try peek.readUInt16("Proposal Length"))
            guard length >= IKEv2Proposal.fixedLength, length <= reader.remaining else {
                throw WireError.invalidLength(payload: context, offset: start + 2, declared: length,
                                              reason: "is not between 8 and the \(reader.remaining) octets remaining")
            }
            var body = try reader.readSubReader(length, context: context)
            _ = try body.readBytes(4, "Proposal header")
            let number = try body.readUInt8("Proposal Num")
            let protocolID = try body.readUInt8("Protocol ID")
            let spiSize = Int(try body.readUInt8("SPI Size"))
            let count = Int(try body.readUInt8("Num Transforms"))
            let spi = try body.readBytes(spiSize, "SPI")
            let transforms = try IKEv2Transform.readList(from: &body, count: count, context: context)
            try body.expectEnd()
            proposals.append(IKEv2Proposal(number: number, protocolID: protocolID, spi: spi, transforms: transforms))
            guard (marker == 0) == reader.isEmpty else {
                throw WireError.invalidValue(payload: context, offset: start, field: "Proposal Last Substruc", value: Int(marker))
            }
        }
        return SecurityAssociationPayload(proposals: proposals)
    }
}
