/// An encryption transform chosen by negotiation or policy, before it is keyed: enough to cut
/// its keying material from KEYMAT (`parameters.keyLength`) and then to build the cipher.
public enum EncryptionAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// AES-CBC or 3DES-CBC.
    case cbc(CBCCipher.Algorithm)
    /// AES-CTR (RFC 3686) with an AES key of this many octets (16, 24, 32).
    case aesCTR(aesKeyLength: Int)
    /// AES-GCM or ChaCha20-Poly1305 in the IPsec (salted) form.
    case aead(AEADCipher.Algorithm)

    public var parameters: SymmetricParameters {
        switch self {
        case .cbc(let algorithm): return algorithm.parameters
        case .aesCTR(let length): return AESCTRCipher.parameters(aesKeyLength: length)
        case .aead(let algorithm): return algorithm.parameters
        }
    }

    public var description: String { parameters.name }

    /// Keys the cipher with `keyingMaterial` (cipher key, then salt/nonce where the algorithm
    /// has one, RFC 7296 §2.17 and the per-algorithm RFCs).
    public func makeCipher(keyingMaterial: SecretBytes) throws -> any MessageCipher {
        // Checked here too so AES-CTR keying material for one AES size cannot key another.
        guard keyingMaterial.count == parameters.keyLength else {
            throw CryptoError.invalidKeyLength(algorithm: description, expected: [parameters.keyLength], actual: keyingMaterial.count)
        }
        switch self {
        case .cbc(let algorithm): return try CBCCipher(algorithm, key: keyingMaterial)
        case .aesCTR: return try AESCTRCipher(keyingMaterial: keyingMaterial)
        case .aead(let algorithm): return try AEADCipher(algorithm, keyingMaterial: keyingMaterial)
        }
    }
}
