import NIOCore
import WireCore

/// An IKEv2 message as it travels: the header and the clear payload chain, which ends with the
/// still-protected SK or SKF payload when there is one. Opening and sealing SK is a separate
/// step (`SKProtection`), so the structure can be checked before any key is touched.
public struct IKEv2Message: Equatable, Sendable {
    public var header: IKEv2Header
    public var payloads: [IKEv2Payload]
    /// Offset of each payload in `payloads` in the message as parsed (empty for built messages).
    public private(set) var payloadOffsets: [Int] = []

    public init(header: IKEv2Header, payloads: [IKEv2Payload]) {
        self.header = header
        self.payloads = payloads
    }

    public static func == (lhs: IKEv2Message, rhs: IKEv2Message) -> Bool {
        lhs.header == rhs.header && lhs.payloads == rhs.payloads
    }

    /// Parses a whole message: header, then the payload chain (bounds first), then each payload's
    /// body. The header Length must equal the octets given (RFC 7296 §3.1).
    public static func parse(_ bytes: ByteBuffer) throws -> IKEv2Message {
        guard bytes.readableBytes <= WireLimits.maximumMessageLength else {
            throw WireError.limitExceeded(payload: "IKEv2 message", offset: 0, limit: "maximumMessageLength",
                                          value: bytes.readableBytes)
        }
        var reader = WireReader(buffer: bytes, context: "IKEv2 header")
        let header = try IKEv2Header.read(from: &reader)
        guard Int(header.length) == bytes.readableBytes else {
            throw WireError.invalidLength(payload: "IKEv2 header", offset: 24, declared: Int(header.length),
                                          reason: "differs from the \(bytes.readableBytes) octets received")
        }
        let raws = try PayloadChain.walk(first: header.nextPayload, reader: &reader, style: .ikev2,
                                         isTerminal: { $0 == IKEv2PayloadType.encrypted || $0 == IKEv2PayloadType.encryptedFragment },
                                         name: IKEv2PayloadType.name)
        var message = IKEv2Message(header: header, payloads: try raws.map(IKEv2Payload.decode))
        message.payloadOffsets = raws.map(\.offset)
        return message
    }

    public static func parse(_ bytes: [UInt8]) throws -> IKEv2Message { try parse(ByteBuffer(bytes: bytes)) }

    /// Serialises with Next Payload links and all lengths recomputed.
    public func serialize() throws -> ByteBuffer {
        var buffer = ByteBuffer()
        var head = header
        head.nextPayload = payloads.first?.type ?? 0
        head.write(to: &buffer)
        try Self.writeChain(payloads, to: &buffer)
        let total = buffer.readableBytes
        guard total <= WireLimits.maximumMessageLength else {
            throw WireError.limitExceeded(payload: "IKEv2 message", offset: 0, limit: "maximumMessageLength", value: total)
        }
        buffer.setInteger(UInt32(total), at: 24, endianness: .big)
        return buffer
    }

    public func serializedBytes() throws -> [UInt8] {
        let buffer = try serialize()
        return buffer.getBytes(at: 0, length: buffer.readableBytes) ?? []
    }

    /// Writes a chain of payloads, each header's Next Payload naming the one after it.
    static func writeChain(_ payloads: [IKEv2Payload], to buffer: inout ByteBuffer) throws {
        for (index, payload) in payloads.enumerated() {
            let next = payload.ownNextPayload ?? (index + 1 < payloads.count ? payloads[index + 1].type : 0)
            try PayloadChain.writePayload(nextPayload: next, critical: payload.critical, style: .ikev2, to: &buffer) {
                try payload.writeBody(to: &$0)
            }
        }
    }

    /// Parses inner payloads (decrypted SK content without padding). `origin` is the offset of the
    /// first inner octet in the message, for error reports.
    public static func parseInnerPayloads(first: UInt8, bytes: ByteBuffer, origin: Int) throws -> (payloads: [IKEv2Payload], offsets: [Int]) {
        var reader = WireReader(buffer: bytes, origin: origin, context: "SK content")
        let raws = try PayloadChain.walk(first: first, reader: &reader, style: .ikev2, name: IKEv2PayloadType.name)
        if let nested = raws.first(where: { $0.type == IKEv2PayloadType.encrypted || $0.type == IKEv2PayloadType.encryptedFragment }) {
            throw WireError.ruleViolation(exchange: "SK content", payload: IKEv2PayloadType.name(nested.type),
                                          offset: nested.offset, reason: "may not be nested in an encrypted payload")
        }
        return (try raws.map(IKEv2Payload.decode), raws.map(\.offset))
    }

    /// The inner payloads serialised as a chain (the plaintext SK carries before padding).
    public static func serializeInnerPayloads(_ payloads: [IKEv2Payload]) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try writeChain(payloads, to: &buffer)
        return (buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }
}
