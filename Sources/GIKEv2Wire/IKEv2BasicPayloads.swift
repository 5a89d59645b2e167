import NIOCore
import WireCore

/// Bounds the nonce: "at least 128 bits in size, and ... at least half the key size of the
/// negotiated PRF" and "between 16 and 256 octets" (RFC 7296 §3.9).
public enum IKEv2Limits {
    public static let minimumNonceLength = 16
    public static let maximumNonceLength = 256
    /// SPI sizes: IKE SA 8 (RFC 7296 §3.3.1), ESP/AH 4 (RFC 4303 §2.1), GIKE_UPDATE 16 (RFC 9838 §4.4.2).
    public static let ikeSPISize = 8
    public static let childSPISize = 4
    public static let rekeySASPISize = 16
}

/// KE payload (RFC 7296 §3.4): `Diffie-Hellman Group Num(2) | RESERVED(2) | Key Exchange Data`.
public struct KeyExchangePayload: Equatable, Sendable {
    public var group: UInt16
    public var data: [UInt8]
    public init(group: UInt16, data: [UInt8]) { self.group = group; self.data = data }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(group, endianness: .big)
        buffer.writeInteger(UInt16(0))
        buffer.writeBytes(data)
    }

    public static func read(from reader: inout WireReader) throws -> KeyExchangePayload {
        let group = try reader.readUInt16("Diffie-Hellman Group Num")
        try reader.skipIgnoredReserved(2)
        return KeyExchangePayload(group: group, data: reader.readRemainingBytes())
    }
}

/// IDi, IDr (RFC 7296 §3.5) and IDg (RFC 9838 §4.2, same format):
/// `ID Type(1) | RESERVED(3) | Identification Data`.
public struct IdentificationPayload: Equatable, Sendable {
    public var idType: UInt8
    public var data: [UInt8]
    public init(idType: UInt8, data: [UInt8]) { self.idType = idType; self.data = data }

    /// ID types (RFC 7296 §3.5; IANA).
    public static let ipv4Address: UInt8 = 1
    public static let fqdn: UInt8 = 2
    public static let rfc822Address: UInt8 = 3
    public static let ipv6Address: UInt8 = 5
    public static let keyID: UInt8 = 11

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(idType)
        buffer.writeBytes([0, 0, 0])
        buffer.writeBytes(data)
    }

    public static func read(from reader: inout WireReader) throws -> IdentificationPayload {
        let type = try reader.readUInt8("ID Type")
        try reader.skipIgnoredReserved(3)
        return IdentificationPayload(idType: type, data: reader.readRemainingBytes())
    }
}

/// CERT (RFC 7296 §3.6) and CERTREQ (§3.7): `Encoding(1) | data`.
public struct CertificatePayload: Equatable, Sendable {
    public var encoding: UInt8
    public var data: [UInt8]
    public init(encoding: UInt8, data: [UInt8]) { self.encoding = encoding; self.data = data }

    public static let x509Signature: UInt8 = 4

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(encoding)
        buffer.writeBytes(data)
    }

    public static func read(from reader: inout WireReader) throws -> CertificatePayload {
        CertificatePayload(encoding: try reader.readUInt8("Cert Encoding"), data: reader.readRemainingBytes())
    }
}

/// AUTH (RFC 7296 §3.8): `Auth Method(1) | RESERVED(3) | Authentication Data`. With method 14
/// (RFC 7427 §3) the data begins with the ASN.1 length and AlgorithmIdentifier; that is left to
/// the engine, which signs over it (RFC 9838 §2.4.1.1).
public struct AuthenticationPayload: Equatable, Sendable {
    public var method: UInt8
    public var data: [UInt8]
    public init(method: UInt8, data: [UInt8]) { self.method = method; self.data = data }

    public static let sharedKeyMIC: UInt8 = 2
    public static let digitalSignature: UInt8 = 14

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(method)
        buffer.writeBytes([0, 0, 0])
        buffer.writeBytes(data)
    }

    public static func read(from reader: inout WireReader) throws -> AuthenticationPayload {
        let method = try reader.readUInt8("Auth Method")
        try reader.skipIgnoredReserved(3)
        return AuthenticationPayload(method: method, data: reader.readRemainingBytes())
    }
}

/// Nonce (RFC 7296 §3.9): 16 to 256 octets of data.
public struct NoncePayload: Equatable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }

    public func write(to buffer: inout ByteBuffer) { buffer.writeBytes(data) }

    public static func read(from reader: inout WireReader) throws -> NoncePayload {
        let offset = reader.offset
        let data = reader.readRemainingBytes()
        guard (IKEv2Limits.minimumNonceLength...IKEv2Limits.maximumNonceLength).contains(data.count) else {
            throw WireError.invalidLength(payload: reader.context, offset: offset, declared: data.count,
                                          reason: "is outside 16...256 octets (RFC 7296 §3.9)")
        }
        return NoncePayload(data: data)
    }
}

/// Notify (RFC 7296 §3.10): `Protocol ID(1) | SPI Size(1) | Notify Message Type(2) | SPI | data`.
public struct NotifyPayload: Equatable, Sendable {
    public var protocolID: UInt8
    public var messageType: UInt16
    public var spi: [UInt8]
    public var data: [UInt8]

    public init(protocolID: UInt8 = 0, messageType: UInt16, spi: [UInt8] = [], data: [UInt8] = []) {
        self.protocolID = protocolID
        self.messageType = messageType
        self.spi = spi
        self.data = data
    }

