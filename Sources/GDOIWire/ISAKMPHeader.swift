import NIOCore
import WireCore

/// The ISAKMP header, 28 octets (RFC 2408 §3.1).
public struct ISAKMPHeader: Equatable, Sendable {
    public var initiatorCookie: UInt64
    public var responderCookie: UInt64
    public var nextPayload: UInt8
    public var majorVersion: UInt8
    public var minorVersion: UInt8
    public var exchangeType: UInt8
    /// Raw flags: E 0x01, C 0x02, A 0x04 (RFC 2408 §3.1).
    public var flags: UInt8
    public var messageID: UInt32
    public var length: UInt32

    public static let encryptionFlag: UInt8 = 0x01
    public static let commitFlag: UInt8 = 0x02
    public static let authenticationOnlyFlag: UInt8 = 0x04

    public init(initiatorCookie: UInt64, responderCookie: UInt64, nextPayload: UInt8 = 0, exchangeType: UInt8,
                flags: UInt8, messageID: UInt32, majorVersion: UInt8 = 1, minorVersion: UInt8 = 0, length: UInt32 = 0) {
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.nextPayload = nextPayload
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.exchangeType = exchangeType
        self.flags = flags
        self.messageID = messageID
        self.length = length
    }

    public var isEncrypted: Bool { flags & Self.encryptionFlag != 0 }

    /// The 16-octet cookie pair, which is the Rekey SA SPI in a GROUPKEY-PUSH (RFC 6407 §4.2, §5.3).
    public var cookiePair: [UInt8] {
        [initiatorCookie, responderCookie].flatMap { value in
            stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: value >> UInt64($0)) }
        }
    }

    /// Reads the header. MjVer must be 1 ("Implementations ... MUST NOT accept packets with a major
    /// version number larger than" their own, RFC 2408 §3.1).
    public static func read(from reader: inout WireReader) throws -> ISAKMPHeader {
        try reader.transaction { r in
            let start = r.offset
            let icookie = try r.readUInt64("Initiator Cookie")
            let rcookie = try r.readUInt64("Responder Cookie")
            let next = try r.readUInt8("Next Payload")
            let version = try r.readUInt8("MjVer|MnVer")
            guard version >> 4 == 1 else {
                throw WireError.unsupportedVersion(offset: start + 17, major: version >> 4, minor: version & 0x0F)
            }
            let exchange = try r.readUInt8("Exchange Type")
            let flags = try r.readUInt8("Flags")
            let messageID = try r.readUInt32("Message ID")
            let length = try r.readUInt32("Length")
            guard length >= UInt32(WireLimits.headerLength) else {
                throw WireError.invalidLength(payload: "ISAKMP header", offset: start + 24, declared: Int(length),
                                              reason: "is shorter than the 28-octet header")
            }
            return ISAKMPHeader(initiatorCookie: icookie, responderCookie: rcookie, nextPayload: next, exchangeType: exchange,
                                flags: flags, messageID: messageID, majorVersion: 1, minorVersion: version & 0x0F, length: length)
        }
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(initiatorCookie, endianness: .big)
        buffer.writeInteger(responderCookie, endianness: .big)
        buffer.writeInteger(nextPayload)
        buffer.writeInteger(majorVersion << 4 | (minorVersion & 0x0F))
        buffer.writeInteger(exchangeType)
        buffer.writeInteger(flags)
        buffer.writeInteger(messageID, endianness: .big)
        buffer.writeInteger(length, endianness: .big)
    }
}
