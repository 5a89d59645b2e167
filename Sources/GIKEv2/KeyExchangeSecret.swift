import GroupKeyCrypto

/// Our half of a key exchange, drawn from the engine's injected `RandomSource` so that tests can
/// reproduce whole messages (the private value goes straight into OpenSSL).
enum KeyExchangeSecret {
    /// Octets of private value per method: the scalar length for X25519/X448 (RFC 7748 §5, which
    /// clamps it) and for ECP (the top octet masked for P-521 so it stays below the order); a
    /// 512-bit exponent for MODP groups (at least twice the strength of the 2048-bit group).
    static func make(_ method: KeyExchangeMethod, random: some RandomSource) throws -> KeyExchangePrivateKey {
        var lastError: Error = CryptoError.invalidPublicValue("no private value accepted")
        for _ in 0..<8 {
            var value: [UInt8]
            switch method.id {
            case .curve25519, .curve448: value = try random.bytes(method.sharedSecretLength)
            case .ecp256, .ecp384: value = try random.bytes(method.sharedSecretLength)
            case .ecp521:
                value = try random.bytes(method.sharedSecretLength)
                value[0] &= 0x01
            default: value = try random.bytes(64)
            }
            defer { for index in value.indices { value[index] = 0 } }
            do { return try method.importPrivateKey(value) } catch { lastError = error }
        }
        throw lastError
    }
}
