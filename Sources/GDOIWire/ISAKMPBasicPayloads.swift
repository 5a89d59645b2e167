import NIOCore
import WireCore

/// Bounds ISAKMP bodies are checked against.
public enum ISAKMPLimits {
    /// "The length of nonce payload MUST be between 8 and 256 bytes inclusive" (RFC 2409 §5).
    public static let minimumNonceLength = 8
    public static let maximumNonceLength = 256
    /// GDOI narrows the nonce to 8..128 octets (RFC 6407 §5.8); checked by the GROUPKEY-PULL rules.
    public static let maximumGDOINonceLength = 128
    /// SEQ Payload Length MUST be 8: header + 4-octet Sequence Number (RFC 6407 §5.7).
    public static let sequenceNumberLength = 4
    /// SAK SPI: the 16-octet cookie pair (RFC 6407 §5.3).
    public static let kekSPILength = 16
    /// SAT ESP/AH SPI (RFC 6407 §5.5.1).
    public static let tekSPILength = 4
}

/// Identification (RFC 2408 §3.8; IPsec DOI RFC 2407 §4.6.2; GDOI RFC 6407 §5.1):
/// `ID Type(1) | Protocol ID(1) | Port(2) | Identification Data`. GDOI requires the
/// DOI-specific octets (protocol, port) to be 0 and carries the group as ID_KEY_ID (11).
public struct ISAKMPIdentification: Equatable, Sendable {
    public var idType: UInt8
    public var protocolID: UInt8
    public var port: UInt16
    public var data: [UInt8]

    public init(idType: UInt8, protocolID: UInt8 = 0, port: UInt16 = 0, data: [UInt8]) {
        self.idType = idType
        self.protocolID = protocolID
        self.port = port
        self.data = data
    }

    public static let ipv4Address: UInt8 = 1
    public static let fqdn: UInt8 = 2
    public static let keyID: UInt8 = 11

    /// A GDOI group identity: ID_KEY_ID with a 4-octet group number (RFC 6407 §5.1).
    public static func group(_ number: UInt32) -> ISAKMPIdentification {
        ISAKMPIdentification(idType: keyID, data: [UInt8(number >> 24), UInt8(number >> 16 & 0xFF),
                                                   UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF)])
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(idType)
        buffer.writeInteger(protocolID)
        buffer.writeInteger(port, endianness: .big)
        buffer.writeBytes(data)
    }

    static func read(from reader: inout WireReader) throws -> ISAKMPIdentification {
        ISAKMPIdentification(idType: try reader.readUInt8("ID Type"), protocolID: try reader.readUInt8("Protocol ID"),
                             port: try reader.readUInt16("Port"), data: reader.readRemainingBytes())
    }
}

/// CERT (RFC 2408 §3.9) and CR (§3.10): `Encoding / Type(1) | data`.
public struct ISAKMPCertificate: Equatable, Sendable {
    public var encoding: UInt8
    public var data: [UInt8]
    public init(encoding: UInt8, data: [UInt8]) { self.encoding = encoding; self.data = data }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(encoding)
        buffer.writeBytes(data)
    }

    static func read(from reader: inout WireReader) throws -> ISAKMPCertificate {
        ISAKMPCertificate(encoding: try reader.readUInt8("Encoding"), data: reader.readRemainingBytes())
    }
}

/// Notification (RFC 2408 §3.14):
/// `DOI(4) | Protocol-ID(1) | SPI Size(1) | Notify Message Type(2) | SPI | Notification Data`.
public struct ISAKMPNotification: Equatable, Sendable {
    public var doi: UInt32
    public var protocolID: UInt8
    public var messageType: UInt16
    public var spi: [UInt8]
    public var data: [UInt8]

    public init(doi: UInt32, protocolID: UInt8, messageType: UInt16, spi: [UInt8] = [], data: [UInt8] = []) {
        self.doi = doi
        self.protocolID = protocolID
        self.messageType = messageType
        self.spi = spi
        self.data = data
    }

