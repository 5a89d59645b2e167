import NIOCore
import WireCore

/// A Traffic Selector substructure (RFC 7296 §3.13.1). GSA policies carry one bare selector each for
/// source and destination (RFC 9838 §4.4.2; WIRE-REFERENCE §18 item 1).
public enum TrafficSelector: Equatable, Sendable {
    /// TS_IPV4_ADDR_RANGE (7) or TS_IPV6_ADDR_RANGE (8):
    /// `TS Type(1) | IP Protocol ID(1) | Selector Length(2) | Start Port(2) | End Port(2) | Start | End`.
    case addressRange(AddressRangeSelector)
    /// Any other TS type, kept so it round-trips: `body` is the octet after TS Type, then every
    /// octet after Selector Length.
    case other(type: UInt8, body: [UInt8])

    public static let ipv4AddressRange: UInt8 = 7
    public static let ipv6AddressRange: UInt8 = 8

    public func write(to buffer: inout ByteBuffer) throws {
        let start = buffer.writerIndex
        switch self {
        case .addressRange(let range):
            buffer.writeInteger(range.isIPv6 ? Self.ipv6AddressRange : Self.ipv4AddressRange)
            buffer.writeInteger(range.ipProtocolID)
            try buffer.writeLength16Backfilled(countingFrom: start) { b in
                b.writeInteger(range.startPort, endianness: .big)
                b.writeInteger(range.endPort, endianness: .big)
                b.writeBytes(range.startAddress)
                b.writeBytes(range.endAddress)
            }
        case .other(let type, let body):
            // `body` holds the second header octet, then everything after the length.
            buffer.writeInteger(type)
            buffer.writeInteger(body.first ?? 0)
            try buffer.writeLength16Backfilled(countingFrom: start) { b in
                b.writeBytes(body.dropFirst())
            }
        }
    }

    /// Reads one selector; its Selector Length is checked against what remains.
    public static func read(from reader: inout WireReader) throws -> TrafficSelector {
        let context = reader.context
        let start = reader.offset
        var peek = reader
        let type = try peek.readUInt8("TS Type")
        _ = try peek.readUInt8("IP Protocol ID")
        let length = Int(try peek.readUInt16("Selector Length"))
        let expected: Int? = switch type {
        case ipv4AddressRange: 16
        case ipv6AddressRange: 40
        default: nil
        }
        if let expected, length != expected {
            throw WireError.invalidLength(payload: context, offset: start + 2, declared: length,
                                          reason: "is not \(expected) for TS type \(type)")
        }
        guard length >= 4, length <= reader.remaining else {
            throw WireError.invalidLength(payload: context, offset: start + 2, declared: length,
                                          reason: "is not between 4 and the \(reader.remaining) octets remaining")
        }
        var body = try reader.readSubReader(length, context: context)
        guard expected != nil else {
            // Unknown type: the second octet is not necessarily an IP protocol; keep everything
            // after the type octet and the length.
            let head = try body.readBytes(2, "TS header")
            _ = try body.readBytes(2, "Selector Length")
            return .other(type: head[0], body: [head[1]] + body.readRemainingBytes())
        }
        _ = try body.readUInt8("TS Type")
        let proto = try body.readUInt8("IP Protocol ID")
        _ = try body.readUInt16("Selector Length")
        let startPort = try body.readUInt16("Start Port")
        let endPort = try body.readUInt16("End Port")
        let size = type == ipv4AddressRange ? 4 : 16
        let first = try body.readBytes(size, "Starting Address")
        let last = try body.readBytes(size, "Ending Address")
        return .addressRange(AddressRangeSelector(ipProtocolID: proto, startPort: startPort, endPort: endPort,
                                                  startAddress: first, endAddress: last))
    }
}

/// An address-range traffic selector. Addresses are 4 octets (IPv4) or 16 (IPv6), both the same.
public struct AddressRangeSelector: Equatable, Sendable {
    public var ipProtocolID: UInt8
    public var startPort: UInt16
    public var endPort: UInt16
    public var startAddress: [UInt8]
    public var endAddress: [UInt8]

    public init(ipProtocolID: UInt8, startPort: UInt16, endPort: UInt16, startAddress: [UInt8], endAddress: [UInt8]) {
        precondition(startAddress.count == endAddress.count && (startAddress.count == 4 || startAddress.count == 16),
                     "addresses must both be IPv4 or both IPv6")
        self.ipProtocolID = ipProtocolID
        self.startPort = startPort
        self.endPort = endPort
        self.startAddress = startAddress
        self.endAddress = endAddress
    }

    public var isIPv6: Bool { startAddress.count == 16 }
}

/// TSi / TSr payload (RFC 7296 §3.13): `Number of TSs(1) | RESERVED(3) | Traffic Selectors`.
public struct TrafficSelectorPayload: Equatable, Sendable {
    public var selectors: [TrafficSelector]
    public init(selectors: [TrafficSelector]) { self.selectors = selectors }

    public func write(to buffer: inout ByteBuffer) throws {
        guard selectors.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "TS", offset: buffer.writerIndex, limit: "8-bit Number of TSs", value: selectors.count)
        }
        buffer.writeInteger(UInt8(selectors.count))
        buffer.writeBytes([0, 0, 0])
        for selector in selectors { try selector.write(to: &buffer) }
    }

    public static func read(from reader: inout WireReader) throws -> TrafficSelectorPayload {
        let countOffset = reader.offset
        let count = Int(try reader.readUInt8("Number of TSs"))
        try reader.skipIgnoredReserved(3)
        var selectors: [TrafficSelector] = []
        while !reader.isEmpty { selectors.append(try TrafficSelector.read(from: &reader)) }
        guard selectors.count == count else {
            throw WireError.invalidCount(payload: reader.context, offset: countOffset, declared: count, found: selectors.count)
        }
        return TrafficSelectorPayload(selectors: selectors)
    }
}
