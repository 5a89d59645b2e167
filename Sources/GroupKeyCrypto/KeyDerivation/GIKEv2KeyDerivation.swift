/// The keys of a G-IKEv2 Rekey SA, split from the keying material the GCKS downloads
/// (RFC 9838 §3.4: GSK_e | GSK_a | GSK_w = KEYMAT).
public struct RekeySAKeys: Sendable {
    /// Encryption key of the Rekey SA, including the salt of AEAD/CTR ciphers (WIRE-REFERENCE §18.8).
    public let encryption: SecretBytes
    /// Integrity key; empty when the cipher is AEAD ("GSK_a has zero length", RFC 9838 §3.4).
    public let integrity: SecretBytes
    /// Default key-wrap key (KWK ID 0) of the Rekey SA.
    public let keyWrap: SecretBytes
}

/// G-IKEv2 derivations on top of IKEv2's (RFC 9838 §3.1.1, §3.4).
public enum GIKEv2KeyDerivation {
    /// "Key Wrap for G-IKEv2": 20 ASCII characters, no NUL (RFC 9838 §3.1.1).
    public static let keyWrapLabel: [UInt8] = Array("Key Wrap for G-IKEv2".utf8)

    /// GSK_w of a registration (unicast) IKE SA: the first `keyLength` octets of
    /// prf+(SK_d, "Key Wrap for G-IKEv2"), where `keyLength` is the key size of the negotiated
    /// Key Wrap Algorithm (RFC 9838 §3.1.1; WIRE-REFERENCE §18.10).
    public static func registrationKeyWrapKey(prf: PseudorandomFunction, skD: SecretBytes, keyLength: Int) throws -> SecretBytes {
        try prf.prfPlus(key: skD, seed: keyWrapLabel, length: keyLength)
    }

    /// Total KEYMAT length a Rekey SA needs for its transforms.
    public static func rekeySAKeyMaterialLength(encryptionKeyLength: Int, integrityKeyLength: Int, keyWrapKeyLength: Int) -> Int {
        encryptionKeyLength + integrityKeyLength + keyWrapKeyLength
    }

    /// Splits Rekey SA KEYMAT into GSK_e | GSK_a | GSK_w (RFC 9838 §3.4). The lengths come from the
    /// Rekey SA's ENCR (with salt), INTEG (0 for AEAD) and KWA transforms; KEYMAT of any other
    /// length is refused, since a mismatch means the two ends disagree about the transforms.
    public static func splitRekeySAKeys(_ keymat: SecretBytes, encryptionKeyLength: Int, integrityKeyLength: Int,
                                        keyWrapKeyLength: Int) throws -> RekeySAKeys {
        let expected = rekeySAKeyMaterialLength(encryptionKeyLength: encryptionKeyLength,
                                                integrityKeyLength: integrityKeyLength,
                                                keyWrapKeyLength: keyWrapKeyLength)
        guard keymat.count == expected else {
            throw CryptoError.invalidKeyLength(algorithm: "Rekey SA KEYMAT (GSK_e|GSK_a|GSK_w)", expected: [expected], actual: keymat.count)
        }
        let eEnd = encryptionKeyLength, aEnd = eEnd + integrityKeyLength
        return RekeySAKeys(encryption: keymat.slice(0..<eEnd),
                           integrity: keymat.slice(eEnd..<aEnd),
                           keyWrap: keymat.slice(aEnd..<expected))
    }
}
