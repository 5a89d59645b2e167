// IKEv2 transform identifiers (IANA "Internet Key Exchange Version 2 (IKEv2) Parameters",
// Transform Types 1-5, 13 and 14; RFC 7296 §3.3.2, RFC 9838 §4.4.2.1). Only the values groupkey
// recognises are cases; the wire codecs keep any other number as a raw value.

/// Transform Type numbers (RFC 7296 §3.3.2; RFC 9838 adds 13 and 14).
public enum IKEv2TransformType: UInt8, Sendable, CaseIterable {
    case encryption = 1
    case pseudorandomFunction = 2
    case integrity = 3
    case keyExchange = 4
    case sequenceNumbers = 5
    case keyWrapAlgorithm = 13
    case groupControllerAuthenticationMethod = 14
}

/// Transform Type 1: encryption algorithms.
public enum IKEv2EncryptionID: UInt16, Sendable, CaseIterable {
    case desIV64 = 1
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
    case nullAuthAESGMAC = 21
    case chacha20Poly1305 = 28
}

/// Transform Type 2: pseudorandom functions.
public enum IKEv2PRFID: UInt16, Sendable, CaseIterable {
    case hmacMD5 = 1
    case hmacSHA1 = 2
    case hmacSHA2_256 = 5
    case hmacSHA2_384 = 6
    case hmacSHA2_512 = 7
}

/// Transform Type 3: integrity algorithms.
public enum IKEv2IntegrityID: UInt16, Sendable, CaseIterable {
    case none = 0
    case hmacMD5_96 = 1
    case hmacSHA1_96 = 2
    case hmacSHA2_256_128 = 12
    case hmacSHA2_384_192 = 13
    case hmacSHA2_512_256 = 14
}

/// Transform Type 4: key exchange methods (Diffie-Hellman groups). The same numbers are the
/// IKEv1 Group Description values (IANA "IKE Attributes", attribute class 4) for 1-21.
public enum KeyExchangeMethodID: UInt16, Sendable, CaseIterable {
    case modp768 = 1
    case modp1024 = 2
    case modp1536 = 5
    case modp2048 = 14
    case modp3072 = 15
    case modp4096 = 16
    case modp6144 = 17
    case modp8192 = 18
    case ecp256 = 19
    case ecp384 = 20
    case ecp521 = 21
    case curve25519 = 31
    case curve448 = 32
}

/// Transform Type 13: key wrap algorithms (RFC 9838 §4.4.2.1.2, IANA).
public enum KeyWrapAlgorithmID: UInt16, Sendable, CaseIterable {
    case kw5649_128 = 1
    case kw5649_192 = 2
    case kw5649_256 = 3
    case arx = 4
}
