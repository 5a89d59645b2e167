import NIOCore

/// The two generic payload header layouts.
public enum PayloadHeaderStyle: Sendable {
    /// `Next Payload(1) | C(1 bit) RESERVED(7 bits) | Payload Length(2)`; RESERVED "MUST be ignored
    /// on receipt" (RFC 7296 §3.2).
    case ikev2
    /// `Next Payload(1) | RESERVED(1) | Payload Length(2)`; RESERVED is checked for zero
    /// (RFC 2408 §3.2, §2.5.2).
    case isakmp
}

/// One payload as found in a chain, before its body is interpreted.
public struct RawPayload: Equatable, Sendable {
    /// This payload's type (named by the previous header's Next Payload, or the message header's).
    public var type: UInt8
    /// The Next Payload octet of this payload's own header. For SK/SKF this is the first inner
    /// payload's type (RFC 7296 §3.14), not a chain link.
    public var nextPayload: UInt8
    /// The IKEv2 critical bit (RFC 7296 §3.2); always false for ISAKMP.
    public var critical: Bool
    /// Offset in the message of the payload's first header octet.
    public var offset: Int
    /// The octets after the 4-octet generic header.
    public var body: ByteBuffer

    public init(type: UInt8, nextPayload: UInt8, critical: Bool, offset: Int, body: ByteBuffer) {
        self.type = type
        self.nextPayload = nextPayload
        self.critical = critical
        self.offset = offset
        self.body = body
    }

    /// A reader over the body whose offsets are absolute in the message.
    public func bodyReader(context: String) -> WireReader {
        WireReader(buffer: body, origin: offset + WireLimits.genericPayloadHeaderLength, context: context)
    }

    public var bodyBytes: [UInt8] { body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [] }
}

/// Walks and writes chains of payloads linked by their Next Payload fields.
public enum PayloadChain {
    /// Reads payloads starting with type `first` until a Next Payload of 0, or until a payload for
    /// which `isTerminal` holds (SK and SKF end the clear chain: their Next Payload names the first
    /// inner payload, RFC 7296 §3.14, RFC 7383 §2.5). Each payload's length is checked against what
    /// remains. `name` turns a type into a payload name for errors.
    ///
    /// If `allowTrailing` is false, octets after the last payload are an error; ISAKMP plaintext
    /// after decryption may carry padding (RFC 2409 App. B), so its callers pass true.
    public static func walk(first: UInt8, reader: inout WireReader, style: PayloadHeaderStyle,
                            isTerminal: (UInt8) -> Bool = { _ in false },
                            allowTrailing: Bool = false,
                            name: (UInt8) -> String) throws -> [RawPayload] {
        var payloads: [RawPayload] = []
        var type = first
        while type != 0 {
            guard payloads.count < WireLimits.maximumPayloadsPerChain else {
                throw WireError.limitExceeded(payload: name(type), offset: reader.offset,
                                              limit: "maximumPayloadsPerChain", value: payloads.count + 1)
            }
            let payloadName = name(type)
            let start = reader.offset
            var header = WireReader(buffer: reader.buffer, origin: reader.offset, context: payloadName)
            let next = try header.readUInt8("Next Payload")
            let flags = try header.readUInt8(style == .ikev2 ? "C|RESERVED" : "RESERVED")
            let length = Int(try header.readUInt16("Payload Length"))
            if style == .isakmp && flags != 0 {
                throw WireError.reservedNotZero(payload: payloadName, offset: start + 1)
            }
            guard length >= WireLimits.genericPayloadHeaderLength else {
                throw WireError.invalidLength(payload: payloadName, offset: start + 2, declared: length,
                                              reason: "is shorter than the 4-octet generic header")
            }
            guard length <= reader.remaining else {
                throw WireError.invalidLength(payload: payloadName, offset: start + 2, declared: length,
                                              reason: "exceeds the \(reader.remaining) octets remaining")
            }
            var whole = try reader.readSubReader(length, context: payloadName)
            _ = try whole.readBytes(WireLimits.genericPayloadHeaderLength, "generic header")
            payloads.append(RawPayload(type: type, nextPayload: next,
                                       critical: style == .ikev2 && flags & 0x80 != 0,
                                       offset: start, body: whole.buffer.slice()))
            if isTerminal(type) { break }
            type = next
        }
        if !allowTrailing && !reader.isEmpty {
            throw WireError.trailingData(payload: payloads.last.map { name($0.type) } ?? "header",
                                         offset: reader.offset, count: reader.remaining)
        }
        return payloads
    }

    /// Writes one payload: generic header then `body`, with the length backfilled.
    public static func writePayload(nextPayload: UInt8, critical: Bool = false, style: PayloadHeaderStyle,
                                    to buffer: inout ByteBuffer,
                                    body: (inout ByteBuffer) throws -> Void) throws {
        let start = buffer.writerIndex
        buffer.writeInteger(nextPayload)
        buffer.writeInteger(style == .ikev2 && critical ? UInt8(0x80) : UInt8(0))
        try buffer.writeLength16Backfilled(countingFrom: start, body)
    }
}
