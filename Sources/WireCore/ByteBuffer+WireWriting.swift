import NIOCore

extension ByteBuffer {
    /// Reserves a 16-bit big-endian length at the current writer index, runs `body`, then writes the
    /// number of octets from `lengthStart` (default: the length field itself) to the end into it.
    /// Generic payload headers count their own 4 octets (RFC 7296 §3.2; RFC 2408 §3.2), so callers
    /// pass the payload's first octet as `countFrom`.
    @discardableResult
    public mutating func writeLength16Backfilled(countingFrom countFrom: Int? = nil,
                                                 _ body: (inout ByteBuffer) throws -> Void) throws -> Int {
        let lengthIndex = writerIndex
        writeInteger(UInt16(0), endianness: .big)
        try body(&self)
        let total = writerIndex - (countFrom ?? lengthIndex)
        guard total <= Int(UInt16.max) else {
            throw WireError.limitExceeded(payload: "writer", offset: lengthIndex,
                                          limit: "16-bit length field", value: total)
        }
        setInteger(UInt16(total), at: lengthIndex, endianness: .big)
        return total
    }

    /// Writes `value` as a big-endian integer of `width` octets (1, 2, 4 or 8), for fields whose
    /// width the wire fixes independently of the Swift type holding them.
    public mutating func writeBigEndian(_ value: UInt64, width: Int) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            writeInteger(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}

/// Something with a wire form that it can write into a buffer.
public protocol WireEncodable {
    func write(to buffer: inout ByteBuffer) throws
}

extension WireEncodable {
    /// The wire octets alone, for tests and for hashing.
    public func wireBytes() throws -> [UInt8] {
        var buffer = ByteBuffer()
        try write(to: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
