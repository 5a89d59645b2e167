import NIOCore
import WireCore

/// An ISAKMP message: header and payloads. With the E flag set everything after the header is
/// encrypted (RFC 2408 §3.1); such a message is parsed into `encryptedBody` and its payloads are
/// read with `parsePayloads(plaintext:…)` once the engine has decrypted them.
public struct ISAKMPMessage: Equatable, Sendable {
    public var header: ISAKMPHeader
    public var payloads: [ISAKMPPayload]
    /// The ciphertext after the header when the E flag is set; nil otherwise.
    public var encryptedBody: [UInt8]?
    public private(set) var payloadOffsets: [Int] = []

    public init(header: ISAKMPHeader, payloads: [ISAKMPPayload], encryptedBody: [UInt8]? = nil) {
        self.header = header
        self.payloads = payloads
        self.encryptedBody = encryptedBody
    }

    public static func == (lhs: ISAKMPMessage, rhs: ISAKMPMessage) -> Bool {
        lhs.header == rhs.header && lhs.payloads == rhs.payloads && lhs.encryptedBody == rhs.encryptedBody
    }

    /// Parses a datagram. The header Length must equal the octets received (RFC 2408 §3.1: "Length
    /// of total message (header + payloads)"); an encrypted body includes its padding (RFC 2409 App. B).
    public static func parse(_ bytes: ByteBuffer) throws -> ISAKMPMessage {
        guard bytes.readableBytes <= WireLimits.maximumMessageLength else {
            throw WireError.limitExceeded(payload: "ISAKMP message", offset: 0, limit: "maximumMessageLength", value: bytes.readableBytes)
        }
        var reader = WireReader(buffer: bytes, context: "ISAKMP header")
        let header = try ISAKMPHeader.read(from: &reader)
        guard Int(header.length) == bytes.readableBytes else {
            throw WireError.invalidLength(payload: "ISAKMP header", offset: 24, declared: Int(header.length),
                                          reason: "differs from the \(bytes.readableBytes) octets received")
        }
        if header.isEncrypted {
            return ISAKMPMessage(header: header, payloads: [], encryptedBody: reader.readRemainingBytes())
        }
        var message = ISAKMPMessage(header: header, payloads: [])
        (message.payloads, message.payloadOffsets) = try parseChain(first: header.nextPayload, reader: &reader,
                                                                    exchangeType: header.exchangeType, allowTrailing: false)
        return message
    }

    public static func parse(_ bytes: [UInt8]) throws -> ISAKMPMessage { try parse(ByteBuffer(bytes: bytes)) }

    /// Parses decrypted payloads. Octets after the last payload are the sender's padding (RFC 2409
    /// App. B) and are ignored; `origin` is the plaintext's offset in the message (28).
    public static func parsePayloads(plaintext: [UInt8], header: ISAKMPHeader,
                                     origin: Int = WireLimits.headerLength) throws -> (payloads: [ISAKMPPayload], offsets: [Int]) {
        var reader = WireReader(bytes: plaintext, origin: origin, context: "ISAKMP payloads")
        return try parseChain(first: header.nextPayload, reader: &reader, exchangeType: header.exchangeType, allowTrailing: true)
    }

    static func parseChain(first: UInt8, reader: inout WireReader, exchangeType: UInt8,
                           allowTrailing: Bool) throws -> ([ISAKMPPayload], [Int]) {
        let raws = try PayloadChain.walk(first: first, reader: &reader, style: .isakmp, allowTrailing: allowTrailing,
                                         name: ISAKMPPayloadType.name)
        return (try raws.map { try ISAKMPPayload.decode($0, exchangeType: exchangeType) }, raws.map(\.offset))
    }

    /// The payload chain alone (what is encrypted, before padding; what HASH and SIG cover).
    public static func serializePayloads(_ payloads: [ISAKMPPayload]) throws -> [UInt8] {
        var buffer = ByteBuffer()
        for (index, payload) in payloads.enumerated() {
            let next = index + 1 < payloads.count ? payloads[index + 1].type : 0
            try PayloadChain.writePayload(nextPayload: next, style: .isakmp, to: &buffer) { try payload.writeBody(to: &$0) }
        }
        return (buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }

    /// Serialises: header, then either the encrypted body as is or the payload chain; Next Payload
    /// (of the first payload, also for encrypted messages where the caller set it) and Length are
    /// filled in.
    public func serializedBytes() throws -> [UInt8] {
        var head = header
        let body: [UInt8]
        if let encryptedBody {
            body = encryptedBody
        } else {
            head.nextPayload = payloads.first?.type ?? 0
            body = try Self.serializePayloads(payloads)
        }
        let total = WireLimits.headerLength + body.count
        guard total <= WireLimits.maximumMessageLength else {
            throw WireError.limitExceeded(payload: "ISAKMP message", offset: 0, limit: "maximumMessageLength", value: total)
        }
        head.length = UInt32(total)
        var buffer = ByteBuffer()
        head.write(to: &buffer)
        buffer.writeBytes(body)
        return (buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }

    /// The payloads as the rule checker sees them.
    public var foundPayloads: [FoundPayload] {
        Self.found(payloads, offsets: payloadOffsets, encrypted: header.isEncrypted)
    }

    static func found(_ payloads: [ISAKMPPayload], offsets: [Int], encrypted: Bool) -> [FoundPayload] {
        let places = offsets.isEmpty ? Array(repeating: 0, count: payloads.count) : offsets
        // ISAKMP has no critical bit: an unknown payload type is answered INVALID-PAYLOAD-TYPE and the
        // message dropped (RFC 2408 §5.1), so the rule checker treats it as critical.
        return zip(payloads, places).map {
            let known = ISAKMPPayloadType.isAssigned($0.type)
            return FoundPayload(type: $0.type, encrypted: encrypted, critical: !known, known: known, offset: $1)
        }
    }
}
