import COpenSSL

/// A signature algorithm with its hash and padding fixed, as RFC 7427 names one by an
/// AlgorithmIdentifier.
public enum SignatureScheme: Sendable, Hashable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with SHA-1, SHA-256, SHA-384 or SHA-512.
    case rsaPKCS1v15(DigestAlgorithm)
    /// RSASSA-PSS (RFC 8017 §8.1) with SHA-256/384/512, MGF1 with the same hash and a salt as
    /// long as the hash (RFC 4055 §3.1; the parameters of RFC 7427 App. A.4.3).
    case rsaPSS(DigestAlgorithm)
    /// ECDSA (FIPS 186) with SHA-256/384/512; signatures are DER ECDSA-Sig-Value (RFC 3279
    /// §2.2.3), the form RFC 7427 AUTH carries (WIRE-REFERENCE §18 item 13).
    case ecdsa(DigestAlgorithm)
    /// Pure Ed25519 (RFC 8032 §5.1), no pre-hash (RFC 8420).
    case ed25519

    /// Every scheme groupkey signs and verifies.
    public static let supported: [SignatureScheme] = [
        .rsaPKCS1v15(.sha1), .rsaPKCS1v15(.sha256), .rsaPKCS1v15(.sha384), .rsaPKCS1v15(.sha512),
        .rsaPSS(.sha256), .rsaPSS(.sha384), .rsaPSS(.sha512),
        .ecdsa(.sha256), .ecdsa(.sha384), .ecdsa(.sha512),
        .ed25519,
    ]

    /// The hash, or nil for Ed25519, which hashes inside the algorithm.
    public var digest: DigestAlgorithm? {
        switch self {
        case .rsaPKCS1v15(let d), .rsaPSS(let d), .ecdsa(let d): return d
        case .ed25519: return nil
        }
    }

    /// Only legacy peers may use it: SHA-1 signatures (RFC 8247 §3 deprecates SHA-1 for signing).
    public var isLegacy: Bool { digest == .sha1 }

    public var description: String {
        switch self {
        case .rsaPKCS1v15(let d): return "RSA-PKCS1v1.5-\(d)"
        case .rsaPSS(let d): return "RSASSA-PSS-\(d)"
        case .ecdsa(let d): return "ECDSA-\(d)"
        case .ed25519: return "Ed25519"
        }
    }

    /// Refuses combinations the standards do not define, before any key is touched.
    func validate() throws {
        switch self {
        case .rsaPKCS1v15(let d):
            guard d != .md5 else { throw CryptoError.forbiddenAlgorithm("RSA with MD5") }
        case .rsaPSS(let d), .ecdsa(let d):
            guard d != .md5 && d != .sha1 else { throw CryptoError.unsupportedAlgorithm("\(self)") }
        case .ed25519:
            break
        }
    }

    /// The OpenSSL key type (`EVP_PKEY_get_base_id`) the scheme needs.
    var keyType: Int32 {
        switch self {
        case .rsaPKCS1v15, .rsaPSS: return EVP_PKEY_RSA
        case .ecdsa: return EVP_PKEY_EC
        case .ed25519: return EVP_PKEY_ED25519
        }
    }

    /// Sets up a DigestSign/DigestVerify context for this scheme on `key`.
    func initialise(_ mdContext: OpaquePointer, key: EVPKey, signing: Bool) throws {
        try validate()
        guard key.baseID == keyType else {
            throw CryptoError.unsupportedAlgorithm("\(self) with a \(KeyKind(key).description) key")
        }
        var pkeyContext: OpaquePointer?
        let md = digest?.evpMD
        let operation = signing ? "EVP_DigestSignInit" : "EVP_DigestVerifyInit"
        let result = signing
            ? EVP_DigestSignInit(mdContext, &pkeyContext, md, nil, key.pointer)
            : EVP_DigestVerifyInit(mdContext, &pkeyContext, md, nil, key.pointer)
        try check(result, "\(operation)(\(self))")
        if case .rsaPSS(let d) = self, let pkeyContext {
            try check(EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PSS_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            try check(EVP_PKEY_CTX_set_rsa_mgf1_md(pkeyContext, d.evpMD), "EVP_PKEY_CTX_set_rsa_mgf1_md")
            // Salt length = hash length, on both sides: verification refuses other lengths.
            try check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pkeyContext, Int32(d.outputLength)), "EVP_PKEY_CTX_set_rsa_pss_saltlen")
        } else if case .rsaPKCS1v15 = self, let pkeyContext {
            try check(EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
        }
    }
}

/// What kind of key an `EVP_PKEY` holds, for messages and for checking scheme/key pairs.
public enum KeyKind: Sendable, Equatable, CustomStringConvertible {
    case rsa(bits: Int)
    case ecdsa(curve: String)
    case ed25519
    case other(String)

    init(_ key: EVPKey) {
        switch key.baseID {
        case EVP_PKEY_RSA: self = .rsa(bits: Int(EVP_PKEY_get_bits(key.pointer)))
        case EVP_PKEY_EC:
            // OpenSSL reports the X9.62/SEC names; use the NIST ones RFC 5903 and RFC 7427 use.
            switch key.stringParameter(OSSL_PKEY_PARAM_GROUP_NAME) ?? "unknown curve" {
            case "prime256v1", "P-256": self = .ecdsa(curve: "P-256")
            case "secp384r1", "P-384": self = .ecdsa(curve: "P-384")
            case "secp521r1", "P-521": self = .ecdsa(curve: "P-521")
            case let other: self = .ecdsa(curve: other)
            }
        case EVP_PKEY_ED25519: self = .ed25519
        default: self = .other(String(cString: OBJ_nid2sn(key.baseID)))
        }
    }

    /// Whether groupkey signs and verifies with this kind of key: RSA, ECDSA on the NIST curves
    /// of RFC 5903, Ed25519.
    var isSupported: Bool {
        switch self {
        case .rsa, .ed25519: return true
        case .ecdsa(let curve): return ["P-256", "P-384", "P-521"].contains(curve)
        case .other: return false
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits): return "RSA-\(bits)"
        case .ecdsa(let curve): return "EC \(curve)"
        case .ed25519: return "Ed25519"
        case .other(let name): return name
        }
    }
}
