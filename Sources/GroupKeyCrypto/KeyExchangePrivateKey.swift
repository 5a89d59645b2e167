import COpenSSL

/// Our half of one key exchange: the private value stays inside OpenSSL, the public value is
/// ready for a KE payload.
public final class KeyExchangePrivateKey: @unchecked Sendable {
    // @unchecked: `key` is never changed after init, and OpenSSL allows concurrent derivations
    // from one EVP_PKEY (each makes its own context).
    public let method: KeyExchangeMethod
    /// Key Exchange Data for the KE payload, in the encoding `KeyExchangeMethod` documents.
    public let publicValue: [UInt8]
    private let key: EVPKey

    init(method: KeyExchangeMethod, key: EVPKey) throws {
        self.method = method
        self.key = key
        switch method.family {
        case .modp(let prime):
            // RFC 7296 §3.4: "zero-padded ... to the length of the prime".
            publicValue = try key.integerParameter(OSSL_PKEY_PARAM_PUB_KEY, width: prime.count)
        case .ecp(_, _, let fieldLength):
            // RFC 5903 §7: x | y, each as long as the field, no point-format octet.
            publicValue = try key.integerParameter(OSSL_PKEY_PARAM_EC_PUB_X, width: fieldLength)
                + key.integerParameter(OSSL_PKEY_PARAM_EC_PUB_Y, width: fieldLength)
        case .montgomery:
            publicValue = try key.rawPublicKey()
        }
    }

    /// g^ir from the peer's Key Exchange Data. Throws `invalidPublicValue` for a value of the
    /// wrong length, out of range, off the curve, or giving an all-zero X25519/X448 secret.
    /// X25519/X448 u-coordinates are otherwise taken as RFC 8031 §3.2 asks: the top bit of an
    /// X25519 value masked, non-canonical values (>= p) accepted.
    public func sharedSecret(peerPublicValue: [UInt8]) throws -> SecretBytes {
        let peer = try KeyExchangeKeys.importPeer(method, peerPublicValue)
        let ctx = try key.makeContext()
        try check(EVP_PKEY_derive_init(ctx.pointer), "EVP_PKEY_derive_init")
        if case .modp = method.family {
            // RFC 7296 §2.14: g^ir is padded to the prime length; OpenSSL strips leading zeros
            // unless told otherwise.
            try check(EVP_PKEY_CTX_set_dh_pad(ctx.pointer, 1), "EVP_PKEY_CTX_set_dh_pad")
        }
        // The peer value was validated by `importPeer` as RFC 6989 §2 asks (1 < y < p-1 for the
        // safe-prime MODP groups, where no other small subgroup exists; on the curve for ECP,
        // cofactor 1; an all-zero result for X25519/X448 below). OpenSSL's own re-check
        // (validate_peer = 1) adds a full DH parameter and subgroup test and an EC order
        // multiplication per exchange, which cost more than the agreement itself.
        guard EVP_PKEY_derive_set_peer_ex(ctx.pointer, peer.pointer, 0) == 1 else {
            CryptoError.clearOpenSSLErrors()
            throw CryptoError.invalidPublicValue("rejected by OpenSSL's public key check")
        }
        var length = 0
        try check(EVP_PKEY_derive(ctx.pointer, nil, &length), "EVP_PKEY_derive")
        let expected = method.sharedSecretLength
        guard length == expected else {
            throw CryptoError.openSSL(operation: "EVP_PKEY_derive", reason: "output length \(length), expected \(expected)")
        }
        var failed = false
        let secret = SecretBytes(count: expected) { buffer in
            var written = length
            if EVP_PKEY_derive(ctx.pointer, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), &written) != 1 || written != expected {
                failed = true
            }
        }
        if failed {
            if case .montgomery = method.family {
                // OpenSSL refuses to return an all-zero X25519/X448 output (the check RFC 7748
                // §6.1/§6.2 allows), so a failure here is a low-order peer point.
                CryptoError.clearOpenSSLErrors()
                throw CryptoError.invalidPublicValue("shared secret is all zero (RFC 7748 §6)")
            }
            throw CryptoError.fromOpenSSL("EVP_PKEY_derive")
        }
        // RFC 7748 §6: abort on an all-zero K (a low-order peer point). OpenSSL already does;
        // this keeps the rule if the library underneath changes.
        if case .montgomery = method.family, ConstantTime.equal(secret, SecretBytes.zeros(count: expected)) {
            throw CryptoError.invalidPublicValue("shared secret is all zero (RFC 7748 §6)")
        }
        return secret
    }
}
