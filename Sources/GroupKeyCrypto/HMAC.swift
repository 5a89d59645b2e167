import COpenSSL

/// HMAC (RFC 2104) over OpenSSL's EVP_MAC. The `EVP_MAC` object is fetched once: fetching
/// per call costs more than hashing a 1400-octet packet.
enum HMACEngine {
    nonisolated(unsafe) private static let mac: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)
    /// A valid, never-written octet to point at for a zero-length key.
    nonisolated(unsafe) private static let emptyKey: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// HMAC of the concatenation of `parts`, written into `output` (which must hold the digest).
    static func compute(digest: DigestAlgorithm, key: UnsafeRawBufferPointer, parts: [any ContiguousBytes],
                        into output: UnsafeMutableRawBufferPointer) throws {
        guard let mac, let ctx = EVP_MAC_CTX_new(mac) else { throw CryptoError.fromOpenSSL("EVP_MAC_CTX_new(HMAC)") }
        defer { EVP_MAC_CTX_free(ctx) }
        try digest.openSSLName.withCString { name in
            var params = [
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0),
                OSSL_PARAM_construct_end(),
            ]
            // A zero-length HMAC key is legal (RFC 2104), but OpenSSL reads a null key as "keep the
            // previous key", so an empty key is passed as a valid pointer with length 0.
            let keyPointer = key.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(emptyKey)
            try check(EVP_MAC_init(ctx, keyPointer, key.count, &params), "EVP_MAC_init(HMAC-\(digest))")
        }
        for part in parts {
            try part.withUnsafeBytes { bytes in
                guard bytes.count > 0 else { return }
                try check(EVP_MAC_update(ctx, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count), "EVP_MAC_update")
            }
        }
        var written = 0
        precondition(output.count >= digest.outputLength, "HMAC output buffer too small")
        try check(EVP_MAC_final(ctx, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, output.count), "EVP_MAC_final")
        precondition(written == digest.outputLength)
    }
}

/// HMAC with a chosen hash, for callers that need a plain MAC (IKEv1 hashes, tests).
public struct HMAC: Sendable {
    public let digest: DigestAlgorithm

    public init(_ digest: DigestAlgorithm) { self.digest = digest }

    /// The full-length MAC of the concatenated parts, as public octets.
    public func authenticationCode(key: some ContiguousBytes, parts: [any ContiguousBytes]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: digest.outputLength)
        try key.withUnsafeBytes { k in
            try out.withUnsafeMutableBytes { try HMACEngine.compute(digest: digest, key: k, parts: parts, into: $0) }
        }
        return out
    }

    /// The full-length MAC of the concatenated parts, kept as key material.
    public func derive(key: some ContiguousBytes, parts: [any ContiguousBytes]) throws -> SecretBytes {
        try key.withUnsafeBytes { k in
            try SecretBytes(count: digest.outputLength) { try HMACEngine.compute(digest: digest, key: k, parts: parts, into: $0) }
        }
    }
}
