import GroupKeyTypes

/// The one place where IANA numbers become primitives. Protocol code parses a transform or an
/// attribute, asks here by number, and gets either something it can key or a typed refusal:
/// `forbiddenAlgorithm` for what the standards forbid (and for legacy algorithms unless the
/// caller, the IKEv1/GDOI side only, passes `allowLegacy: true`), `unsupportedAlgorithm` for a
/// number groupkey does not implement. The symmetric families are in
/// `AlgorithmRegistry+Symmetric.swift`; PRFs, key exchange and signatures are here.
public enum AlgorithmRegistry {
    // MARK: Pseudorandom functions

    /// IKEv2 Transform Type 2 (RFC 7296 §3.3.2). PRF_HMAC_MD5 is refused (RFC 8247 §3.1: MUST
    /// NOT); PRF_HMAC_SHA1 is legacy (MUST-) and needs `allowLegacy`.
    public static func prf(ikev2 id: IKEv2PRFID, allowLegacy: Bool = false) throws -> PseudorandomFunction {
        switch id {
        case .hmacMD5: throw CryptoError.forbiddenAlgorithm("PRF_HMAC_MD5 (RFC 8247 §3.1: MUST NOT)")
        case .hmacSHA1: try requireLegacy(allowLegacy, "PRF_HMAC_SHA1")
        case .hmacSHA2_256, .hmacSHA2_384, .hmacSHA2_512: break
        }
        return PseudorandomFunction(ikev2: id)
    }

    public static func prf(ikev2Number number: UInt16, allowLegacy: Bool = false) throws -> PseudorandomFunction {
        guard let id = IKEv2PRFID(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("IKEv2 PRF transform \(number)")
        }
        return try prf(ikev2: id, allowLegacy: allowLegacy)
    }

    /// The phase-1 PRF of IKEv1 (the HMAC of the Hash Algorithm attribute, RFC 2409 §5).
    /// MD5 and SHA-1 are what deployed GDOI members use; both are legacy.
    public static func prf(ikev1Hash id: IKEv1HashAlgorithm, allowLegacy: Bool = false) throws -> PseudorandomFunction {
        switch id {
        case .md5: try requireLegacy(allowLegacy, "IKEv1 hash MD5")
        case .sha1: try requireLegacy(allowLegacy, "IKEv1 hash SHA-1")
        case .sha2_256, .sha2_384, .sha2_512: break
        }
        return PseudorandomFunction(ikev1: id)
    }

    public static func prf(ikev1HashNumber number: UInt16, allowLegacy: Bool = false) throws -> PseudorandomFunction {
        guard let id = IKEv1HashAlgorithm(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("IKEv1 hash algorithm \(number)")
        }
        return try prf(ikev1Hash: id, allowLegacy: allowLegacy)
    }

    // MARK: Key exchange

    /// IKEv2 Transform Type 4, or the IKEv1 Group Description (same numbers for 1-21). Group 1
    /// is refused outright; groups 2 and 5 are legacy (GDOI members only, RFC 8247 §2.4).
    public static func keyExchange(_ id: KeyExchangeMethodID, allowLegacy: Bool = false) throws -> KeyExchangeMethod {
        let method = try KeyExchangeMethod(id)
        if method.isLegacy { try requireLegacy(allowLegacy, "key exchange method \(id.rawValue)") }
        return method
    }

    public static func keyExchange(number: UInt16, allowLegacy: Bool = false) throws -> KeyExchangeMethod {
        guard let id = KeyExchangeMethodID(rawValue: number) else {
            throw CryptoError.unsupportedAlgorithm("key exchange method \(number)")
        }
        return try keyExchange(id, allowLegacy: allowLegacy)
    }

    // MARK: Signatures

    /// The signature scheme an RFC 7427 AlgorithmIdentifier names (AUTH method 14, and the
    /// G-IKEv2 GCAUTH transform's Signature Algorithm Identifier attribute).
    public static func signatureScheme(algorithmIdentifier der: [UInt8]) throws -> SignatureScheme {
        try SignatureAlgorithmIdentifier.scheme(for: der)
    }
}
