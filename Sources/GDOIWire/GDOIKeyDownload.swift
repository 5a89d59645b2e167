import GroupKeyCrypto
import NIOCore
import WireCore

/// KD payload (RFC 6407 §5.6, Fig. 9): `Number of Key Packets(2) | RESERVED2(2) | Key Packets`.
/// GDOI sends keys in the clear inside the encrypted message, so key-bearing attributes are held as
/// `SecretBytes` (zeroised, never printed).
public struct GDOIKeyDownload: Equatable, Sendable {
    public var packets: [GDOIKeyPacket]
    public init(packets: [GDOIKeyPacket]) { self.packets = packets }

    func write(to buffer: inout ByteBuffer) throws {
        guard packets.count <= Int(UInt16.max) else {
            throw WireError.limitExceeded(payload: "KD", offset: buffer.writerIndex, limit: "16-bit Number of Key Packets", value: packets.count)
        }
        buffer.writeInteger(UInt16(packets.count), endianness: .big)
        buffer.writeInteger(UInt16(0))
        for packet in packets { try packet.write(to: &buffer) }
    }

    static func read(from reader: inout WireReader) throws -> GDOIKeyDownload {
        let countOffset = reader.offset
        let count = Int(try reader.readUInt16("Number of Key Packets"))
        try reader.readReservedZero(2, "RESERVED2")
        var packets: [GDOIKeyPacket] = []
        var kekOrLKH = Set<UInt8>()
        while !reader.isEmpty {
            let packetOffset = reader.offset
            let packet = try GDOIKeyPacket.read(from: &reader)
            // "there MUST be only one" KEK packet and only one LKH packet (§5.6.2, §5.6.3).
            if packet.kdType == GDOIKeyDownloadType.kek || packet.kdType == GDOIKeyDownloadType.lkh {
                guard kekOrLKH.insert(packet.kdType).inserted else {
                    throw WireError.invalidCount(payload: "KD", offset: packetOffset, declared: 1, found: 2)
                }
            }
            packets.append(packet)
        }
        guard packets.count == count else {
            throw WireError.invalidCount(payload: reader.context, offset: countOffset, declared: count, found: packets.count)
        }
        return GDOIKeyDownload(packets: packets)
    }
}

/// Key packet (RFC 6407 §5.6, Fig. 10): `KD Type(1) | RESERVED(1) | KD Length(2) | SPI Size(1) |
/// SPI | Key Packet Attributes`.
public struct GDOIKeyPacket: Equatable, Sendable {
    public var kdType: UInt8
    public var spi: [UInt8]
    public var attributes: [GDOIKeyAttribute]

    public init(kdType: UInt8, spi: [UInt8], attributes: [GDOIKeyAttribute]) {
        self.kdType = kdType
        self.spi = spi
        self.attributes = attributes
    }

    /// Whether an attribute of a packet type carries key material (→ SecretBytes) (§5.6.1–§5.6.3):
    /// TEK keys, KEK_ALGORITHM_KEY, LKH arrays. Public keys and SID values are not secret.
    static func isSecret(kdType: UInt8, attributeType: UInt16) -> Bool {
        switch kdType {
        case GDOIKeyDownloadType.tek: return (1...3).contains(attributeType)
        case GDOIKeyDownloadType.kek: return attributeType == 1
        case GDOIKeyDownloadType.lkh: return attributeType == 1 || attributeType == 2
        default: return false
        }
    }

