import COpenSSL

/// AES Key Wrap (RFC 3394) and AES Key Wrap with Padding (RFC 5649) over OpenSSL's wrap ciphers.
/// G-IKEv2 wraps every key it sends with KW_5649_128/192/256 (RFC 9838 §4.4.2.1.2, §4.5); the
/// KEK's length fixes the AES variant. Keyed once; each call wraps or unwraps one key.
///
/// Unwrapping checks integrity before releasing anything: RFC 3394 §2.2.3 compares the
/// recovered IV with A6A6A6A6A6A6A6A6; RFC 5649 §3 checks the AIV constant A65959A6, that the
/// MLI fits the recovered length, and that the padding octets are zero. OpenSSL performs those
/// checks; every failure surfaces as `unwrapFailed`.
public final class AESKeyWrap: SymmetricPrimitive, @unchecked Sendable {
    public enum Mode: Sendable, Hashable {
        /// RFC 3394: key data a multiple of 8 octets, at least 16.
        case rfc3394
        /// RFC 5649: any key data of 1 octet or more, padded to 8 with zeros.
        case rfc5649
    }

    /// A mode and a KEK size, as a KWA transform names them.
    public struct Algorithm: Sendable, Hashable, CustomStringConvertible {
        public let mode: Mode
        /// KEK octets: 16, 24 or 32.
        public let kekLength: Int

        public init(mode: Mode, kekLength: Int) throws {
            guard [16, 24, 32].contains(kekLength) else {
                throw CryptoError.invalidKeyLength(algorithm: "AES key wrap KEK", expected: [16, 24, 32], actual: kekLength)
            }
            self.mode = mode
            self.kekLength = kekLength
        }

        public var description: String {
            "\(mode == .rfc3394 ? "AES-KW" : "AES-KWP")-\(kekLength * 8)"
        }

        /// The KEK length, the 8-octet semiblock, and the 8 octets wrapping adds (the integrity
        /// block A, RFC 3394 §2.2.1) reported as the ICV.
        public var parameters: SymmetricParameters {
            SymmetricParameters(name: description, keyLength: kekLength, ivLength: 0, blockSize: AESKeyWrap.semiblock,
                                icvLength: AESKeyWrap.semiblock, isAEAD: false, isLegacy: false)
        }

        fileprivate var evpCipher: OpaquePointer {
            switch (mode, kekLength) {
            case (.rfc3394, 16): return EVP_aes_128_wrap()
            case (.rfc3394, 24): return EVP_aes_192_wrap()
            case (.rfc3394, _): return EVP_aes_256_wrap()
            case (.rfc5649, 16): return EVP_aes_128_wrap_pad()
            case (.rfc5649, 24): return EVP_aes_192_wrap_pad()
            case (.rfc5649, _): return EVP_aes_256_wrap_pad()
            }
        }
    }

    /// RFC 3394 §2: the algorithm works on 64-bit semiblocks.
    public static let semiblock = 8
    /// RFC 5649 §3: the MLI is a 32-bit octet count.
    public static let maximumPaddedKeyLength = Int(UInt32.max)

    public let algorithm: Algorithm
    public var parameters: SymmetricParameters { algorithm.parameters }
    private let lock = ContextLock()
    private let contexts: LazyCipherContexts

    /// Keys the wrap with `kek`, whose length must be `algorithm.kekLength`.
    public init(_ algorithm: Algorithm, kek: SecretBytes) throws {
        guard kek.count == algorithm.kekLength else {
            throw CryptoError.invalidKeyLength(algorithm: algorithm.description, expected: [algorithm.kekLength], actual: kek.count)
        }
        self.algorithm = algorithm
        // OpenSSL refuses the wrap ciphers in EVP unless the context explicitly allows them.
        contexts = try LazyCipherContexts(cipher: algorithm.evpCipher, key: kek, flags: Int32(EVP_CIPHER_CTX_FLAG_WRAP_ALLOW),
                                          name: algorithm.description)
    }

    /// Keys the wrap choosing the AES size from the KEK's length (RFC 9838 reading 5: the KWK's
    /// own length fixes the AES key size).
    public convenience init(mode: Mode, kek: SecretBytes) throws {
        try self.init(Algorithm(mode: mode, kekLength: kek.count), kek: kek)
    }

    /// Wraps `key`. RFC 3394 needs a multiple of 8 octets and at least 16 (two semiblocks,
    /// §2.2.1); RFC 5649 takes 1 octet or more. Otherwise `invalidInputLength`.
    public func wrap(key: SecretBytes) throws -> [UInt8] {
        switch algorithm.mode {
        case .rfc3394:
            guard key.count >= 2 * Self.semiblock, key.count % Self.semiblock == 0 else {
                throw CryptoError.invalidInputLength("RFC 3394 key data must be a multiple of 8 octets and at least 16, got \(key.count)")
            }
        case .rfc5649:
            guard key.count >= 1, key.count <= Self.maximumPaddedKeyLength else {
                throw CryptoError.invalidInputLength("RFC 5649 key data must be 1 to 2^32 - 1 octets, got \(key.count)")
            }
        }
        // Wrapped length: the key padded up to a semiblock, plus the integrity block.
        let padded = (key.count + Self.semiblock - 1) / Self.semiblock * Self.semiblock
        var output = [UInt8](repeating: 0, count: padded + Self.semiblock)
        let count = try lock.withLock {
            let wrapper = try contexts.context(encrypting: true)
            return try output.withUnsafeMutableBytes { out -> Int in
                try wrapper.begin(iv: nil)  // nil: the RFC's default IV / AIV
                let written = try key.withUnsafeBytes { try wrapper.update($0, into: out) }
                guard let tail = wrapper.finish(into: UnsafeMutableRawBufferPointer(rebasing: out[written...])) else {
                    throw CryptoError.openSSL(operation: "EVP_CipherFinal_ex(\(algorithm))", reason: "refused")
                }
                return written + tail
            }
        }
        guard count == output.count else {
            throw CryptoError.openSSL(operation: "wrap(\(algorithm))", reason: "wrote \(count) of \(output.count) octets")
        }
        return output
    }

    /// Unwraps and checks integrity. Any failure, including a length no wrap could produce,
    /// throws `unwrapFailed`; no key data is released unless every check passed.
    public func unwrap(_ wrapped: some ContiguousBytes) throws -> SecretBytes {
        try wrapped.withUnsafeBytes { input in
            // RFC 3394 §2.2.2 / RFC 5649 §4.2: ciphertext is (n + 1) semiblocks, n >= 2 for
            // RFC 3394 and n >= 1 for RFC 5649.
            let minimum = (algorithm.mode == .rfc3394 ? 3 : 2) * Self.semiblock
            guard input.count >= minimum, input.count % Self.semiblock == 0 else { throw CryptoError.unwrapFailed }
            return try withWipedScratch(count: input.count) { scratch in
                let count = try lock.withLock { () -> Int? in
                    let unwrapper = try contexts.context(encrypting: false)
                    try unwrapper.begin(iv: nil)
                    // OpenSSL signals a failed integrity check from the update call itself.
                    guard let written = try? unwrapper.update(input, into: scratch) else {
                        CryptoError.clearOpenSSLErrors()
                        return nil
                    }
                    guard let tail = unwrapper.finish(into: UnsafeMutableRawBufferPointer(rebasing: scratch[written...])) else {
                        return nil
                    }
                    return written + tail
                }
                guard let count, count > 0 else { throw CryptoError.unwrapFailed }
                return SecretBytes(scratch[0..<count])
            }
        }
    }
}
