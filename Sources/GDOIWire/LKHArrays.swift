import GroupKeyCrypto
import NIOCore
import WireCore

/// One LKH Key (RFC 6407 §5.6.3.1, Fig. 12): `LKH ID(2) | Key Type(1) | RESERVED(1) | Key Creation
/// Date(4) | Key Expiration Date(4) | Key Handle(4) | Key Data`. Key Data is IV | key when the
/// algorithm needs an IV; in an update array it is encrypted under the previous key.
public struct LKHKey: Equatable, Sendable {
    public var lkhID: UInt16
    /// A KEK_ALGORITHM value (RFC 6407 §5.3.2; WIRE-REFERENCE §17.5).
    public var keyType: UInt8
    public var creationDate: UInt32
    public var expirationDate: UInt32
    public var keyHandle: UInt32
    public var keyData: SecretBytes

    public init(lkhID: UInt16, keyType: UInt8, creationDate: UInt32 = 0, expirationDate: UInt32 = 0, keyHandle: UInt32, keyData: SecretBytes) {
        self.lkhID = lkhID
        self.keyType = keyType
        self.creationDate = creationDate
        self.expirationDate = expirationDate
        self.keyHandle = keyHandle
        self.keyData = keyData
    }

    static let fixedLength = 16

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(lkhID, endianness: .big)
        buffer.writeInteger(keyType)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(creationDate, endianness: .big)
        buffer.writeInteger(expirationDate, endianness: .big)
        buffer.writeInteger(keyHandle, endianness: .big)
        _ = keyData.withUnsafeBytes { buffer.writeBytes($0) }
    }

    static func read(from reader: inout WireReader, keyDataLength: Int) throws -> LKHKey {
        let id = try reader.readUInt16("LKH ID")
        let type = try reader.readUInt8("Key Type")
        try reader.readReservedZero(1)
        let created = try reader.readUInt32("Key Creation Date")
        let expires = try reader.readUInt32("Key Expiration Date")
        let handle = try reader.readUInt32("Key Handle")
        var data = try reader.readBytes(keyDataLength, "Key Data")
        return LKHKey(lkhID: id, keyType: type, creationDate: created, expirationDate: expires, keyHandle: handle,
                      keyData: SecretBytes(consuming: &data))
    }

    /// Key Data has no length field: its size follows from the Key Type and KEK_KEY_LENGTH (plus IV).
    /// Every key of one array is a node key of the same tree and algorithm, so the array's size and
    /// key count fix it; a size that does not divide evenly is an error.
    static func readKeys(from reader: inout WireReader, count: Int, countOffset: Int) throws -> [LKHKey] {
        guard count > 0, reader.remaining % count == 0, reader.remaining / count > fixedLength else {
            throw WireError.invalidCount(payload: reader.context, offset: countOffset, declared: count,
                                         found: reader.remaining / (fixedLength + 1))
        }
        let dataLength = reader.remaining / count - fixedLength
        var keys: [LKHKey] = []
        keys.reserveCapacity(count)
        for _ in 0..<count { keys.append(try read(from: &reader, keyDataLength: dataLength)) }
        return keys
    }
}

/// LKH_DOWNLOAD_ARRAY (RFC 6407 §5.6.3.1, Fig. 11): `LKH Version(1)=1 | # of LKH Keys(2) |
/// RESERVED(1) | LKH Keys`, leaf first, group KEK last.
public struct LKHDownloadArray: Equatable, Sendable {
    public var keys: [LKHKey]
    public init(keys: [LKHKey]) { self.keys = keys }

    public static let version: UInt8 = 1

    public func encoded() -> SecretBytes {
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.version)
        buffer.writeInteger(UInt16(keys.count), endianness: .big)
        buffer.writeInteger(UInt8(0))
        for key in keys { key.write(to: &buffer) }
        var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return SecretBytes(consuming: &bytes)
    }

    public static func decode(_ value: SecretBytes) throws -> LKHDownloadArray {
        var reader = WireReader(bytes: value.unsafeCopyBytes(), context: "LKH_DOWNLOAD_ARRAY")
        let version = try reader.readUInt8("LKH Version")
        guard version == Self.version else {
            throw WireError.invalidValue(payload: reader.context, offset: 0, field: "LKH Version", value: Int(version))
        }
        let count = Int(try reader.readUInt16("# of LKH Keys"))
        try reader.readReservedZero(1)
        return LKHDownloadArray(keys: try LKHKey.readKeys(from: &reader, count: count, countOffset: 1))
    }
}

/// LKH_UPDATE_ARRAY (RFC 6407 §5.6.3.2, Fig. 13): `LKH Version(1)=1 | # of LKH Keys(2) | RESERVED(1) |
/// LKH ID(2) | RESERVED2(2) | Key Handle(4) | LKH Keys`. The header names the key that encrypts the
/// first LKH Key; each later key is encrypted under the one before it.
public struct LKHUpdateArray: Equatable, Sendable {
    public var lkhID: UInt16
    public var keyHandle: UInt32
    public var keys: [LKHKey]

    public init(lkhID: UInt16, keyHandle: UInt32, keys: [LKHKey]) {
        self.lkhID = lkhID
        self.keyHandle = keyHandle
        self.keys = keys
    }

    public func encoded() -> SecretBytes {
        var buffer = ByteBuffer()
        buffer.writeInteger(LKHDownloadArray.version)
        buffer.writeInteger(UInt16(keys.count), endianness: .big)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(lkhID, endianness: .big)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(keyHandle, endianness: .big)
        for key in keys { key.write(to: &buffer) }
        var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return SecretBytes(consuming: &bytes)
    }

    public static func decode(_ value: SecretBytes) throws -> LKHUpdateArray {
        var reader = WireReader(bytes: value.unsafeCopyBytes(), context: "LKH_UPDATE_ARRAY")
        let version = try reader.readUInt8("LKH Version")
        guard version == LKHDownloadArray.version else {
            throw WireError.invalidValue(payload: reader.context, offset: 0, field: "LKH Version", value: Int(version))
        }
        let count = Int(try reader.readUInt16("# of LKH Keys"))
        try reader.readReservedZero(1)
        let id = try reader.readUInt16("LKH ID")
        try reader.readReservedZero(2, "RESERVED2")
        let handle = try reader.readUInt32("Key Handle")
        return LKHUpdateArray(lkhID: id, keyHandle: handle, keys: try LKHKey.readKeys(from: &reader, count: count, countOffset: 1))
    }
}
