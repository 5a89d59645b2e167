import COpenSSL

/// A keyed integrity transform: computes and checks truncated HMAC ICVs over a message given
/// in parts (header, IV, ciphertext, ... as RFC 7296 §3.14 and RFC 4303 §2.8 lay them out).
///
/// The HMAC key is set once in a template `EVP_MAC_CTX`; each message works on a copy
/// (`EVP_MAC_CTX_dup`), which saves re-hashing the key pads per packet and lets any number of
/// threads compute at once: the template is only read after initialisation.
public final class IntegrityTransform: SymmetricPrimitive, @unchecked Sendable {
    nonisolated(unsafe) private static let mac: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)

    public let algorithm: IntegrityAlgorithm
    public var parameters: SymmetricParameters { algorithm.parameters }
    private let template: OpaquePointer

    /// Keys the transform. The key must be exactly `algorithm.keyLength` octets (RFC 4868
    /// §2.1.1: "MUST be" the output length; RFC 2404 §3). HMAC-MD5-96 is refused with
    /// `forbiddenAlgorithm` unless `allowLegacy` says a legacy GDOI peer needs it.
    public init(_ algorithm: IntegrityAlgorithm, key: SecretBytes, allowLegacy: Bool = false) throws {
        if algorithm.isLegacy && !allowLegacy {
            throw CryptoError.forbiddenAlgorithm("\(algorithm) outside a legacy GDOI/IKEv1 SA")
        }
        guard key.count == algorithm.keyLength else {
            throw CryptoError.invalidKeyLength(algorithm: algorithm.description, expected: [algorithm.keyLength], actual: key.count)
        }
        guard let mac = Self.mac, let ctx = EVP_MAC_CTX_new(mac) else {
            throw CryptoError.fromOpenSSL("EVP_MAC_CTX_new(HMAC)")
        }
        do {
            try algorithm.digest.openSSLName.withCString { name in
                var params = [
                    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0),
                    OSSL_PARAM_construct_end(),
                ]
                try key.withUnsafeBytes { k in
                    try check(EVP_MAC_init(ctx, k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count, &params),
                              "EVP_MAC_init(\(algorithm))")
                }
            }
        } catch {
            EVP_MAC_CTX_free(ctx)
            throw error
        }
        self.algorithm = algorithm
        self.template = ctx
    }

    deinit {
        EVP_MAC_CTX_free(template)  // cleanses the keyed HMAC state
    }

    /// The truncated ICV over the concatenation of `parts`.
    public func compute(_ parts: [any ContiguousBytes]) throws -> [UInt8] {
        var full = [UInt8](repeating: 0, count: algorithm.digest.outputLength)
        try full.withUnsafeMutableBytes { try fullMAC(parts, into: $0) }
        full.removeLast(full.count - algorithm.icvLength)
        return full
    }

    /// Checks `icv` against the ICV over `parts` in constant time; throws `authenticationFailed`
    /// on any mismatch, including a wrong ICV length.
    public func verify(_ icv: some ContiguousBytes, over parts: [any ContiguousBytes]) throws {
        let expected = try compute(parts)
        guard ConstantTime.equal(expected, icv) else { throw CryptoError.authenticationFailed }
    }

    /// The untruncated HMAC (used by tests against published full-length answers).
    func fullMAC(_ parts: [any ContiguousBytes], into output: UnsafeMutableRawBufferPointer) throws {
        guard let ctx = EVP_MAC_CTX_dup(template) else { throw CryptoError.fromOpenSSL("EVP_MAC_CTX_dup") }
        defer { EVP_MAC_CTX_free(ctx) }
        for part in parts {
            try part.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                try check(EVP_MAC_update(ctx, base.assumingMemoryBound(to: UInt8.self), bytes.count), "EVP_MAC_update")
            }
        }
        var written = 0
        try check(EVP_MAC_final(ctx, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, output.count), "EVP_MAC_final")
        guard written == algorithm.digest.outputLength else {
            throw CryptoError.openSSL(operation: "EVP_MAC_final(\(algorithm))", reason: "wrote \(written) octets")
        }
    }
}
