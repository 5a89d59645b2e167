/// Algorithms as GDOI key servers name them, before any mapping decision. The vendor readers
/// turn their tokens into these; the mapper decides what each becomes in a native policy.

/// A GDOI cipher: TEK (IPsec DOI ESP transform, RFC 2407 §4.4.4), KEK (KEK_ALGORITHM, RFC 6407
/// §5.3.2) or phase 1 (RFC 2409 App. A).
public enum LegacyCipher: Sendable, Equatable, CustomStringConvertible {
    case des
    case tripleDES
    case aesCBC(bits: Int)
    /// AES-GCM with a 16-octet ICV (Cisco esp-gcm, RFC 4106).
    case aesGCM(bits: Int)
    /// ENCR_NULL_AUTH_AES_GMAC (Cisco esp-gmac, RFC 4543).
    case aesGMAC(bits: Int)
    case null
    /// Cisco esp-seal: a software-only cipher no RFC defines.
    case seal
    case unknown(String)

    public var description: String {
        switch self {
        case .des: return "DES"
        case .tripleDES: return "3DES"
        case .aesCBC(let bits): return "AES-\(bits)-CBC"
        case .aesGCM(let bits): return "AES-\(bits)-GCM"
        case .aesGMAC(let bits): return "AES-\(bits)-GMAC"
        case .null: return "NULL"
        case .seal: return "SEAL"
        case .unknown(let token): return token
        }
    }
}

/// A hash as GDOI configurations name it: HMAC integrity of a TEK, a phase 1 hash/PRF, or the
/// rekey SIG_HASH_ALGORITHM (RFC 6407 §5.3.5).
public enum LegacyHash: String, Sendable, Equatable, CaseIterable {
    case md5 = "MD5"
    case sha1 = "SHA-1"
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"
}

/// Phase 1 Diffie-Hellman groups by their IKE group number (RFC 2409 §6, RFC 3526, RFC 5114,
/// RFC 5903).
public struct LegacyDHGroup: Sendable, Equatable, CustomStringConvertible {
    public var number: Int
    public init(_ number: Int) { self.number = number }
    public var description: String { "group \(number)" }
}
