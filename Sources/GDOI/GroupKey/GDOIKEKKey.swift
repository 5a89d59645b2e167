import GDOIWire
import GroupKeyCrypto
import GroupState
import LKH

/// The GDOI KEK as a member uses it: the Rekey SA's cookie pair, KEK_ALGORITHM in CBC mode and the
/// key with its explicit IV (KEK_ALGORITHM_KEY = IV | key, RFC 6407 §5.6.2.1; every GROUPKEY-PUSH is
/// encrypted with that IV, WIRE-REFERENCE §18 item 21).
public struct GDOIKEKKey: Sendable, Equatable {
    /// The Rekey SA SPI: Initiator Cookie | Responder Cookie of every GROUPKEY-PUSH (RFC 6407 §5.3).
    public let spi: [UInt8]
    public let algorithm: CBCCipher.Algorithm
    public let key: SecretBytes
    public let iv: [UInt8]

    public init(spi: [UInt8], algorithm: CBCCipher.Algorithm, key: SecretBytes, iv: [UInt8]) {
        self.spi = spi
        self.algorithm = algorithm
        self.key = key
        self.iv = iv
    }

    /// KEK_ALGORITHM_KEY and LKH Key Data: the explicit IV, then the key (RFC 6407 §5.6.2.1, §5.6.3.1).
    public var keyData: SecretBytes { SecretBytes(iv) + key }

    /// Splits IV | key as received.
    public static func fromKeyData(_ data: SecretBytes, spi: [UInt8], algorithm: CBCCipher.Algorithm) throws -> GDOIKEKKey {
        let ivLength = algorithm.parameters.ivLength, keyLength = algorithm.parameters.keyLength
        guard data.count == ivLength + keyLength else {
            throw GroupKeyError.unacceptablePolicy("KEK key data of \(data.count) octets; \(algorithm.parameters.name) needs IV \(ivLength) + key \(keyLength)")
        }
        return GDOIKEKKey(spi: spi, algorithm: algorithm, key: data.slice(ivLength..<data.count),
                          iv: data.slice(0..<ivLength).unsafeCopyBytes())
    }

    /// The IV the key server attaches to a KEK or LKH key. GroupState keeps keys without IVs, so the
    /// IV is derived from the key it goes with: the first block of HMAC-SHA-256(key, "groupkey GDOI
    /// KEK IV"). It travels with the key, so members never derive it; it only has to be stable, so
    /// every push and every download of one key carry the same IV (WIRE-REFERENCE §18 item 21).
    public static func derivedIV(for key: SecretBytes, blockSize: Int) throws -> [UInt8] {
        Array(try HMAC(.sha256).authenticationCode(key: key, parts: [Array("groupkey GDOI KEK IV".utf8)]).prefix(blockSize))
    }

    /// The group KEK GDOI members hold: with a key tree, the tree's root (RFC 6407 §3.3: "the GM
    /// takes the last key in the [LKH] array as the group KEK", so an eviction rekey can replace
    /// it through LKH_UPDATE_ARRAYs alone); without one, the Rekey SA's encryption key GSK_e.
    public static func current(rekey: RekeySA, root: LKHNodeKey?) throws -> GDOIKEKKey {
        let algorithm = try cipher(of: rekey)
        let key = root?.key ?? rekey.keyMaterial.slice(0..<rekey.encryptionKeyLength)
        guard key.count == algorithm.parameters.keyLength else {
            throw GroupKeyError.cannotBuild("KEK key of \(key.count) octets for \(algorithm.parameters.name)")
        }
        return GDOIKEKKey(spi: rekey.spi, algorithm: algorithm, key: key,
                          iv: try derivedIV(for: key, blockSize: algorithm.parameters.blockSize))
    }

    /// KEK_ALGORITHM is DES, 3DES or AES, all CBC (RFC 6407 §5.3.2); groupkey sends AES only.
    static func cipher(of rekey: RekeySA) throws -> CBCCipher.Algorithm {
        guard rekey.policy.encryption == .aesCBC else {
            throw GroupKeyError.cannotBuild("GDOI KEK_ALGORITHM needs AES-CBC, the rekey policy has \(rekey.policy.encryption.rawValue)")
        }
        return try CBCCipher.Algorithm(aesKeyLength: rekey.encryptionKeyLength)
    }

    /// An LKH node key as LKH Key Data: derived IV | key.
    static func nodeKeyData(_ node: LKHNodeKey, blockSize: Int) throws -> SecretBytes {
        SecretBytes(try derivedIV(for: node.key, blockSize: blockSize)) + node.key
    }
}
