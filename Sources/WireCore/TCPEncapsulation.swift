import NIOCore

/// RFC 8229 TCP encapsulation of IKE and ESP. A stream starts with "IKETCP" (§4); then each message
/// is `Length(2) | [non-ESP marker(4)] | message`. groupkey reads the Length as counting the Length
/// field, the marker and the message (the field definition in §3.1; WIRE-REFERENCE §18 item 11).
public enum TCPFrame: Equatable, Sendable {
    case ike(ByteBuffer)
    case esp(ByteBuffer)
}

/// Incremental decoder for one TCP stream. Feed it what the socket delivered; it returns complete
/// frames and keeps the rest. It never buffers more than one frame (at most 65535 octets) plus input.
public struct TCPEncapsulationDecoder: Sendable {
    private var pending = ByteBuffer()
    private var sawPrefix: Bool
    /// Stream offset of `pending`'s first octet, for errors.
    private var streamOffset = 0

    /// `expectPrefix`: true on the responder side, which receives "IKETCP" first (RFC 8229 §4).
    public init(expectPrefix: Bool = true) {
        sawPrefix = !expectPrefix
    }

    public mutating func feed(_ bytes: ByteBuffer) throws -> [TCPFrame] {
        var incoming = bytes
        pending.writeBuffer(&incoming)
        var frames: [TCPFrame] = []
        if !sawPrefix {
            let prefix = WireLimits.tcpStreamPrefix
            let have = Swift.min(pending.readableBytes, prefix.count)
            let got = pending.getBytes(at: pending.readerIndex, length: have) ?? []
            guard got == Array(prefix.prefix(have)) else {
                throw WireError.invalidValue(payload: "TCP stream", offset: streamOffset, field: "IKETCP prefix",
                                             value: Int(got.first ?? 0))
            }
            guard have == prefix.count else { return frames }
            pending.moveReaderIndex(forwardBy: prefix.count)
            streamOffset += prefix.count
            sawPrefix = true
        }
        while let length = pending.getInteger(at: pending.readerIndex, endianness: .big, as: UInt16.self) {
            let frameLength = Int(length)
            // The Length counts itself, so anything under 2 cannot be a frame; an IKE frame also holds
            // the marker and at least a header, an ESP frame at least SPI and sequence number.
            guard frameLength > WireLimits.tcpLengthFieldLength else {
                throw WireError.invalidLength(payload: "TCP frame", offset: streamOffset, declared: frameLength,
                                              reason: "does not cover the Length field and a message")
            }
            guard pending.readableBytes >= frameLength else { break }
            pending.moveReaderIndex(forwardBy: WireLimits.tcpLengthFieldLength)
            let body = pending.readSlice(length: frameLength - WireLimits.tcpLengthFieldLength) ?? ByteBuffer()
            let bodyOffset = streamOffset + WireLimits.tcpLengthFieldLength
            streamOffset += frameLength
            frames.append(try Self.frame(body, offset: bodyOffset))
        }
        pending.discardReadBytes()
        return frames
    }

    private static func frame(_ body: ByteBuffer, offset: Int) throws -> TCPFrame {
        if body.readableBytes >= WireLimits.nonESPMarkerLength,
           body.getInteger(at: body.readerIndex, endianness: .big, as: UInt32.self) == 0 {
            let message = body.getSlice(at: body.readerIndex + WireLimits.nonESPMarkerLength,
                                        length: body.readableBytes - WireLimits.nonESPMarkerLength) ?? ByteBuffer()
            guard message.readableBytes >= WireLimits.headerLength else {
                throw WireError.truncated(payload: "TCP frame", field: "IKE header", offset: offset + 4,
                                          needed: WireLimits.headerLength, available: message.readableBytes)
            }
            return .ike(message)
        }
        guard body.readableBytes >= WireLimits.minimumESPLength else {
            throw WireError.truncated(payload: "TCP frame", field: "ESP header", offset: offset,
                                      needed: WireLimits.minimumESPLength, available: body.readableBytes)
        }
        return .esp(body)
    }
}

public enum TCPEncapsulationEncoder {
    /// The stream prefix the initiator sends once (RFC 8229 §4).
    public static var streamPrefix: ByteBuffer { ByteBuffer(bytes: WireLimits.tcpStreamPrefix) }

    /// Frames an IKE message: Length (counting itself and the marker) | 0x00000000 | message.
    public static func frame(ike message: ByteBuffer) throws -> ByteBuffer {
        try frame(body: message, marker: true)
    }

    /// Frames an ESP packet: Length | packet (no marker; RFC 8229 §3.2).
    public static func frame(esp packet: ByteBuffer) throws -> ByteBuffer {
        try frame(body: packet, marker: false)
    }

    private static func frame(body: ByteBuffer, marker: Bool) throws -> ByteBuffer {
        let total = WireLimits.tcpLengthFieldLength + (marker ? WireLimits.nonESPMarkerLength : 0) + body.readableBytes
        guard total <= Int(UInt16.max) else {
            throw WireError.limitExceeded(payload: "TCP frame", offset: 0, limit: "16-bit Length", value: total)
        }
        var out = ByteBuffer()
        out.reserveCapacity(total)
        out.writeInteger(UInt16(total), endianness: .big)
        if marker { out.writeInteger(UInt32(0)) }
        var copy = body
        out.writeBuffer(&copy)
        return out
    }
}
