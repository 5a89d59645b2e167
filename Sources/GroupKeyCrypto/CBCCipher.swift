import COpenSSL

/// AES-CBC (RFC 3602; IKEv2 ENCR_AES_CBC, ESP_AES, IKEv1/GDOI AES-CBC) and 3DES-CBC (RFC 2451;
/// legacy GDOI/IKEv1 members only). The cipher adds no padding: IKE (RFC 7296 §3.14,
/// RFC 2409 App. B) and ESP (RFC 4303 §2.4) pad to the block size themselves, so input must be a
/// whole number of blocks. Keyed once; `encrypt`/`decrypt` take a fresh IV per message.
public final class CBCCipher: MessageCipher, @unchecked Sendable {
    public enum Algorithm: Sendable, Hashable, CaseIterable {
        case aes128, aes192, aes256
        /// Three-key triple DES, EDE (RFC 2451). Legacy: GDOI/IKEv1 peers only.
        case tripleDES

        public var parameters: SymmetricParameters {
            switch self {
            case .aes128: return Self.aes(16)
            case .aes192: return Self.aes(24)
            case .aes256: return Self.aes(32)
            case .tripleDES:
                // RFC 2451 §2.2-2.4: 192-bit key (three DES keys), 64-bit block and IV.
                return SymmetricParameters(name: "3DES-CBC", keyLength: 24, ivLength: 8, blockSize: 8,
                                           icvLength: 0, isAEAD: false, isLegacy: true)
            }
        }

        /// The AES-CBC variant for a key length in octets.
        public init(aesKeyLength: Int) throws {
            switch aesKeyLength {
            case 16: self = .aes128
            case 24: self = .aes192
            case 32: self = .aes256
            default: throw CryptoError.invalidKeyLength(algorithm: "AES-CBC", expected: [16, 24, 32], actual: aesKeyLength)
            }
        }

        // RFC 3602 §2.1/§3: the IV is one 128-bit block; RFC 3602 §2.4: AES block 16 octets.
        private static func aes(_ keyLength: Int) -> SymmetricParameters {
            SymmetricParameters(name: "AES-CBC-\(keyLength * 8)", keyLength: keyLength, ivLength: 16, blockSize: 16,
                                icvLength: 0, isAEAD: false, isLegacy: false)
        }

        fileprivate var evpCipher: OpaquePointer {
            switch self {
            case .aes128: return EVP_aes_128_cbc()
            case .aes192: return EVP_aes_192_cbc()
            case .aes256: return EVP_aes_256_cbc()
            case .tripleDES: return EVP_des_ede3_cbc()
            }
        }
    }

    public let algorithm: Algorithm
    public var parameters: SymmetricParameters { algorithm.parameters }
    public var isLegacy: Bool { algorithm.parameters.isLegacy }

    private let lock = ContextLock()
    /// CBC decryption uses the inverse key schedule, so each direction has its own context.
    private let contexts: LazyCipherContexts

    /// Keys the cipher. Throws `invalidKeyLength` for a key of the wrong size and
    /// `forbiddenAlgorithm` for a 3DES key whose thirds repeat (K1 = K2 or K2 = K3 collapses
    /// EDE to single DES, which is forbidden).
    public init(_ algorithm: Algorithm, key: SecretBytes) throws {
        let parameters = algorithm.parameters
        guard key.count == parameters.keyLength else {
            throw CryptoError.invalidKeyLength(algorithm: parameters.name, expected: [parameters.keyLength], actual: key.count)
        }
        if algorithm == .tripleDES {
            let degenerate = key.withUnsafeBytes { k in
                ConstantTime.equal(UnsafeRawBufferPointer(rebasing: k[0..<8]), UnsafeRawBufferPointer(rebasing: k[8..<16]))
                    || ConstantTime.equal(UnsafeRawBufferPointer(rebasing: k[8..<16]), UnsafeRawBufferPointer(rebasing: k[16..<24]))
            }
            if degenerate { throw CryptoError.forbiddenAlgorithm("3DES with repeated key thirds (single DES)") }
        }
        self.algorithm = algorithm
        contexts = try LazyCipherContexts(cipher: algorithm.evpCipher, key: key, name: parameters.name)
    }

    public func encrypt(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try requireNoAssociatedData(aad, parameters.name)
        return try run(encrypting: true, plaintext, iv: iv)
    }

    /// Decrypts. The result still contains the sender's padding; removing it is the caller's
    /// protocol's business.
    public func decrypt(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try requireNoAssociatedData(aad, parameters.name)
        return try run(encrypting: false, ciphertext, iv: iv)
    }

    /// Decrypts key material that GDOI carries CBC-encrypted (KEK and LKH key data, RFC 6407
    /// §5.6.2.1, §5.6.3.1; project reading 24) straight into wiped storage, so the recovered key
    /// never sits in an ordinary array.
    public func decryptKeyMaterial(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes) throws -> SecretBytes {
        let count = ciphertext.withUnsafeBytes { $0.count }
        return try withWipedScratch(count: count + parameters.blockSize) { scratch in
            let written = try run(encrypting: false, ciphertext, iv: iv, into: scratch)
            return SecretBytes(scratch[0..<written])
        }
    }

    private func run(encrypting: Bool, _ input: some ContiguousBytes, iv: some ContiguousBytes) throws -> [UInt8] {
        let count = input.withUnsafeBytes { $0.count }
        var output = [UInt8](repeating: 0, count: count + parameters.blockSize)
        let written = try output.withUnsafeMutableBytes { try run(encrypting: encrypting, input, iv: iv, into: $0) }
        output.removeLast(output.count - written)
        return output
    }

    /// One message into `output` (which holds at least input + one block); returns its length.
    private func run(encrypting: Bool, _ input: some ContiguousBytes, iv: some ContiguousBytes,
                     into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let parameters = self.parameters
        return try input.withUnsafeBytes { inputBytes in
            try iv.withUnsafeBytes { ivBytes in
                guard ivBytes.count == parameters.ivLength else {
                    throw CryptoError.invalidNonceLength(expected: parameters.ivLength, actual: ivBytes.count)
                }
                guard inputBytes.count % parameters.blockSize == 0 else {
                    throw CryptoError.invalidInputLength(
                        "\(parameters.name) input of \(inputBytes.count) octets is not a multiple of the \(parameters.blockSize)-octet block")
                }
                precondition(output.count >= inputBytes.count + parameters.blockSize, "CBC output buffer too small")
                return try lock.withLock {
                    let context = try contexts.context(encrypting: encrypting)
                    try context.begin(iv: ivBytes)
                    let written = try context.update(inputBytes, into: output)
                    guard let tail = context.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[written...])) else {
                        throw CryptoError.openSSL(operation: "EVP_CipherFinal_ex(\(parameters.name))", reason: "refused")
                    }
                    return written + tail
                }
            }
        }
    }
}
