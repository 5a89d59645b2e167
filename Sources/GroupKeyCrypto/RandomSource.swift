import COpenSSL

/// Where nonces, IVs, SPIs and keys come from. Engines take one as an input so tests can make
/// every message reproducible; production uses `SystemRandom`.
public protocol RandomSource: Sendable {
    /// Fills the buffer with random octets.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws
}

extension RandomSource {
    /// Public random octets (nonces, IVs, SPIs, cookies).
    public func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try fill($0) }
        return out
    }

    /// Fresh key material that never exists outside wiped storage.
    public func secret(_ count: Int) throws -> SecretBytes {
        try SecretBytes(count: count) { try fill($0) }
    }

    /// A random fixed-width integer (e.g. an SPI or a message counter seed).
    public func integer<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type = T.self) throws -> T {
        var value: T = 0
        try withUnsafeMutableBytes(of: &value) { try fill($0) }
        return value
    }
}

/// OpenSSL's CSPRNG (`RAND_bytes`, seeded from the operating system).
public struct SystemRandom: RandomSource {
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count > 0 else { return }
        try check(RAND_bytes(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)), "RAND_bytes")
    }
}
