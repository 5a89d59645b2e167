import COpenSSL

/// AES in counter mode as ESP (RFC 3686) and IKEv2 (RFC 5930) use it. The keying material is
/// the AES key followed by a 4-octet nonce (RFC 3686 §5.1); each message carries an 8-octet IV;
/// the counter block is nonce | IV | 32-bit block counter starting at 1 (RFC 3686 §4). CTR has
/// no integrity of its own and MUST be paired with an integrity transform (RFC 3686 §3.3).
public final class AESCTRCipher: MessageCipher, @unchecked Sendable {
    /// RFC 3686 §4: Nonce field, 32 bits.
    public static let nonceLength = 4
    /// RFC 3686 §3.1: the IV field is 64 bits.
    public static let ivLength = 8
    /// RFC 3686 §4: the block counter is 32 bits and starts at one, so one message can use at
    /// most 2^32 - 1 blocks before the counter would wrap into the IV.
    public static let maximumMessageLength = ((1 << 32) - 1) * 16

    /// Parameters for an AES key of `aesKeyLength` octets (16, 24 or 32).
    public static func parameters(aesKeyLength: Int) -> SymmetricParameters {
        SymmetricParameters(name: "AES-CTR-\(aesKeyLength * 8)", keyLength: aesKeyLength + nonceLength,
                            saltLength: nonceLength, ivLength: ivLength, blockSize: 1, icvLength: 0,
                            isAEAD: false, isLegacy: false)
    }

    public let parameters: SymmetricParameters
    private let nonce: [UInt8]
    private let lock = ContextLock()
    // Counter mode encrypts and decrypts with the same operation, so one context serves both.
    private let context: EVPCipherContext

    /// Keys the cipher from RFC 3686 §5.1 keying material: AES key (16, 24 or 32 octets) then the
    /// 4-octet nonce.
    public init(keyingMaterial: SecretBytes) throws {
        let aesKeyLength = keyingMaterial.count - Self.nonceLength
        let cipher: OpaquePointer
        switch aesKeyLength {
        case 16: cipher = EVP_aes_128_ctr()
        case 24: cipher = EVP_aes_192_ctr()
        case 32: cipher = EVP_aes_256_ctr()
        default:
            throw CryptoError.invalidKeyLength(algorithm: "AES-CTR (key | 4-octet nonce)", expected: [20, 28, 36],
                                               actual: keyingMaterial.count)
        }
        parameters = Self.parameters(aesKeyLength: aesKeyLength)
        // The nonce is not secret (RFC 3686 §4) but is kept with the key it was derived with.
        nonce = keyingMaterial.withUnsafeBytes { Array($0[aesKeyLength...]) }
        let name = parameters.name
        context = try keyingMaterial.withUnsafeBytes {
            try EVPCipherContext(cipher: cipher, key: UnsafeRawBufferPointer(rebasing: $0[0..<aesKeyLength]),
                                 encrypting: true, name: name)
        }
    }

    public func encrypt(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try requireNoAssociatedData(aad, parameters.name)
        return try apply(plaintext, iv: iv)
    }

    public func decrypt(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try requireNoAssociatedData(aad, parameters.name)
        return try apply(ciphertext, iv: iv)
    }

    private func apply(_ input: some ContiguousBytes, iv: some ContiguousBytes) throws -> [UInt8] {
        try input.withUnsafeBytes { inputBytes in
            try iv.withUnsafeBytes { ivBytes in
                guard ivBytes.count == Self.ivLength else {
                    throw CryptoError.invalidNonceLength(expected: Self.ivLength, actual: ivBytes.count)
                }
                guard inputBytes.count <= Self.maximumMessageLength else {
                    throw CryptoError.invalidInputLength("AES-CTR message longer than 2^32 - 1 blocks (RFC 3686 §4)")
                }
                // RFC 3686 §4, Figure 2: Nonce (4) | IV (8) | Block Counter (4) = 1 for the first block.
                let counterBlock = nonce + Array(ivBytes) + [0, 0, 0, 1]
                var output = [UInt8](repeating: 0, count: inputBytes.count + 16)
                let count = try lock.withLock {
                    try output.withUnsafeMutableBytes { out -> Int in
                        try counterBlock.withUnsafeBytes { try context.begin(iv: $0) }
                        let written = try context.update(inputBytes, into: out)
                        guard let tail = context.finish(into: UnsafeMutableRawBufferPointer(rebasing: out[written...])) else {
                            throw CryptoError.openSSL(operation: "EVP_CipherFinal_ex(\(parameters.name))", reason: "refused")
                        }
                        return written + tail
                    }
                }
                output.removeLast(output.count - count)
                return output
            }
        }
    }
}
