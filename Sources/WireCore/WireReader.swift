import NIOCore

/// A bounds-checked reader over one structure of a message. It knows which payload it is reading
/// (for error messages) and where its first octet sits in the whole message, so every error names
/// an absolute offset. A failed read throws and leaves the reader where it was.
public struct WireReader: Sendable {
    public private(set) var buffer: ByteBuffer
    /// Offset in the whole message of `buffer`'s index 0.
    public let origin: Int
    /// The payload or structure being read, for errors.
    public let context: String

    public init(buffer: ByteBuffer, origin: Int = 0, context: String) {
        var copy = buffer
        // Index 0 of our view is the buffer's reader index: discard what was already read.
        copy = copy.slice()
        self.buffer = copy
        self.origin = origin
        self.context = context
    }

    public init(bytes: [UInt8], origin: Int = 0, context: String) {
        self.init(buffer: ByteBuffer(bytes: bytes), origin: origin, context: context)
    }

    /// Absolute offset of the next octet to be read.
    public var offset: Int { origin + buffer.readerIndex }
    public var remaining: Int { buffer.readableBytes }
    public var isEmpty: Bool { buffer.readableBytes == 0 }

    private func truncated(_ field: String, _ needed: Int) -> WireError {
        .truncated(payload: context, field: field, offset: offset, needed: needed, available: remaining)
    }

    public mutating func readUInt8(_ field: String) throws -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw truncated(field, 1) }
        return value
    }

    public mutating func readUInt16(_ field: String) throws -> UInt16 {
        guard let value = buffer.readInteger(endianness: .big, as: UInt16.self) else { throw truncated(field, 2) }
        return value
    }

    public mutating func readUInt32(_ field: String) throws -> UInt32 {
        guard let value = buffer.readInteger(endianness: .big, as: UInt32.self) else { throw truncated(field, 4) }
        return value
    }

    public mutating func readUInt64(_ field: String) throws -> UInt64 {
        guard let value = buffer.readInteger(endianness: .big, as: UInt64.self) else { throw truncated(field, 8) }
        return value
    }

    public mutating func readBytes(_ count: Int, _ field: String) throws -> [UInt8] {
        guard count >= 0, let bytes = buffer.readBytes(length: count) else { throw truncated(field, count) }
        return bytes
    }

    public mutating func readRemainingBytes() -> [UInt8] {
        buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// Reads a RESERVED field of `count` octets that a receiver checks for zero
    /// (RFC 2408 §2.5.2: "receiver SHOULD check the RESERVED fields for a zero (0) value").
    public mutating func readReservedZero(_ count: Int, _ field: String = "RESERVED") throws {
        let start = offset
        let bytes = try readBytes(count, field)
        if bytes.contains(where: { $0 != 0 }) {
            buffer.moveReaderIndex(to: start - origin)
            throw WireError.reservedNotZero(payload: context, offset: start)
        }
    }

    /// Skips a RESERVED field that RFC 7296 §3.2 says "MUST be ignored on receipt".
    public mutating func skipIgnoredReserved(_ count: Int, _ field: String = "RESERVED") throws {
        _ = try readBytes(count, field)
    }

    /// Splits off the next `length` octets as a reader of their own, for a nested structure.
    public mutating func readSubReader(_ length: Int, context: String, field: String = "body") throws -> WireReader {
        let start = offset
        guard length >= 0, let slice = buffer.readSlice(length: length) else { throw truncated(field, length) }
        return WireReader(buffer: slice, origin: start, context: context)
    }

    /// The rest of this reader as a reader of its own (consumes everything).
    public mutating func readRestAsSubReader(context: String) -> WireReader {
        let start = offset
        let slice = buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
        return WireReader(buffer: slice, origin: start, context: context)
    }

    /// Looks at the next octet without consuming it.
    public func peekUInt8() -> UInt8? { buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) }

    /// Runs `body`; if it throws, the reader is put back where it was, so a caller can try another
    /// reading or report the error without a half-consumed buffer.
    public mutating func transaction<T>(_ body: (inout WireReader) throws -> T) throws -> T {
        let saved = buffer.readerIndex
        do {
            return try body(&self)
        } catch {
            buffer.moveReaderIndex(to: saved)
            throw error
        }
    }

    /// Throws if octets are left over.
    public func expectEnd() throws {
        if !isEmpty { throw WireError.trailingData(payload: context, offset: offset, count: remaining) }
    }
}
