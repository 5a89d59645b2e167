import NIOCore
import WireCore

/// The fixed IKEv2 header, 28 octets (RFC 7296 §3.1; RFC 9838 §4.1).
public struct IKEv2Header: Equatable, Sendable {
    /// For GSA_REKEY the two SPI fields together hold the 16-octet Rekey SA SPI: first 8 octets
    /// here, last 8 in `responderSPI` (RFC 9838 §4.1).
    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    public var nextPayload: UInt8
    public var majorVersion: UInt8
    /// Ignored on receipt but kept so the message re-serialises unchanged (RFC 7296 §3.1).
    public var minorVersion: UInt8
    public var exchangeType: UInt8
    /// Raw flags octet; the X bits "MUST be ignored on receipt" (RFC 7296 §3.1) and are kept as sent.
    public var flags: UInt8
    public var messageID: UInt32
    /// The Length field as read; the writer recomputes it.
    public var length: UInt32

    /// Flag bits (RFC 7296 §3.1: bit 0 is the MSB of the octet).
    public static let responseFlag: UInt8 = 0x20
    public static let versionFlag: UInt8 = 0x10
    public static let initiatorFlag: UInt8 = 0x08

    public init(initiatorSPI: UInt64, responderSPI: UInt64, nextPayload: UInt8 = 0, exchangeType: UInt8,
                flags: UInt8, messageID: UInt32, majorVersion: UInt8 = 2, minorVersion: UInt8 = 0, length: UInt32 = 0) {
        self.initiatorSPI = initiatorSPI
        self.responderSPI = responderSPI
        self.nextPayload = nextPayload
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.exchangeType = exchangeType
        self.flags = flags
        self.messageID = messageID
        self.length = length
    }

    public var isResponse: Bool { flags & Self.responseFlag != 0 }
    public var isInitiator: Bool { flags & Self.initiatorFlag != 0 }

    /// The 16-octet Rekey SA SPI a GSA_REKEY header carries (RFC 9838 §4.1, §4.4.2).
    public var rekeySPI: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for value in [initiatorSPI, responderSPI] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return out
    }

    /// Reads and checks the header: MjVer must be 2 (RFC 7296 §3.1: otherwise INVALID_MAJOR_VERSION)
    /// and the Length must cover at least the header.
    public static func read(from reader: inout WireReader) throws -> IKEv2Header {
        try reader.transaction { r in
            let start = r.offset
            let ispi = try r.readUInt64("IKE SA Initiator's SPI")
            let rspi = try r.readUInt64("IKE SA Responder's SPI")
            let next = try r.readUInt8("Next Payload")
            let version = try r.readUInt8("MjVer|MnVer")
            let major = version >> 4
            guard major == 2 else {
                throw WireError.unsupportedVersion(offset: start + 17, major: major, minor: version & 0x0F)
            }
            let exchange = try r.readUInt8("Exchange Type")
            let flags = try r.readUInt8("Flags")
            let messageID = try r.readUInt32("Message ID")
            let length = try r.readUInt32("Length")
            guard length >= UInt32(WireLimits.headerLength) else {
                throw WireError.invalidLength(payload: "IKEv2 header", offset: start + 24, declared: Int(length),
                                              reason: "is shorter than the 28-octet header")
            }
            return IKEv2Header(initiatorSPI: ispi, responderSPI: rspi, nextPayload: next, exchangeType: exchange,
                               flags: flags, messageID: messageID, majorVersion: major,
                               minorVersion: version & 0x0F, length: length)
        }
    }

    /// Writes the header with `length` as given (callers backfill it once the message is complete).
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(initiatorSPI, endianness: .big)
        buffer.writeInteger(responderSPI, endianness: .big)
        buffer.writeInteger(nextPayload)
        buffer.writeInteger(majorVersion << 4 | (minorVersion & 0x0F))
        buffer.writeInteger(exchangeType)
        buffer.writeInteger(flags)
        buffer.writeInteger(messageID, endianness: .big)
        buffer.writeInteger(length, endianness: .big)
    }
}