    func write(to buffer: inout ByteBuffer) throws {
        let start = buffer.writerIndex
        guard spi.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "Key Packet", offset: start, limit: "8-bit SPI Size", value: spi.count)
        }
        buffer.writeInteger(kdType)
        buffer.writeInteger(UInt8(0))
        try buffer.writeLength16Backfilled(countingFrom: start) { b in
            b.writeInteger(UInt8(spi.count))
            b.writeBytes(spi)
            for attribute in attributes { try attribute.write(to: &b) }
        }
    }

    static func read(from reader: inout WireReader) throws -> GDOIKeyPacket {
        let start = reader.offset
        var peek = reader
        let kdType = try peek.readUInt8("KD Type")
        try peek.readReservedZero(1)
        let length = Int(try peek.readUInt16("KD Length"))
        guard length >= 5, length <= reader.remaining else {
            throw WireError.invalidLength(payload: "Key Packet", offset: start + 2, declared: length,
                                          reason: "is not between 5 and the \(reader.remaining) octets remaining")
        }
        var body = try reader.readSubReader(length, context: "Key Packet")
        _ = try body.readBytes(4, "Key Packet header")
        let spiSizeOffset = body.offset
        let spiSize = Int(try body.readUInt8("SPI Size"))
        // SID packets carry no SPI (§5.6.4).
        if kdType == GDOIKeyDownloadType.sid && spiSize != 0 {
            throw WireError.invalidValue(payload: "Key Packet", offset: spiSizeOffset, field: "SPI Size", value: spiSize)
        }
        let spi = try body.readBytes(spiSize, "SPI")
        var attributes: [GDOIKeyAttribute] = []
        while !body.isEmpty {
            let offset = body.offset
            let attribute = try DataAttribute.read(from: &body)
            if isSecret(kdType: kdType, attributeType: attribute.type) {
                // Key attributes are Variable (§5.6.1–§5.6.3).
                try attribute.checkFormat(.tlv, payload: "Key Packet", offset: offset)
                guard case .tlv(var value) = attribute.value else { continue }
                attributes.append(.secret(type: attribute.type, value: SecretBytes(consuming: &value)))
            } else {
                if kdType == GDOIKeyDownloadType.sid && attribute.type == 1 {
                    try attribute.checkFormat(.tv, payload: "Key Packet", offset: offset) // NUMBER_OF_SID_BITS: B
                }
                attributes.append(.plain(attribute))
            }
        }
        return GDOIKeyPacket(kdType: kdType, spi: spi, attributes: attributes)
    }

    /// The value of a secret attribute, if present.
    public func secret(_ type: UInt16) -> SecretBytes? {
        for attribute in attributes { if case .secret(type, let value) = attribute { return value } }
        return nil
    }
}

public enum GDOIKeyAttribute: Equatable, Sendable {
    /// Key material: TEK_ALGORITHM_KEY, TEK_INTEGRITY_KEY, TEK_SOURCE_AUTH_KEY, KEK_ALGORITHM_KEY
    /// (IV | key), LKH_DOWNLOAD_ARRAY, LKH_UPDATE_ARRAY.
    case secret(type: UInt16, value: SecretBytes)
    /// Anything else (public keys, SID values, unknown attributes), kept as sent.
    case plain(DataAttribute)

    func write(to buffer: inout ByteBuffer) throws {
        switch self {
        case .plain(let attribute): try attribute.write(to: &buffer)
        case .secret(let type, let value):
            guard value.count <= Int(UInt16.max) else {
                throw WireError.limitExceeded(payload: "Key Packet", offset: buffer.writerIndex, limit: "16-bit attribute length", value: value.count)
            }
            buffer.writeInteger(type, endianness: .big)
            buffer.writeInteger(UInt16(value.count), endianness: .big)
            _ = value.withUnsafeBytes { buffer.writeBytes($0) }
        }
    }
}

/// SEQ (RFC 6407 §5.7): a 4-octet Sequence Number; Payload Length MUST be 8.
public struct GDOISequenceNumber: Equatable, Sendable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }

    static func read(from reader: inout WireReader) throws -> GDOISequenceNumber {
        guard reader.remaining == ISAKMPLimits.sequenceNumberLength else {
            throw WireError.invalidLength(payload: "SEQ", offset: reader.origin - 2, declared: reader.remaining + 4,
                                          reason: "is not 8 (RFC 6407 §5.7)")
        }
        return GDOISequenceNumber(try reader.readUInt32("Sequence Number"))
    }
}
