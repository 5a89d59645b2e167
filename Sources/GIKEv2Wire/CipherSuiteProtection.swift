import GroupKeyCrypto

/// SK/SKF protection over GroupKeyCrypto's keyed objects: the negotiated ENCR transform and,
/// for a cipher that is not an AEAD, the INTEG transform (encrypt-then-MAC, RFC 7296 §3.14).
/// One instance per direction: IKE SAs use SK_ei/SK_ai for the initiator's messages and
/// SK_er/SK_ar for the responder's; a Rekey SA uses GSK_e/GSK_a (RFC 9838 §3.4).
public struct CipherSuiteProtection: IKEv2PayloadProtection {
    private let cipher: any MessageCipher
    private let integrity: IntegrityTransform?

    public let ivLength: Int
    public let blockSize: Int
    public let icvLength: Int
    public let isAEAD: Bool

    /// - Parameters:
    ///   - encryption: the ENCR transform, from `AlgorithmRegistry`.
    ///   - encryptionKey: SK_e (with salt for AEAD/CTR) of this direction.
    ///   - integrity: the INTEG transform; must be nil exactly when `encryption` is an AEAD
    ///     (RFC 7296 §3.3: "AEAD ... MUST NOT" be combined with an integrity algorithm).
    ///   - integrityKey: SK_a of this direction.
    public init(encryption: EncryptionAlgorithm, encryptionKey: SecretBytes,
                integrity: IntegrityAlgorithm?, integrityKey: SecretBytes?) throws {
        let parameters = encryption.parameters
        cipher = try encryption.makeCipher(keyingMaterial: encryptionKey)
        switch (parameters.isAEAD, integrity, integrityKey) {
        case (true, nil, _):
            self.integrity = nil
            icvLength = parameters.icvLength
        case (false, let algorithm?, let key?):
            self.integrity = try IntegrityTransform(algorithm, key: key, allowLegacy: parameters.isLegacy)
            icvLength = algorithm.icvLength
        case (true, .some, _):
            throw CryptoError.unsupportedAlgorithm("an integrity transform with the AEAD \(parameters.name) (RFC 7296 §3.3)")
        case (false, _, _):
            throw CryptoError.unsupportedAlgorithm("\(parameters.name) without an integrity transform and key")
        }
        ivLength = parameters.ivLength
        blockSize = parameters.blockSize
        isAEAD = parameters.isAEAD
    }

    public func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        try cipher.encrypt(plaintext, iv: iv, aad: aad ?? [])
    }

    public func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        try cipher.decrypt(input, iv: iv, aad: aad ?? [])
    }

    public func computeICV(over data: [UInt8]) throws -> [UInt8] {
        guard let integrity else { throw CryptoError.unsupportedAlgorithm("a separate ICV with an AEAD cipher") }
        return try integrity.compute([data])
    }

    public func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws {
        guard let integrity else { throw CryptoError.unsupportedAlgorithm("a separate ICV with an AEAD cipher") }
        try integrity.verify(icv, over: [data])
    }
}
