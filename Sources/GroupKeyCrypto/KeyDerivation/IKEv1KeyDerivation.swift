/// The three keys an IKEv1 phase-1 SA derives from SKEYID (RFC 2409 §5).
public struct IKEv1SessionKeys: Sendable {
    /// SKEYID itself, which keys HASH_I/HASH_R.
    public let skeyid: SecretBytes
    /// SKEYID_d: keying material for non-ISAKMP SAs (GDOI does not use it for TEKs; RFC 6407 §3).
    public let skeyidD: SecretBytes
    /// SKEYID_a: keys the HASH payloads of phase 2 / GROUPKEY-PULL and Informational exchanges.
    public let skeyidA: SecretBytes
    /// SKEYID_e: source of the ISAKMP SA encryption key (see `encryptionKey`).
    public let skeyidE: SecretBytes
}

/// IKEv1 key derivation (RFC 2409 §5 and Appendix B). `prf` is the HMAC form of the negotiated
/// hash (no IKEv1 PRF attribute is ever negotiated in practice).
public enum IKEv1KeyDerivation {
    /// SKEYID for pre-shared key authentication: prf(pre-shared-key, Ni_b | Nr_b).
    public static func skeyidPreSharedKey(prf: PseudorandomFunction, preSharedKey: SecretBytes,
                                          nonceInitiator: [UInt8], nonceResponder: [UInt8]) throws -> SecretBytes {
        try prf.derive(key: preSharedKey, nonceInitiator, nonceResponder)
    }

    /// SKEYID for signature authentication: prf(Ni_b | Nr_b, g^xy).
    public static func skeyidSignature(prf: PseudorandomFunction, nonceInitiator: [UInt8], nonceResponder: [UInt8],
                                       sharedSecret: SecretBytes) throws -> SecretBytes {
        try prf.derive(key: nonceInitiator + nonceResponder, sharedSecret)
    }

    /// SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    /// SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    /// SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)       (RFC 2409 §5)
    public static func sessionKeys(prf: PseudorandomFunction, skeyid: SecretBytes, sharedSecret: SecretBytes,
                                   cookieInitiator: [UInt8], cookieResponder: [UInt8]) throws -> IKEv1SessionKeys {
        guard cookieInitiator.count == 8, cookieResponder.count == 8 else {
            throw CryptoError.invalidInputLength("ISAKMP cookies are 8 octets (RFC 2408 §3.1)")
        }
        let cookies = cookieInitiator + cookieResponder
        let d = try prf.derive(key: skeyid, sharedSecret, cookies, [UInt8(0)])
        let a = try prf.derive(key: skeyid, d, sharedSecret, cookies, [UInt8(1)])
        let e = try prf.derive(key: skeyid, a, sharedSecret, cookies, [UInt8(2)])
        return IKEv1SessionKeys(skeyid: skeyid, skeyidD: d, skeyidA: a, skeyidE: e)
    }

    /// The ISAKMP SA encryption key: the leading `length` octets of SKEYID_e, or, when SKEYID_e is
    /// too short, of Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and Ki = prf(SKEYID_e, Ki-1)
    /// (RFC 2409 Appendix B; 0 is a single octet).
    public static func encryptionKey(prf: PseudorandomFunction, skeyidE: SecretBytes, length: Int) throws -> SecretBytes {
        if skeyidE.count >= length { return skeyidE.slice(0..<length) }
        var previous = try prf.derive(key: skeyidE, [UInt8(0)])
        var material = previous
        while material.count < length {
            previous = try prf.derive(key: skeyidE, previous)
            material = material + previous
        }
        return material.slice(0..<length)
    }

    /// First phase-1 IV: hash(g^xi | g^xr) truncated to the cipher's block size, with the
    /// negotiated hash (not its HMAC) (RFC 2409 Appendix B). The public values are the KE payload
    /// bodies as sent.
    public static func phase1InitialIV(hash: DigestAlgorithm, publicValueInitiator: [UInt8], publicValueResponder: [UInt8],
                                       blockSize: Int) throws -> [UInt8] {
        try truncatedHash(hash, [publicValueInitiator, publicValueResponder], blockSize: blockSize)
    }

    /// First IV of a phase-2 style exchange (Quick Mode, Informational, GROUPKEY-PULL):
    /// hash(last phase-1 CBC output block | M-ID) truncated to the block size (RFC 2409
    /// Appendix B; WIRE-REFERENCE §18.20 for GROUPKEY-PULL).
    public static func phase2InitialIV(hash: DigestAlgorithm, lastPhase1Block: [UInt8], messageID: UInt32,
                                       blockSize: Int) throws -> [UInt8] {
        let mid: [UInt8] = [UInt8(messageID >> 24), UInt8(messageID >> 16 & 0xff), UInt8(messageID >> 8 & 0xff), UInt8(messageID & 0xff)]
        return try truncatedHash(hash, [lastPhase1Block, mid], blockSize: blockSize)
    }

    private static func truncatedHash(_ hash: DigestAlgorithm, _ parts: [[UInt8]], blockSize: Int) throws -> [UInt8] {
        guard blockSize > 0, blockSize <= hash.outputLength else {
            throw CryptoError.invalidInputLength("IV of \(blockSize) octets cannot come from \(hash) (\(hash.outputLength) octets)")
        }
        return Array(try hash.hash(parts).prefix(blockSize))
    }
}
