import COpenSSL

/// Building OpenSSL keys for a key exchange method: generated, imported from a private value,
/// or a peer's public value after the checks of RFC 6989 (MODP, ECP), RFC 5903 §7 and RFC 8031 §3.2.
enum KeyExchangeKeys {
    static func generate(_ method: KeyExchangeMethod) throws -> EVPKey {
        switch method.family {
        case .modp(let prime):
            let domain = try EVPKey.fromData(type: "DH", selection: KeySelection.parameters,
                                             parameters: try domainParameters(prime: prime))
            let ctx = try domain.makeContext()
            return try generate(with: ctx, name: "DH")
        case .ecp(let group, _, _):
            guard let raw = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw CryptoError.fromOpenSSL("EVP_PKEY_CTX_new_from_name(EC)") }
            let ctx = EVPKeyContext(taking: raw)
            try check(EVP_PKEY_keygen_init(ctx.pointer), "EVP_PKEY_keygen_init(EC)")
            let builder = try ParameterBuilder()
            try builder.add(OSSL_PKEY_PARAM_GROUP_NAME, utf8: group)
            let params = try builder.build()
            defer { OSSL_PARAM_free(params) }
            try check(EVP_PKEY_CTX_set_params(ctx.pointer, params), "EVP_PKEY_CTX_set_params(\(group))")
            return try generate(with: ctx, name: group, initialised: true)
        case .montgomery(_, let name, _):
            guard let raw = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw CryptoError.fromOpenSSL("EVP_PKEY_CTX_new_from_name(\(name))") }
            return try generate(with: EVPKeyContext(taking: raw), name: name)
        }
    }

    private static func generate(with ctx: EVPKeyContext, name: String, initialised: Bool = false) throws -> EVPKey {
        if !initialised { try check(EVP_PKEY_keygen_init(ctx.pointer), "EVP_PKEY_keygen_init(\(name))") }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(ctx.pointer, &key) == 1, let key else { throw CryptoError.fromOpenSSL("EVP_PKEY_generate(\(name))") }
        return EVPKey(taking: key)
    }

    static func importPrivate(_ method: KeyExchangeMethod, _ value: some ContiguousBytes) throws -> EVPKey {
        switch method.family {
        case .modp(let prime):
            // OpenSSL does not derive the public value when importing a DH private key, so compute
            // g^x mod p here (constant time) and import both halves.
            let modulus = try BigNumber(prime)
            let exponent = try BigNumber(value, secret: true)
            guard BN_is_zero(exponent.pointer) == 0, exponent.compare(modulus) < 0 else {
                throw CryptoError.malformedEncoding("MODP private value out of range")
            }
            let publicValue = try BigNumber.modularPower(base: BigNumber(ModularExponentialGroups.generator),
                                                         exponent: exponent, modulus: modulus)
            let builder = try domainParameters(prime: prime)
            try builder.add(OSSL_PKEY_PARAM_PRIV_KEY, integer: exponent)
            try builder.add(OSSL_PKEY_PARAM_PUB_KEY, integer: publicValue)
            return try EVPKey.fromData(type: "DH", selection: KeySelection.keyPair, parameters: builder)
        case .ecp(let group, let nid, _):
            let scalar = try BigNumber(value, secret: true)
            let point = try ellipticPublicPoint(curveNID: nid, scalar: scalar)
            let builder = try ParameterBuilder()
            try builder.add(OSSL_PKEY_PARAM_GROUP_NAME, utf8: group)
            try builder.add(OSSL_PKEY_PARAM_PUB_KEY, octets: point)
            try builder.add(OSSL_PKEY_PARAM_PRIV_KEY, integer: scalar)
            return try EVPKey.fromData(type: "EC", selection: KeySelection.keyPair, parameters: builder)
        case .montgomery(let type, let name, let length):
            return try value.withUnsafeBytes { raw in
                guard raw.count == length else {
                    throw CryptoError.invalidKeyLength(algorithm: name, expected: [length], actual: raw.count)
                }
                guard let key = EVP_PKEY_new_raw_private_key(type, nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count) else {
                    throw CryptoError.fromOpenSSL("EVP_PKEY_new_raw_private_key(\(name))")
                }
                return EVPKey(taking: key)
            }
        }
    }

    /// The uncompressed point (0x04 | x | y) of scalar * G, which OpenSSL does not compute when
    /// an EC private key is imported on its own.
    private static func ellipticPublicPoint(curveNID: Int32, scalar: BigNumber) throws -> [UInt8] {
        guard let group = EC_GROUP_new_by_curve_name(curveNID) else { throw CryptoError.fromOpenSSL("EC_GROUP_new_by_curve_name") }
        defer { EC_GROUP_free(group) }
        guard let point = EC_POINT_new(group) else { throw CryptoError.fromOpenSSL("EC_POINT_new") }
        defer { EC_POINT_free(point) }
        guard BN_is_zero(scalar.pointer) == 0, BN_cmp(scalar.pointer, EC_GROUP_get0_order(group)) < 0 else {
            throw CryptoError.malformedEncoding("ECP private value out of range")
        }
        try check(EC_POINT_mul(group, point, scalar.pointer, nil, nil, nil), "EC_POINT_mul")
        let length = EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, nil, 0, nil)
        guard length > 0 else { throw CryptoError.fromOpenSSL("EC_POINT_point2oct") }
        var out = [UInt8](repeating: 0, count: length)
        guard EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &out, length, nil) == length else {
            throw CryptoError.fromOpenSSL("EC_POINT_point2oct")
        }
        return out
    }

    /// The peer's public value as an OpenSSL key, after the checks that do not need OpenSSL.
    static func importPeer(_ method: KeyExchangeMethod, _ value: [UInt8]) throws -> EVPKey {
        guard value.count == method.publicValueLength else {
            throw CryptoError.invalidPublicValue("\(value.count) octets, \(method) takes \(method.publicValueLength)")
        }
        switch method.family {
        case .modp(let prime):
            // RFC 6989 §2.1 / NIST SP 800-56A §5.6.2.3.1 (RFC 7296 §3.3.2 points there): 1 < y < p-1.
            // This refuses 0, 1 and p-1 (which force the shared secret into {0, 1, p-1}) and
            // anything >= p. OpenSSL adds the subgroup test y^q = 1 where it knows q.
            let y = try BigNumber(value)
            let pMinusOne = try BigNumber(prime).subtracting(1)
            guard BN_is_zero(y.pointer) == 0, BN_is_one(y.pointer) == 0 else {
                throw CryptoError.invalidPublicValue("MODP public value is 0 or 1")
            }
            guard y.compare(pMinusOne) < 0 else {
                throw CryptoError.invalidPublicValue("MODP public value is not below p-1")
            }
            let builder = try domainParameters(prime: prime)
            try builder.add(OSSL_PKEY_PARAM_PUB_KEY, integer: y)
            return try importOrReject(type: "DH", builder: builder, reason: "MODP public value rejected by OpenSSL")
        case .ecp(let group, _, _):
            // RFC 5903 §7: x | y without the 0x04 prefix. All zeros cannot be a point of these
            // curves; it is the usual stand-in for the point at infinity, so name it.
            guard value.contains(where: { $0 != 0 }) else {
                throw CryptoError.invalidPublicValue("ECP public value is the point at infinity")
            }
            let builder = try ParameterBuilder()
            try builder.add(OSSL_PKEY_PARAM_GROUP_NAME, utf8: group)
            try builder.add(OSSL_PKEY_PARAM_PUB_KEY, octets: [0x04] + value)
            // OpenSSL refuses coordinates >= the field prime and points not on the curve here.
            return try importOrReject(type: "EC", builder: builder, reason: "ECP point is not on the curve")
        case .montgomery(let type, let name, _):
            // Every u-coordinate is acceptable input (RFC 7748 §5, RFC 8031 §3.2); a low-order
            // one shows as an all-zero shared secret, refused in derivation (RFC 7748 §6).
            guard let key = EVP_PKEY_new_raw_public_key(type, nil, value, value.count) else {
                throw CryptoError.fromOpenSSL("EVP_PKEY_new_raw_public_key(\(name))")
            }
            return EVPKey(taking: key)
        }
    }

    private static func importOrReject(type: String, builder: ParameterBuilder, reason: String) throws -> EVPKey {
        do {
            return try EVPKey.fromData(type: type, selection: KeySelection.publicKey, parameters: builder)
        } catch CryptoError.openSSL {
            throw CryptoError.invalidPublicValue(reason)
        }
    }

    private static func domainParameters(prime: [UInt8]) throws -> ParameterBuilder {
        let builder = try ParameterBuilder()
        try builder.add(OSSL_PKEY_PARAM_FFC_P, integer: BigNumber(prime))
        try builder.add(OSSL_PKEY_PARAM_FFC_G, integer: BigNumber(ModularExponentialGroups.generator))
        return builder
    }
}
