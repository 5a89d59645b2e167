// The algorithm names of the policy format. Each raw value is the token written in the XML; the
// IANA numbers each protocol uses for them are in AlgorithmCatalog.swift, in one table.

/// Encryption transforms, for data-security SAs, the rekey SA and registration proposals.
public enum EncryptionAlgorithm: String, Sendable, CaseIterable, Codable {
    case des = "des"
    case tripleDES = "3des"
    case null = "null"
    case aesCBC = "aes-cbc"
    case aesCTR = "aes-ctr"
    case aesCCM8 = "aes-ccm-8"
    case aesCCM12 = "aes-ccm-12"
    case aesCCM16 = "aes-ccm-16"
    case aesGCM8 = "aes-gcm-8"
    case aesGCM12 = "aes-gcm-12"
    case aesGCM16 = "aes-gcm-16"
    case nullAuthAESGMAC = "null-auth-aes-gmac"
    case chacha20Poly1305 = "chacha20-poly1305"
}

/// Integrity transforms (the truncated-ICV names of RFC 4868 and RFC 2404/2403).
public enum IntegrityAlgorithm: String, Sendable, CaseIterable, Codable {
    case hmacMD5_96 = "hmac-md5-96"
    case hmacSHA1_96 = "hmac-sha1-96"
    case hmacSHA2_256_128 = "hmac-sha2-256-128"
    case hmacSHA2_384_192 = "hmac-sha2-384-192"
    case hmacSHA2_512_256 = "hmac-sha2-512-256"
}

/// Pseudorandom functions of registration proposals (the IKEv1 hash of the same family).
public enum PRFAlgorithm: String, Sendable, CaseIterable, Codable {
    case hmacMD5 = "hmac-md5"
    case hmacSHA1 = "hmac-sha1"
    case hmacSHA2_256 = "hmac-sha2-256"
    case hmacSHA2_384 = "hmac-sha2-384"
    case hmacSHA2_512 = "hmac-sha2-512"
}

/// Key exchange methods (Diffie-Hellman groups) of registration proposals.
public enum KeyExchangeGroup: String, Sendable, CaseIterable, Codable {
    case modp768 = "modp768"
    case modp1024 = "modp1024"
    case modp1536 = "modp1536"
    case modp2048 = "modp2048"
    case modp3072 = "modp3072"
    case modp4096 = "modp4096"
    case modp6144 = "modp6144"
    case modp8192 = "modp8192"
    case ecp256 = "ecp256"
    case ecp384 = "ecp384"
    case ecp521 = "ecp521"
    case curve25519 = "curve25519"
    case curve448 = "curve448"
}

/// Key wrap algorithms of the G-IKEv2 rekey SA (RFC 9838 §4.4.2.1.2).
public enum KeyWrapAlgorithm: String, Sendable, CaseIterable, Codable {
    case kw5649_128 = "kw-5649-128"
    case kw5649_192 = "kw-5649-192"
    case kw5649_256 = "kw-5649-256"
    case arxKW = "arx-kw"
}

/// Signature algorithms for rekey authentication. GDOI's SIG_ALGORITHM/SIG_HASH_ALGORITHM pair
/// (RFC 6407 §5.3.6/§5.3.5) and G-IKEv2's AlgorithmIdentifier (RFC 7427) both name one of these.
public enum SignatureAlgorithm: String, Sendable, CaseIterable, Codable {
    case rsaPKCS1MD5 = "rsa-pkcs1-md5"
    case rsaPKCS1SHA1 = "rsa-pkcs1-sha1"
    case rsaPKCS1SHA256 = "rsa-pkcs1-sha256"
    case rsaPKCS1SHA384 = "rsa-pkcs1-sha384"
    case rsaPKCS1SHA512 = "rsa-pkcs1-sha512"
    case rsaPSSSHA256 = "rsa-pss-sha256"
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
    case ecdsaP384SHA384 = "ecdsa-p384-sha384"
    case ecdsaP521SHA512 = "ecdsa-p521-sha512"
    case ed25519 = "ed25519"
}
