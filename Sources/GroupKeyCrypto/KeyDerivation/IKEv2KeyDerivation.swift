/// Lengths of the keys an IKE SA needs, taken from its negotiated transforms (RFC 7296 §2.14:
/// SK_d, SK_pi and SK_pr have the PRF's preferred key length, which for HMAC PRFs is the output
/// length; SK_a takes the integrity key length, zero with an AEAD cipher; SK_e takes the
/// encryption key length including any salt, RFC 5282 §7.1).
public struct IKEv2KeyLengths: Sendable, Equatable {
    public let prf: Int
    public let integrity: Int
    public let encryption: Int

    public init(prf: Int, integrity: Int, encryption: Int) {
        self.prf = prf
        self.integrity = integrity
        self.encryption = encryption
    }

    /// Total octets of prf+ output the seven keys consume.
    public var total: Int { 3 * prf + 2 * integrity + 2 * encryption }
}

/// The seven keys of an IKE SA (RFC 7296 §2.14). Initiator and responder each use the key of
/// their own direction for what they send.
public struct IKEv2SessionKeys: Sendable {
    public let skD: SecretBytes
    public let skAi: SecretBytes
    public let skAr: SecretBytes
    public let skEi: SecretBytes
    public let skEr: SecretBytes
    public let skPi: SecretBytes
    public let skPr: SecretBytes
}

/// IKEv2 key derivation (RFC 7296 §2.13, §2.14, §2.17, §2.18).
public enum IKEv2KeyDerivation {
    /// SKEYSEED = prf(Ni | Nr, g^ir) for a new IKE SA (§2.14).
    public static func skeyseed(prf: PseudorandomFunction, nonceInitiator: [UInt8], nonceResponder: [UInt8],
                                sharedSecret: SecretBytes) throws -> SecretBytes {
        try prf.derive(key: nonceInitiator + nonceResponder, sharedSecret)
    }

    /// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) when an IKE SA is rekeyed (§2.18).
    public static func rekeyedSkeyseed(prf: PseudorandomFunction, oldSKd: SecretBytes, sharedSecret: SecretBytes,
                                       nonceInitiator: [UInt8], nonceResponder: [UInt8]) throws -> SecretBytes {
        try prf.derive(key: oldSKd, sharedSecret, nonceInitiator, nonceResponder)
    }

    /// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    /// (§2.14). SPIs are the 8-octet values from the IKE header.
    public static func sessionKeys(prf: PseudorandomFunction, skeyseed: SecretBytes,
                                   nonceInitiator: [UInt8], nonceResponder: [UInt8],
                                   spiInitiator: [UInt8], spiResponder: [UInt8],
                                   lengths: IKEv2KeyLengths) throws -> IKEv2SessionKeys {
        guard spiInitiator.count == 8, spiResponder.count == 8 else {
            throw CryptoError.invalidInputLength("IKE SPIs are 8 octets (RFC 7296 §3.1)")
        }
        let seed = nonceInitiator + nonceResponder + spiInitiator + spiResponder
        let stream = try prf.prfPlus(key: skeyseed, seed: seed, length: lengths.total)
        var offset = 0
        func take(_ length: Int) -> SecretBytes {
            defer { offset += length }
            return stream.slice(offset..<(offset + length))
        }
        return IKEv2SessionKeys(skD: take(lengths.prf),
                                skAi: take(lengths.integrity), skAr: take(lengths.integrity),
                                skEi: take(lengths.encryption), skEr: take(lengths.encryption),
                                skPi: take(lengths.prf), skPr: take(lengths.prf))
    }

    /// KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) for a Child SA (§2.17).
    public static func childKeyMaterial(prf: PseudorandomFunction, skD: SecretBytes, sharedSecret: SecretBytes?,
                                        nonceInitiator: [UInt8], nonceResponder: [UInt8], length: Int) throws -> SecretBytes {
        let nonces = SecretBytes(nonceInitiator + nonceResponder)
        let seed = sharedSecret.map { $0 + nonces } ?? nonces
        return try prf.prfPlus(key: skD, seed: seed, length: length)
    }
}
