import COpenSSL

/// IKEv1 phase-1 RSA signatures (Authentication Method 3). RFC 2409 §5.1: "RSA signatures MUST be
/// encoded as a private key encryption in PKCS #1 format and not as a signature in PKCS #1 format
/// (which includes the OID of the hash algorithm)" -- that is, PKCS #1 v1.5 block type 1 padding
/// around the bare HASH_I/HASH_R, with no DigestInfo. (GDOI's GROUPKEY-PUSH SIG is different: it
/// uses EMSA-PKCS1-v1_5 with DigestInfo, RFC 6407 §5.3.6.1, i.e. `SignatureScheme.rsaPKCS1v15`.)
public enum IKEv1RSASignature {
    /// Signs `hash` (HASH_I or HASH_R, already computed with the negotiated prf).
    public static func sign(hash: [UInt8], with key: SigningKey) throws -> [UInt8] {
        let ctx = try context(key.key, kind: key.kind, signing: true)
        var length = 0
        try check(EVP_PKEY_sign(ctx.pointer, nil, &length, hash, hash.count), "EVP_PKEY_sign")
        var signature = [UInt8](repeating: 0, count: length)
        try check(EVP_PKEY_sign(ctx.pointer, &signature, &length, hash, hash.count), "EVP_PKEY_sign")
        return Array(signature.prefix(length))
    }

    /// Checks an IKEv1 RSA signature over `hash`; throws `signatureInvalid` if it does not verify.
    public static func verify(_ signature: [UInt8], hash: [UInt8], with key: VerifyingKey) throws {
        let ctx = try context(key.key, kind: key.kind, signing: false)
        let result = EVP_PKEY_verify(ctx.pointer, signature, signature.count, hash, hash.count)
        CryptoError.clearOpenSSLErrors()
        guard result == 1 else { throw CryptoError.signatureInvalid }
    }

    /// A sign or verify context with PKCS #1 v1.5 padding and no digest, so OpenSSL pads the
    /// input octets as they are.
    private static func context(_ key: EVPKey, kind: KeyKind, signing: Bool) throws -> EVPKeyContext {
        guard case .rsa = kind else { throw CryptoError.unsupportedAlgorithm("IKEv1 RSA signature with a \(kind) key") }
        let ctx = try key.makeContext()
        try check(signing ? EVP_PKEY_sign_init(ctx.pointer) : EVP_PKEY_verify_init(ctx.pointer),
                  signing ? "EVP_PKEY_sign_init" : "EVP_PKEY_verify_init")
        try check(EVP_PKEY_CTX_set_rsa_padding(ctx.pointer, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
        return ctx
    }
}
