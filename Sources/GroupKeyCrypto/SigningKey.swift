import COpenSSL

/// A private key that signs: RSA, ECDSA on P-256/P-384/P-521, or Ed25519.
public final class SigningKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never changed after init; each signature makes its own context.
    let key: EVPKey
    /// What the key is, e.g. RSA-2048 or EC P-256.
    public let kind: KeyKind

    /// From PEM text (PKCS#8 or traditional) or DER (PKCS#8 PrivateKeyInfo or traditional).
    public convenience init(pemOrDER bytes: [UInt8]) throws {
        try self.init(key: KeyDecoding.privateKey(bytes))
    }

    public convenience init(pem text: String) throws {
        try self.init(pemOrDER: Array(text.utf8))
    }

    init(key: EVPKey) throws {
        self.key = key
        kind = KeyKind(key)
        guard kind.isSupported else { throw CryptoError.unsupportedAlgorithm("signing key type \(kind)") }
    }

    /// The matching public key.
    public var verifyingKey: VerifyingKey {
        get throws { try VerifyingKey(subjectPublicKeyInfo: key.subjectPublicKeyInfo()) }
    }

    /// The longest signature this key makes (RSA: the modulus length; ECDSA: the largest DER
    /// ECDSA-Sig-Value, actual ones vary by a few octets; Ed25519: 64).
    public var maximumSignatureLength: Int { Int(EVP_PKEY_get_size(key.pointer)) }

    /// Signs `message` (the whole octet string; the scheme hashes it). RSA PKCS#1 v1.5 and Ed25519
    /// are deterministic; PSS and ECDSA draw randomness from OpenSSL's CSPRNG.
    public func sign(_ message: some ContiguousBytes, scheme: SignatureScheme) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        try scheme.initialise(ctx, key: key, signing: true)
        return try message.withUnsafeBytes { raw in
            let data = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var length = 0
            try check(EVP_DigestSign(ctx, nil, &length, data, raw.count), "EVP_DigestSign(\(scheme))")
            var signature = [UInt8](repeating: 0, count: length)
            try check(EVP_DigestSign(ctx, &signature, &length, data, raw.count), "EVP_DigestSign(\(scheme))")
            return Array(signature.prefix(length))
        }
    }
}
