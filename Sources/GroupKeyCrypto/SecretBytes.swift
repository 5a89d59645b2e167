import COpenSSL

/// Key material. The octets live in memory this type owns; they are wiped with
/// `OPENSSL_cleanse` (which the compiler cannot optimise away) when the last copy is released,
/// compared in constant time, and never printed: `description` shows only the length.
public struct SecretBytes: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    // A class so the wipe happens exactly once, when the last reference goes. The buffer is
    // never mutated after initialisation, which is what makes sharing it across threads safe.
    private final class Storage: @unchecked Sendable {
        let pointer: UnsafeMutableRawBufferPointer

        init(count: Int) {
            pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
            pointer.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit {
            OPENSSL_cleanse(pointer.baseAddress, pointer.count)
            pointer.deallocate()
        }
    }

    private let storage: Storage
    /// Number of octets of key material.
    public let count: Int

    /// Copies `bytes` into wiped-on-release storage. The caller should wipe its own copy if it
    /// was the only one (see `init(consuming:)`).
    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        count = bytes.count
        storage = Storage(count: count)
        _ = storage.pointer.initializeMemory(as: UInt8.self, from: bytes)
    }

    /// Takes over an array of key material and wipes the array.
    public init(consuming bytes: inout [UInt8]) {
        self.init(bytes)
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        bytes.removeAll()
    }

    /// Fills new storage through a closure (used to read OpenSSL output straight into it).
    public init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        self.count = count
        storage = Storage(count: count)
        try initializer(UnsafeMutableRawBufferPointer(rebasing: storage.pointer[0..<count]))
    }

    /// An all-zero secret of the given length (for tests and padding only).
    public static func zeros(count: Int) -> SecretBytes { SecretBytes(count: count) { _ in } }

    public var isEmpty: Bool { count == 0 }

    /// Read-only access to the octets. Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.pointer[0..<count]))
    }

    /// A copy of the octets as an array. Use only where the bytes must go on the wire (wrapped
    /// or encrypted) or into a test; the array is not wiped for you.
    public func unsafeCopyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// A sub-range as a new secret (e.g. splitting prf+ output into SK_d, SK_ai, ...).
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of bounds")
        return withUnsafeBytes { SecretBytes($0[range]) }
    }

    /// Concatenation, for building PRF inputs that contain secrets.
    public static func + (lhs: SecretBytes, rhs: SecretBytes) -> SecretBytes {
        SecretBytes(count: lhs.count + rhs.count) { out in
            lhs.withUnsafeBytes { out.copyMemory(from: $0) }
            rhs.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[lhs.count...]).copyMemory(from: $0) }
        }
    }

    /// Constant-time equality: the time taken depends on the lengths only.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in ConstantTime.equal(l, r) } }
    }

    public var description: String { "SecretBytes(\(count) octets, redacted)" }
    public var debugDescription: String { description }
}
