import COpenSSL

/// A public key that verifies: RSA, ECDSA on P-256/P-384/P-521, or Ed25519.
public final class VerifyingKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never changed after init; each verification makes its own context.
    let key: EVPKey
    public let kind: KeyKind
    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), e.g. for G-IKEv2's AUTH_KEY attribute.
    public let subjectPublicKeyInfo: [UInt8]

    /// From PEM "PUBLIC KEY" text or DER SubjectPublicKeyInfo.
    public convenience init(pemOrDER bytes: [UInt8]) throws {
        try self.init(key: KeyDecoding.publicKey(bytes))
    }

    public convenience init(pem text: String) throws {
        try self.init(pemOrDER: Array(text.utf8))
    }

    public convenience init(subjectPublicKeyInfo der: [UInt8]) throws {
        try self.init(key: KeyDecoding.publicKey(der))
    }

    /// The subject public key of a certificate (the same as `certificate.publicKey`).
    public convenience init(certificate: Certificate) throws {
        try self.init(subjectPublicKeyInfo: certificate.publicKey.subjectPublicKeyInfo)
    }

    init(key: EVPKey) throws {
        self.key = key
        kind = KeyKind(key)
        guard kind.isSupported else { throw CryptoError.unsupportedAlgorithm("verifying key type \(kind)") }
        subjectPublicKeyInfo = try key.subjectPublicKeyInfo()
    }

    /// Checks `signature` over `message`; throws `signatureInvalid` if it does not verify and
    /// `unsupportedAlgorithm` if the scheme does not fit the key.
    public func verify(_ signature: [UInt8], for message: some ContiguousBytes, scheme: SignatureScheme) throws {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        try scheme.initialise(ctx, key: key, signing: false)
        let result = message.withUnsafeBytes { raw in
            EVP_DigestVerify(ctx, signature, signature.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        // 1 = good; 0 = bad signature; < 0 = malformed (e.g. not DER for ECDSA). A peer's bad
        // signature is one answer whatever the cause, with OpenSSL's queue emptied.
        CryptoError.clearOpenSSLErrors()
        guard result == 1 else { throw CryptoError.signatureInvalid }
    }
}
