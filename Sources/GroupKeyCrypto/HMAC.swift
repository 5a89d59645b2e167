import COpenSSL

/// HMAC (RFC 2104) over OpenSSL's EVP_MAC. Naming the digest in `EVP_MAC_init` makes OpenSSL fetch
/// it again on every call, which costs more than the MAC of a short input; so each digest has one
/// template context, made once with its digest set, and every MAC starts from a copy of it
/// (`EVP_MAC_CTX_dup`: reads the template, so copies may be taken from any thread).
enum HMACEngine {
    nonisolated(unsafe) private static let mac: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)
    /// One keyless context per digest; never keyed or freed.
    nonisolated(unsafe) private static let templates: [DigestAlgorithm: OpaquePointer] = {
        var made: [DigestAlgorithm: OpaquePointer] = [:]
        guard let mac else { return made }
        for digest in DigestAlgorithm.allCases {
            guard let ctx = EVP_MAC_CTX_new(mac) else { continue }
            let set = digest.openSSLName.withCString { name -> Int32 in
                var params = [
                    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, UnsafeMutablePointer(mutating: name), 0),
                    OSSL_PARAM_construct_end(),
                ]
                return EVP_MAC_CTX_set_params(ctx, &params)
            }
            if set == 1 { made[digest] = ctx } else { EVP_MAC_CTX_free(ctx); CryptoError.clearOpenSSLErrors() }
        }
        return made
    }()
    /// A valid, never-written octet to point at for a zero-length key.
    nonisolated(unsafe) private static let emptyKey: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// A new context for `digest` keyed with `key`; the caller frees it (EVP_MAC_CTX_free cleanses).
    static func keyedContext(digest: DigestAlgorithm, key: UnsafeRawBufferPointer) throws -> OpaquePointer {
        guard let template = templates[digest], let ctx = EVP_MAC_CTX_dup(template) else {
            throw CryptoError.fromOpenSSL("EVP_MAC_CTX_dup(HMAC-\(digest))")
        }
        // A zero-length HMAC key is legal (RFC 2104), but OpenSSL reads a null key as "keep the
        // previous key", so an empty key is passed as a valid pointer with length 0.
        let keyPointer = key.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(emptyKey)
        guard EVP_MAC_init(ctx, keyPointer, key.count, nil) == 1 else {
            EVP_MAC_CTX_free(ctx)
            throw CryptoError.fromOpenSSL("EVP_MAC_init(HMAC-\(digest))")
        }
        return ctx
    }

    /// Feeds `parts` to a keyed context and writes the MAC into `output` (which must hold the
    /// digest). The context is used up.
    static func finish(_ ctx: OpaquePointer, digest: DigestAlgorithm, parts: [any ContiguousBytes],
                       into output: UnsafeMutableRawBufferPointer) throws {
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

    /// HMAC of the concatenation of `parts`, written into `output` (which must hold the digest).
    static func compute(digest: DigestAlgorithm, key: UnsafeRawBufferPointer, parts: [any ContiguousBytes],
                        into output: UnsafeMutableRawBufferPointer) throws {
        let ctx = try keyedContext(digest: digest, key: key)
        defer { EVP_MAC_CTX_free(ctx) }
        try finish(ctx, digest: digest, parts: parts, into: output)
    }

    /// Several MACs under one key (prf+, RFC 7296 §2.13): the key is set once and each MAC starts
    /// from a copy of the keyed context, so the key's inner and outer pads are hashed once.
    static func withKey<R>(digest: DigestAlgorithm, key: UnsafeRawBufferPointer,
                           _ body: (_ mac: (_ parts: [any ContiguousBytes], _ output: UnsafeMutableRawBufferPointer) throws -> Void) throws -> R) throws -> R {
        let keyed = try keyedContext(digest: digest, key: key)
        defer { EVP_MAC_CTX_free(keyed) }
        return try body { parts, output in
            guard let ctx = EVP_MAC_CTX_dup(keyed) else { throw CryptoError.fromOpenSSL("EVP_MAC_CTX_dup(HMAC-\(digest))") }
            defer { EVP_MAC_CTX_free(ctx) }
            try finish(ctx, digest: digest, parts: parts, into: output)
        }
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
