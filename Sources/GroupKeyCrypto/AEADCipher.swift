import COpenSSL

/// Authenticated encryption: AES-GCM with an 8, 12 or 16-octet ICV (RFC 4106 for ESP, RFC 5282
/// for IKEv2) and ChaCha20-Poly1305 (RFC 8439; RFC 7634 for IKEv2 and ESP).
///
/// Two forms of keying:
/// - `init(_:keyingMaterial:)`, the IPsec form: keying material = cipher key | 4-octet salt
///   (RFC 4106 §8.1, RFC 5282 §7.1, RFC 7634 §2); each message carries an 8-octet IV and the
///   12-octet nonce is salt | IV (RFC 4106 §4, RFC 7634 §2).
/// - `init(_:rawKey:)`, the bare AEAD: no salt, and the per-message "IV" is the whole 12-octet
///   nonce, as in the GCM specification and RFC 8439 test vectors.
///
/// `seal` returns ciphertext | tag; `open` verifies the tag before any plaintext leaves.
public final class AEADCipher: MessageCipher, @unchecked Sendable {
    /// An AEAD algorithm and its ICV length.
    public struct Algorithm: Sendable, Hashable, CustomStringConvertible {
        public enum Family: Sendable, Hashable { case aesGCM, chacha20Poly1305 }

        public let family: Family
        /// Cipher key octets, without salt.
        public let keyLength: Int
        /// Tag octets appended to each message.
        public let icvLength: Int

        /// AES-GCM with a 16, 24 or 32-octet key and an 8, 12 or 16-octet ICV (RFC 4106 §6:
        /// ENCR_AES_GCM_8/12/16).
        public static func aesGCM(keyLength: Int, icvLength: Int) throws -> Algorithm {
            guard [16, 24, 32].contains(keyLength) else {
                throw CryptoError.invalidKeyLength(algorithm: "AES-GCM", expected: [16, 24, 32], actual: keyLength)
            }
            guard [8, 12, 16].contains(icvLength) else {
                throw CryptoError.unsupportedAlgorithm("AES-GCM with a \(icvLength)-octet ICV (RFC 4106 §6 allows 8, 12, 16)")
            }
            return Algorithm(family: .aesGCM, keyLength: keyLength, icvLength: icvLength)
        }

        /// ChaCha20-Poly1305: 256-bit key, 16-octet tag (RFC 8439 §2.8, RFC 7634 §2).
        public static let chacha20Poly1305 = Algorithm(family: .chacha20Poly1305, keyLength: 32, icvLength: 16)

        private init(family: Family, keyLength: Int, icvLength: Int) {
            self.family = family
            self.keyLength = keyLength
            self.icvLength = icvLength
        }

        public var description: String {
            switch family {
            case .aesGCM: return "AES-GCM-\(icvLength)-\(keyLength * 8)"
            case .chacha20Poly1305: return "CHACHA20-POLY1305"
            }
        }

        /// Parameters of the IPsec form (key | 4-octet salt, 8-octet IV).
        public var parameters: SymmetricParameters {
            SymmetricParameters(name: description, keyLength: keyLength + AEADCipher.saltLength,
                                saltLength: AEADCipher.saltLength, ivLength: AEADCipher.ivLength, blockSize: 1,
                                icvLength: icvLength, isAEAD: true, isLegacy: false)
        }

        /// Parameters of the raw form (key only, 12-octet nonce as the IV).
        public var rawParameters: SymmetricParameters {
            SymmetricParameters(name: description, keyLength: keyLength, saltLength: 0, ivLength: AEADCipher.nonceLength,
                                blockSize: 1, icvLength: icvLength, isAEAD: true, isLegacy: false)
        }

        fileprivate var evpCipher: OpaquePointer {
            switch (family, keyLength) {
            case (.aesGCM, 16): return EVP_aes_128_gcm()
            case (.aesGCM, 24): return EVP_aes_192_gcm()
            case (.aesGCM, _): return EVP_aes_256_gcm()
            case (.chacha20Poly1305, _): return EVP_chacha20_poly1305()
            }
        }
    }

    /// RFC 4106 §4 / RFC 7634 §2: the salt is 4 octets of keying material.
    public static let saltLength = 4
    /// RFC 4106 §3.1 / RFC 7634 §2: the per-message IV is 8 octets.
    public static let ivLength = 8
    /// The AEAD nonce is 12 octets (RFC 4106 §4, RFC 8439 §2.8).
    public static let nonceLength = 12

    public let algorithm: Algorithm
    public let parameters: SymmetricParameters
    /// RFC 4106 §4: the salt "SHOULD be unpredictable ... but need not be secret"; it never
    /// leaves this object (it is not sent), but is kept as plain octets to build nonces.
    private let salt: [UInt8]
    private let lock = ContextLock()
    private let contexts: LazyCipherContexts

    /// IPsec form: `keyingMaterial` = key | 4-octet salt.
    public convenience init(_ algorithm: Algorithm, keyingMaterial: SecretBytes) throws {
        try self.init(algorithm, material: keyingMaterial, saltLength: Self.saltLength)
    }

