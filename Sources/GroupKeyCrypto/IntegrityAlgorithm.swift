/// The truncated-HMAC integrity transforms of IKEv2, ESP and GDOI TEKs.
public enum IntegrityAlgorithm: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// HMAC-MD5-96 (RFC 2403). Legacy only: RFC 8221 §6 makes it MUST NOT for ESP.
    case hmacMD5_96
    /// HMAC-SHA1-96 (RFC 2404): 160-bit key, 96-bit ICV. Still MUST- for ESP (RFC 8221 §6).
    case hmacSHA1_96
    /// HMAC-SHA-256-128 (RFC 4868 §2.1-2.3): 256-bit key, 128-bit ICV.
    case hmacSHA2_256_128
    /// HMAC-SHA-384-192 (RFC 4868): 384-bit key, 192-bit ICV.
    case hmacSHA2_384_192
    /// HMAC-SHA-512-256 (RFC 4868): 512-bit key, 256-bit ICV.
    case hmacSHA2_512_256

    public var digest: DigestAlgorithm {
        switch self {
        case .hmacMD5_96: return .md5
        case .hmacSHA1_96: return .sha1
        case .hmacSHA2_256_128: return .sha256
        case .hmacSHA2_384_192: return .sha384
        case .hmacSHA2_512_256: return .sha512
        }
    }

    /// The key is as long as the hash output (RFC 2403 §3, RFC 2404 §3, RFC 4868 §2.1.1).
    public var keyLength: Int { digest.outputLength }

    /// The ICV is the leftmost half of the HMAC for SHA-2 (RFC 4868 §2.3) and 96 bits for MD5
    /// and SHA-1 (RFC 2403 §3, RFC 2404 §3).
    public var icvLength: Int {
        switch self {
        case .hmacMD5_96, .hmacSHA1_96: return 12
        case .hmacSHA2_256_128: return 16
        case .hmacSHA2_384_192: return 24
        case .hmacSHA2_512_256: return 32
        }
    }

    public var isLegacy: Bool { self == .hmacMD5_96 }

    public var description: String {
        switch self {
        case .hmacMD5_96: return "HMAC-MD5-96"
        case .hmacSHA1_96: return "HMAC-SHA1-96"
        case .hmacSHA2_256_128: return "HMAC-SHA2-256-128"
        case .hmacSHA2_384_192: return "HMAC-SHA2-384-192"
        case .hmacSHA2_512_256: return "HMAC-SHA2-512-256"
        }
    }

    public var parameters: SymmetricParameters {
        SymmetricParameters(name: description, keyLength: keyLength, ivLength: 0, blockSize: 1,
                            icvLength: icvLength, isAEAD: false, isLegacy: isLegacy)
    }
}
