/// Mutations of a valid packet for sweep tests: every single-bit flip, every octet set to 0x00 and
/// 0xFF, every truncation, 16-bit "length field lies" (0, 3, 4, 0xFFFF, ±1) at every offset, and a seeded run
/// of random multi-octet damage. Deterministic, so a failure reproduces.
public enum WireMutator {
    public static func forEachMutation(of bytes: [UInt8], randomRuns: Int = 200, seed: UInt64 = 0x5EED,
                                       _ body: ([UInt8]) throws -> Void) rethrows {
        for index in bytes.indices {
            for bit in 0..<8 {
                var copy = bytes
                copy[index] ^= 1 << bit
                try body(copy)
            }
            for value: UInt8 in [0x00, 0xFF] where bytes[index] != value {
                var copy = bytes
                copy[index] = value
                try body(copy)
            }
        }
        for length in 0..<bytes.count { try body(Array(bytes.prefix(length))) }
        // Length lies: a 16-bit or 32-bit big-endian field at any offset claims another size.
        let lies: [Int] = [0, 3, 4, 0xFFFF]
        for index in bytes.indices.dropLast() {
            for lie in lies {
                var copy = bytes
                copy[index] = UInt8(lie >> 8 & 0xFF)
                copy[index + 1] = UInt8(lie & 0xFF)
                try body(copy)
            }
            let original = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            for delta in [-1, 1] {
                let value = (original + delta) & 0xFFFF
                var copy = bytes
                copy[index] = UInt8(value >> 8)
                copy[index + 1] = UInt8(value & 0xFF)
                try body(copy)
            }
        }
        // Random damage: a few octets overwritten, sometimes a chunk cut out or appended.
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        guard !bytes.isEmpty else { return }
        for _ in 0..<randomRuns {
            var copy = bytes
            for _ in 0..<(1 + Int(next() % 4)) {
                copy[Int(next() % UInt64(copy.count))] = UInt8(truncatingIfNeeded: next())
            }
            switch next() % 4 {
            case 0:
                let start = Int(next() % UInt64(copy.count))
                let end = min(copy.count, start + 1 + Int(next() % 16))
                copy.removeSubrange(start..<end)
            case 1:
                copy += (0..<(1 + Int(next() % 16))).map { _ in UInt8(truncatingIfNeeded: next()) }
            default:
                break
            }
            try body(copy)
        }
    }
}