    /// Raw form: `rawKey` is the bare cipher key; each message's IV is the full 12-octet nonce.
    public convenience init(_ algorithm: Algorithm, rawKey: SecretBytes) throws {
        try self.init(algorithm, material: rawKey, saltLength: 0)
    }

    private init(_ algorithm: Algorithm, material: SecretBytes, saltLength: Int) throws {
        let parameters = saltLength == 0 ? algorithm.rawParameters : algorithm.parameters
        guard material.count == parameters.keyLength else {
            throw CryptoError.invalidKeyLength(algorithm: saltLength == 0 ? parameters.name : "\(parameters.name) (key | 4-octet salt)",
                                               expected: [parameters.keyLength], actual: material.count)
        }
        self.algorithm = algorithm
        self.parameters = parameters
        salt = material.withUnsafeBytes { Array($0[algorithm.keyLength...]) }
        let key = material.slice(0..<algorithm.keyLength)
        let name = parameters.name
        contexts = try LazyCipherContexts(cipher: algorithm.evpCipher, key: key, name: name)
    }

    /// Encrypts and authenticates: returns ciphertext | ICV.
    public func seal(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        let icvLength = algorithm.icvLength
        return try plaintext.withUnsafeBytes { input in
            try aad.withUnsafeBytes { associated in
                try withNonce(iv) { nonce in
                    // Uninitialised output: every octet returned is written by OpenSSL first,
                    // and zero-filling a packet-sized buffer per message shows in the ESP rate.
                    try [UInt8](unsafeUninitializedCapacity: input.count + 16 + icvLength) { out, initialized in
                        let raw = UnsafeMutableRawBufferPointer(out)
                        initialized = try lock.withLock {
                            let sealer = try contexts.context(encrypting: true)
                            try sealer.begin(iv: nonce)
                            try sealer.associate(associated)
                            var written = try sealer.update(input, into: raw)
                            guard let tail = sealer.finish(into: UnsafeMutableRawBufferPointer(rebasing: raw[written...])) else {
                                throw CryptoError.openSSL(operation: "EVP_CipherFinal_ex(\(parameters.name))", reason: "refused")
                            }
                            written += tail
                            try sealer.readTag(into: UnsafeMutableRawBufferPointer(rebasing: raw[written..<(written + icvLength)]))
                            return written + icvLength
                        }
                    }
                }
            }
        }
    }

    /// Verifies and decrypts ciphertext | ICV. Throws `authenticationFailed` (and releases no
    /// plaintext) if the ICV does not verify or the input is shorter than an ICV.
    public func open(_ sealed: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        let icvLength = algorithm.icvLength
        return try sealed.withUnsafeBytes { input in
            try aad.withUnsafeBytes { associated in
                guard input.count >= icvLength else { throw CryptoError.authenticationFailed }
                let ciphertext = UnsafeRawBufferPointer(rebasing: input[0..<(input.count - icvLength)])
                let tag = UnsafeRawBufferPointer(rebasing: input[(input.count - icvLength)...])
                // Plaintext is produced before the tag is checked, so it stays in wiped scratch
                // space until the check passes.
                return try withWipedScratch(count: ciphertext.count + 16) { scratch in
                    let count = try withNonce(iv) { nonce in try lock.withLock { () -> Int? in
                        let opener = try contexts.context(encrypting: false)
                        try opener.begin(iv: nonce)
                        try opener.expectTag(tag)
                        try opener.associate(associated)
                        let written = try opener.update(ciphertext, into: scratch)
                        guard let tail = opener.finish(into: UnsafeMutableRawBufferPointer(rebasing: scratch[written...])) else {
                            return nil
                        }
                        return written + tail
                    } }
                    guard let count else { throw CryptoError.authenticationFailed }
                    return Array(scratch[0..<count])
                }
            }
        }
    }

    public func encrypt(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try seal(plaintext, iv: iv, aad: aad)
    }

    public func decrypt(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8] {
        try open(ciphertext, iv: iv, aad: aad)
    }

    /// salt | IV (RFC 4106 §4, RFC 7634 §2), or the IV alone in the raw form.
    /// salt | IV (RFC 4106 §4, RFC 7634 §2), built on the stack for the one call.
    private func withNonce<R>(_ iv: some ContiguousBytes, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try iv.withUnsafeBytes { ivBytes in
            guard ivBytes.count == parameters.ivLength else {
                throw CryptoError.invalidNonceLength(expected: parameters.ivLength, actual: ivBytes.count)
            }
            return try withUnsafeTemporaryAllocation(byteCount: salt.count + ivBytes.count, alignment: 1) { nonce in
                salt.withUnsafeBytes { nonce.copyMemory(from: $0) }
                UnsafeMutableRawBufferPointer(rebasing: nonce[salt.count...]).copyMemory(from: ivBytes)
                return try body(UnsafeRawBufferPointer(nonce))
            }
        }
    }
}
