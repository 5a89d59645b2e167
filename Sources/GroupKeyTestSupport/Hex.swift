/// Hex helpers for tests and vector files. A malformed literal is a test bug, so it traps with the
/// offending text rather than returning a value a test could mistake for data.
public enum Hex {
    public static func decode(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
        precondition(digits.count % 2 == 0, "odd-length hex: \(text)")
        return stride(from: 0, to: digits.count, by: 2).map { index in
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else {
                preconditionFailure("bad hex digit in: \(text)")
            }
            return high << 4 | low
        }
    }

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let table = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
