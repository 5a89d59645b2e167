// IKEv1 phase-1 attribute values (IANA "Internet Key Exchange (IKE) Attributes"; RFC 2409
// Appendix A), IPsec DOI values used in GDOI SA TEK payloads (IANA "Magic Numbers for ISAKMP";
// RFC 2407 §4.4.4, §4.5) and GDOI KEK algorithm values (IANA GDOI registry; RFC 6407 §5.3.2).

/// IKEv1 attribute class 1, Encryption Algorithm.
public enum IKEv1EncryptionAlgorithm: UInt16, Sendable, CaseIterable {
    case desCBC = 1
    case tripleDESCBC = 5
    case aesCBC = 7
}

/// IKEv1 attribute class 2, Hash Algorithm. Also the PRF of phase 1 via HMAC (RFC 2409 §5).
public enum IKEv1HashAlgorithm: UInt16, Sendable, CaseIterable {
    case md5 = 1
    case sha1 = 2
    case sha2_256 = 4
    case sha2_384 = 5
    case sha2_512 = 6
}

/// IPsec DOI ESP transform identifiers (RFC 2407 §4.4.4; IANA).
public enum IPsecESPTransformID: UInt8, Sendable, CaseIterable {
    case des = 2
    case tripleDES = 3
    case null = 11
    case aesCBC = 12
    case aesCTR = 13
    case aesCCM8 = 14
    case aesCCM12 = 15
    case aesCCM16 = 16
    case aesGCM8 = 18
    case aesGCM12 = 19
    case aesGCM16 = 20
    case nullAuthAESGMAC = 23
}

/// IPsec DOI SA attribute 5, Authentication Algorithm (RFC 2407 §4.5; RFC 4868 §2).
public enum IPsecAuthenticationAlgorithm: UInt16, Sendable, CaseIterable {
    case hmacMD5 = 1
    case hmacSHA1 = 2
    case hmacSHA2_256 = 5
    case hmacSHA2_384 = 6
    case hmacSHA2_512 = 7
}

/// GDOI SA KEK attribute KEK_ALGORITHM (RFC 6407 §5.3.2).
public enum GDOIKEKAlgorithm: UInt16, Sendable, CaseIterable {
    case des = 1
    case tripleDES = 2
    case aes = 3
}
