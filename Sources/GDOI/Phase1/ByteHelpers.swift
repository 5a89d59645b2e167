import GDOIWire

extension Array where Element == UInt8 {
    /// Lower-case hex, for logs of public values (cookies, SPIs); never for key material.
    var hexString: String {
        let digits: [Character] = "0123456789abcdef".map { $0 }
        var text = ""
        for octet in self {
            text.append(digits[Int(octet >> 4)])
            text.append(digits[Int(octet & 0x0F)])
        }
        return text
    }

    /// The big-endian value of up to eight octets.
    var bigEndianUInt64: UInt64 { reduce(0) { $0 << 8 | UInt64($1) } }
}

extension UInt64 {
    /// Eight octets, big-endian (an ISAKMP cookie as it is on the wire).
    var bigEndianOctets: [UInt8] { stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: self >> UInt64($0)) } }
}

extension UInt32 {
    var bigEndianOctets: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xFF), UInt8(self >> 8 & 0xFF), UInt8(self & 0xFF)] }
}

/// Payload bodies exactly as they were on the wire: HASH_I/HASH_R cover "SAi_b" and "IDii_b",
/// the bodies as sent (RFC 2409 §5), so they are cut from the received octets, never re-encoded.
enum RawPayloads {
    /// The body (after the 4-octet generic header) of the payload at `offset` of `bytes`, where
    /// `origin` is the offset the first octet of `bytes` has in the message.
    static func body(in bytes: [UInt8], at offset: Int, origin: Int = 0) -> [UInt8]? {
        let start = offset - origin
        guard start >= 0, start + 4 <= bytes.count else { return nil }
        let length = Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        guard length >= 4, start + length <= bytes.count else { return nil }
        return Array(bytes[(start + 4)..<(start + length)])
    }

    /// The whole payload (generic header included) at `offset`.
    static func whole(in bytes: [UInt8], at offset: Int, origin: Int = 0) -> [UInt8]? {
        let start = offset - origin
        guard start >= 0, start + 4 <= bytes.count else { return nil }
        let length = Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        guard length >= 4, start + length <= bytes.count else { return nil }
        return Array(bytes[start..<(start + length)])
    }
}
