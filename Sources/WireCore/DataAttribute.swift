import NIOCore

/// A data attribute, the same layout in both protocol families (RFC 2408 §3.3; RFC 7296 §3.3.5):
/// `AF(1 bit) | Attribute Type(15 bits) | Length or Value(2) | [Value]`. AF = 1 is the TV form
/// (a 2-octet value in place of the length); AF = 0 is TLV (2-octet length, then that many octets).
public struct DataAttribute: Equatable, Hashable, Sendable {
    public enum Value: Equatable, Hashable, Sendable {
        /// AF = 1: a 16-bit value.
        case tv(UInt16)
        /// AF = 0: a variable-length value.
        case tlv([UInt8])
    }

    /// The 15-bit attribute type (the AF bit is not part of it).
    public var type: UInt16
    public var value: Value

    public init(type: UInt16, value: Value) {
        precondition(type <= 0x7FFF, "attribute type \(type) does not fit 15 bits")
        self.type = type
        self.value = value
    }

    public static func tv(_ type: UInt16, _ value: UInt16) -> DataAttribute { .init(type: type, value: .tv(value)) }
    public static func tlv(_ type: UInt16, _ value: [UInt8]) -> DataAttribute { .init(type: type, value: .tlv(value)) }

    public var isTV: Bool { if case .tv = value { return true } else { return false } }

    /// The TV value, or a TLV value of 1 to 8 octets read as a big-endian unsigned integer (RFC 2408
    /// §3.3 allows a "Variable" attribute to carry an integer, e.g. SA Life Duration).
    public var integerValue: UInt64? {
        switch value {
        case .tv(let v): return UInt64(v)
        case .tlv(let bytes):
            guard (1...8).contains(bytes.count) else { return nil }
            return bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    public var encodedLength: Int {
        switch value {
        case .tv: return WireLimits.attributeHeaderLength
        case .tlv(let bytes): return WireLimits.attributeHeaderLength + bytes.count
        }
    }

    public func write(to buffer: inout ByteBuffer) throws {
        switch value {
        case .tv(let v):
            buffer.writeInteger(0x8000 | type, endianness: .big)
            buffer.writeInteger(v, endianness: .big)
        case .tlv(let bytes):
            guard bytes.count <= Int(UInt16.max) else {
                throw WireError.limitExceeded(payload: "attribute \(type)", offset: buffer.writerIndex,
                                              limit: "16-bit attribute length", value: bytes.count)
            }
            buffer.writeInteger(type, endianness: .big)
            buffer.writeInteger(UInt16(bytes.count), endianness: .big)
            buffer.writeBytes(bytes)
        }
    }

    /// Reads one attribute.
    public static func read(from reader: inout WireReader) throws -> DataAttribute {
        try reader.transaction { r in
            let first = try r.readUInt16("attribute type")
            let type = first & 0x7FFF
            if first & 0x8000 != 0 {
                return .tv(type, try r.readUInt16("attribute value"))
            }
            let length = try r.readUInt16("attribute length")
            return .tlv(type, try r.readBytes(Int(length), "attribute value"))
        }
    }

    /// Reads attributes until the reader is empty.
    public static func readAll(from reader: inout WireReader) throws -> [DataAttribute] {
        var attributes: [DataAttribute] = []
        while !reader.isEmpty {
            attributes.append(try read(from: &reader))
        }
        return attributes
    }

    public static func writeAll(_ attributes: [DataAttribute], to buffer: inout ByteBuffer) throws {
        for attribute in attributes { try attribute.write(to: &buffer) }
    }
}

/// What a registry says about one attribute type: which format it must use. Used to reject an
/// attribute sent in the wrong format rather than misread it.
public enum AttributeFormat: Sendable {
    case tv
    case tlv
    /// RFC 2408 §3.3 "Variable" attributes may be sent TV when the value fits 16 bits (RFC 2409
    /// App. A: "Variable length attributes ... may be encoded as basic"), e.g. SA Life Duration.
    case either
}

extension DataAttribute {
    /// Throws `invalidAttribute` if this attribute's AF bit disagrees with the registry's format.
    public func checkFormat(_ format: AttributeFormat, payload: String, offset: Int) throws {
        switch (format, value) {
        case (.tv, .tv), (.tlv, .tlv), (.either, _): return
        case (.tv, .tlv):
            throw WireError.invalidAttribute(payload: payload, offset: offset, attributeType: type,
                                             reason: "must be TV (AF=1)")
        case (.tlv, .tv):
            throw WireError.invalidAttribute(payload: payload, offset: offset, attributeType: type,
                                             reason: "must be TLV (AF=0)")
        }
    }
}
