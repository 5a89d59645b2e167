import COpenSSL

/// Hash functions, as PRF and HMAC building blocks. MD5 and SHA-1 exist for legacy IKEv1/GDOI
/// PRFs and signatures only (RFC 8247 §2.3 keeps HMAC-SHA1 as a PRF at MUST-, MD5 at MUST NOT).
public enum DigestAlgorithm: Sendable, CaseIterable, CustomStringConvertible {
    case md5, sha1, sha256, sha384, sha512

    /// Output length in octets.
    public var outputLength: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// Whether only legacy peers may use it.
    public var isLegacy: Bool {
        switch self {
        case .md5, .sha1: return true
        case .sha256, .sha384, .sha512: return false
        }
    }

    /// OpenSSL's algorithm name (used with EVP_MAC parameters and EVP_MD_fetch).
    var openSSLName: String {
        switch self {
        case .md5: return "MD5"
        case .sha1: return "SHA1"
        case .sha256: return "SHA256"
        case .sha384: return "SHA384"
        case .sha512: return "SHA512"
        }
    }

    var evpMD: OpaquePointer {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    public var description: String { openSSLName }

    /// One-shot hash of the concatenation of `parts`.
    public func hash(_ parts: [any ContiguousBytes]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        try check(EVP_DigestInit_ex(ctx, evpMD, nil), "EVP_DigestInit_ex(\(self))")
        for part in parts {
            try part.withUnsafeBytes { try check(EVP_DigestUpdate(ctx, $0.baseAddress, $0.count), "EVP_DigestUpdate") }
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        try check(EVP_DigestFinal_ex(ctx, &out, &length), "EVP_DigestFinal_ex")
        return Array(out.prefix(Int(length)))
    }

    public func hash(_ data: some ContiguousBytes) throws -> [UInt8] {
        try hash([data])
    }
}
