import GroupKeyCrypto
import GroupKeyTypes
import GroupPolicy

/// Key lengths of policy algorithms, asked of the crypto registry through the IKEv2 numbers the
/// shared catalog gives (the same primitive whichever protocol carries it).
enum KeyLengths {
    /// Octets of encryption keying material including salt/nonce (RFC 4106 §8.1, RFC 3686 §5.1).
    static func encryption(_ algorithm: GroupPolicy.EncryptionAlgorithm, keyBits: Int?) throws(GroupStateError) -> Int {
        guard let id = AlgorithmCatalog.entry(algorithm).ikev2 else {
            throw .unsupportedAlgorithm("\(algorithm.rawValue) has no IKEv2 transform")
        }
        do {
            return try AlgorithmRegistry.encryption(ikev2: id, keyLength: keyBits.map { UInt16($0) }).parameters.keyLength
        } catch {
            throw .unsupportedAlgorithm("\(algorithm.rawValue): \(error)")
        }
    }

    /// Octets of the cipher key proper, without salt: what a key-wrap key should not be smaller
    /// than (RFC 9838 §3.1).
    static func cipherKey(_ algorithm: GroupPolicy.EncryptionAlgorithm, keyBits: Int?) throws(GroupStateError) -> Int {
        guard let id = AlgorithmCatalog.entry(algorithm).ikev2 else {
            throw .unsupportedAlgorithm("\(algorithm.rawValue) has no IKEv2 transform")
        }
        do {
            return try AlgorithmRegistry.encryption(ikev2: id, keyLength: keyBits.map { UInt16($0) }).parameters.cipherKeyLength
        } catch {
            throw .unsupportedAlgorithm("\(algorithm.rawValue): \(error)")
        }
    }

    static func integrity(_ algorithm: GroupPolicy.IntegrityAlgorithm?) throws(GroupStateError) -> Int {
        guard let algorithm else { return 0 }
        guard let id = AlgorithmCatalog.entry(algorithm).ikev2 else {
            throw .unsupportedAlgorithm("\(algorithm.rawValue) has no IKEv2 transform")
        }
        do {
            return try AlgorithmRegistry.integrity(ikev2: id)?.keyLength ?? 0
        } catch {
            throw .unsupportedAlgorithm("\(algorithm.rawValue): \(error)")
        }
    }

    static func keyWrap(_ algorithm: KeyWrapAlgorithm) throws(GroupStateError) -> Int {
        do {
            return try AlgorithmRegistry.keyWrap(AlgorithmCatalog.entry(algorithm).id).kekLength
        } catch {
            throw .unsupportedAlgorithm("\(algorithm.rawValue): \(error)")
        }
    }

    /// RFC 7427 scheme of a policy signature algorithm.
    static func signatureScheme(_ algorithm: SignatureAlgorithm) throws(GroupStateError) -> SignatureScheme {
        switch algorithm {
        case .rsaPKCS1MD5: throw .unsupportedAlgorithm("rsa-pkcs1-md5 signatures are forgeable")
        case .rsaPKCS1SHA1: return .rsaPKCS1v15(.sha1)
        case .rsaPKCS1SHA256: return .rsaPKCS1v15(.sha256)
        case .rsaPKCS1SHA384: return .rsaPKCS1v15(.sha384)
        case .rsaPKCS1SHA512: return .rsaPKCS1v15(.sha512)
        case .rsaPSSSHA256: return .rsaPSS(.sha256)
        case .ecdsaP256SHA256: return .ecdsa(.sha256)
        case .ecdsaP384SHA384: return .ecdsa(.sha384)
        case .ecdsaP521SHA512: return .ecdsa(.sha512)
        case .ed25519: return .ed25519
        }
    }
}