    /// N(GROUP_SENDER): Protocol ID 0, SPI Size 0, data a 4-octet big-endian count of Sender-IDs
    /// wanted (RFC 9838 §4.7.4).
    public static func groupSender(count: UInt32) -> NotifyPayload {
        NotifyPayload(messageType: IKEv2NotifyType.groupSender,
                      data: [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)])
    }

    /// The requested Sender-ID count of a GROUP_SENDER notification, if well-formed.
    public var groupSenderCount: UInt32? {
        guard messageType == IKEv2NotifyType.groupSender, data.count == 4 else { return nil }
        return data.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Error types are below 16384 (RFC 7296 §3.10.1).
    public var isError: Bool { messageType < 16384 }

    public func write(to buffer: inout ByteBuffer) throws {
        guard spi.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "Notify", offset: buffer.writerIndex, limit: "8-bit SPI Size", value: spi.count)
        }
        buffer.writeInteger(protocolID)
        buffer.writeInteger(UInt8(spi.count))
        buffer.writeInteger(messageType, endianness: .big)
        buffer.writeBytes(spi)
        buffer.writeBytes(data)
    }

    public static func read(from reader: inout WireReader) throws -> NotifyPayload {
        let protocolID = try reader.readUInt8("Protocol ID")
        let spiSize = Int(try reader.readUInt8("SPI Size"))
        let type = try reader.readUInt16("Notify Message Type")
        let spi = try reader.readBytes(spiSize, "SPI")
        let notify = NotifyPayload(protocolID: protocolID, messageType: type, spi: spi, data: reader.readRemainingBytes())
        try notify.checkGroupNotification(offset: reader.origin)
        return notify
    }

    /// The G-IKEv2 notifications carry Protocol ID 0 and no SPI; GROUP_SENDER's data is a 4-octet
    /// count (RFC 9838 §4.7.1-§4.7.4). The error types' data "MUST be ignored on receipt".
    func checkGroupNotification(offset: Int) throws {
        let groupTypes: Set<UInt16> = [IKEv2NotifyType.invalidGroupID, IKEv2NotifyType.authorizationFailed,
                                       IKEv2NotifyType.registrationFailed, IKEv2NotifyType.groupSender]
        guard groupTypes.contains(messageType) else { return }
        guard protocolID == 0, spi.isEmpty else {
            throw WireError.invalidValue(payload: "Notify", offset: offset, field: "Protocol ID / SPI Size", value: Int(protocolID))
        }
        if messageType == IKEv2NotifyType.groupSender && data.count != 4 {
            throw WireError.invalidLength(payload: "Notify", offset: offset + 4, declared: data.count,
                                          reason: "of GROUP_SENDER data is not 4 octets (RFC 9838 §4.7.4)")
        }
    }
}

/// Delete (RFC 7296 §3.11; RFC 9838 §4.6): `Protocol ID(1) | SPI Size(1) | Num of SPIs(2) | SPIs`.
/// In G-IKEv2, Protocol GIKE_UPDATE with SPI 0 excludes the GM (RFC 9838 §2.4.3).
public struct DeletePayload: Equatable, Sendable {
    public var protocolID: UInt8
    public var spiSize: UInt8
    public var spis: [[UInt8]]

    public init(protocolID: UInt8, spiSize: UInt8, spis: [[UInt8]]) {
        self.protocolID = protocolID
        self.spiSize = spiSize
        self.spis = spis
    }

    public func write(to buffer: inout ByteBuffer) throws {
        guard spis.count <= Int(UInt16.max), spis.allSatisfy({ $0.count == Int(spiSize) }) else {
            throw WireError.invalidCount(payload: "Delete", offset: buffer.writerIndex, declared: spis.count, found: spis.count)
        }
        buffer.writeInteger(protocolID)
        buffer.writeInteger(spiSize)
        buffer.writeInteger(UInt16(spis.count), endianness: .big)
        for spi in spis { buffer.writeBytes(spi) }
    }

    public static func read(from reader: inout WireReader) throws -> DeletePayload {
        let protocolID = try reader.readUInt8("Protocol ID")
        let spiSize = try reader.readUInt8("SPI Size")
        let countOffset = reader.offset
        let count = Int(try reader.readUInt16("Num of SPIs"))
        // Check the count against what is there before reading, so a lying count allocates nothing.
        // An SPI Size of 0 (deleting the IKE SA) comes with a count of 0 (RFC 7296 §3.11).
        guard spiSize == 0 ? (count == 0 && reader.isEmpty) : count * Int(spiSize) == reader.remaining else {
            throw WireError.invalidCount(payload: reader.context, offset: countOffset, declared: count,
                                         found: spiSize == 0 ? 0 : reader.remaining / Int(spiSize))
        }
        var spis: [[UInt8]] = []
        spis.reserveCapacity(count)
        for _ in 0..<count { spis.append(try reader.readBytes(Int(spiSize), "SPI")) }
        return DeletePayload(protocolID: protocolID, spiSize: spiSize, spis: spis)
    }
}

/// Vendor ID (RFC 7296 §3.12): opaque.
public struct VendorIDPayload: Equatable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8]) { self.data = data }
    public func write(to buffer: inout ByteBuffer) { buffer.writeBytes(data) }
    public static func read(from reader: inout WireReader) -> VendorIDPayload { VendorIDPayload(data: reader.readRemainingBytes()) }
}