    func write(to buffer: inout ByteBuffer) throws {
        guard spi.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "N", offset: buffer.writerIndex, limit: "8-bit SPI Size", value: spi.count)
        }
        buffer.writeInteger(doi, endianness: .big)
        buffer.writeInteger(protocolID)
        buffer.writeInteger(UInt8(spi.count))
        buffer.writeInteger(messageType, endianness: .big)
        buffer.writeBytes(spi)
        buffer.writeBytes(data)
    }

    static func read(from reader: inout WireReader) throws -> ISAKMPNotification {
        let doi = try reader.readUInt32("DOI")
        let protocolID = try reader.readUInt8("Protocol-ID")
        let spiSize = Int(try reader.readUInt8("SPI Size"))
        let type = try reader.readUInt16("Notify Message Type")
        let spi = try reader.readBytes(spiSize, "SPI")
        return ISAKMPNotification(doi: doi, protocolID: protocolID, messageType: type, spi: spi, data: reader.readRemainingBytes())
    }
}

/// Delete (RFC 2408 §3.15; GDOI RFC 6407 §5.9):
/// `DOI(4) | Protocol-Id(1) | SPI Size(1) | # of SPIs(2) | SPIs`. In GDOI, Protocol-Id 0 deletes
/// the KEK SA and an SPI of 0 means every SA of the protocol.
public struct ISAKMPDelete: Equatable, Sendable {
    public var doi: UInt32
    public var protocolID: UInt8
    public var spiSize: UInt8
    public var spis: [[UInt8]]

    public init(doi: UInt32, protocolID: UInt8, spiSize: UInt8, spis: [[UInt8]]) {
        self.doi = doi
        self.protocolID = protocolID
        self.spiSize = spiSize
        self.spis = spis
    }

    func write(to buffer: inout ByteBuffer) throws {
        guard spis.count <= Int(UInt16.max), spis.allSatisfy({ $0.count == Int(spiSize) }) else {
            throw WireError.invalidCount(payload: "D", offset: buffer.writerIndex, declared: spis.count, found: spis.count)
        }
        buffer.writeInteger(doi, endianness: .big)
        buffer.writeInteger(protocolID)
        buffer.writeInteger(spiSize)
        buffer.writeInteger(UInt16(spis.count), endianness: .big)
        for spi in spis { buffer.writeBytes(spi) }
    }

    static func read(from reader: inout WireReader) throws -> ISAKMPDelete {
        let doi = try reader.readUInt32("DOI")
        let protocolID = try reader.readUInt8("Protocol-Id")
        let spiSize = try reader.readUInt8("SPI Size")
        let countOffset = reader.offset
        let count = Int(try reader.readUInt16("# of SPIs"))
        // The count is checked against the octets present before anything is allocated.
        guard spiSize == 0 ? (count == 0 && reader.isEmpty) : count * Int(spiSize) == reader.remaining else {
            throw WireError.invalidCount(payload: reader.context, offset: countOffset, declared: count,
                                         found: spiSize == 0 ? 0 : reader.remaining / Int(spiSize))
        }
        var spis: [[UInt8]] = []
        spis.reserveCapacity(count)
        for _ in 0..<count { spis.append(try reader.readBytes(Int(spiSize), "SPI")) }
        return ISAKMPDelete(doi: doi, protocolID: protocolID, spiSize: spiSize, spis: spis)
    }
}

/// NAT-OA (RFC 3947 §5.1): `ID Type(1) | RESERVED(3) | IPv4 (4) or IPv6 (16) address`.
public struct NATOriginalAddress: Equatable, Sendable {
    public var idType: UInt8
    public var address: [UInt8]
    public init(idType: UInt8, address: [UInt8]) { self.idType = idType; self.address = address }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(idType)
        buffer.writeBytes([0, 0, 0])
        buffer.writeBytes(address)
    }

    static func read(from reader: inout WireReader) throws -> NATOriginalAddress {
        let typeOffset = reader.offset
        let type = try reader.readUInt8("ID Type")
        try reader.readReservedZero(3)
        let size: Int
        switch type {
        case 1: size = 4   // ID_IPV4_ADDR
        case 5: size = 16  // ID_IPV6_ADDR
        default: throw WireError.invalidValue(payload: reader.context, offset: typeOffset, field: "ID Type", value: Int(type))
        }
        return NATOriginalAddress(idType: type, address: try reader.readBytes(size, "Address"))
    }
}
