import COpenSSL
import GroupKeyTypes

/// A key exchange method (IKEv2 Transform Type 4; also the IKEv1 Group Description) with the
/// lengths its KE payload and shared secret have on the wire.
public struct KeyExchangeMethod: Sendable, Equatable, CustomStringConvertible {
    /// How the group computes; each family has its own encodings and checks.
    enum Family: Equatable {
        /// Finite-field Diffie-Hellman over a safe prime, generator 2.
        case modp(prime: [UInt8])
        /// ECDH over a NIST prime curve (RFC 5903).
        case ecp(openSSLGroup: String, curveNID: Int32, fieldLength: Int)
        /// X25519 or X448 (RFC 7748, RFC 8031).
        case montgomery(keyType: Int32, openSSLName: String, length: Int)
    }

    public let id: KeyExchangeMethodID
    let family: Family

    /// Group 1 (768-bit MODP) is refused: RFC 8247 §2.4 says MUST NOT.
    public init(_ id: KeyExchangeMethodID) throws {
        self.id = id
        switch id {
        case .modp768:
            throw CryptoError.forbiddenAlgorithm("768-bit MODP group 1 (RFC 8247 §2.4)")
        case .modp1024, .modp1536, .modp2048, .modp3072, .modp4096, .modp6144, .modp8192:
            guard let prime = ModularExponentialGroups.prime(for: id) else {
                throw CryptoError.unsupportedAlgorithm("key exchange method \(id.rawValue)")
            }
            family = .modp(prime: prime)
        case .ecp256: family = .ecp(openSSLGroup: "P-256", curveNID: NID_X9_62_prime256v1, fieldLength: 32)
        case .ecp384: family = .ecp(openSSLGroup: "P-384", curveNID: NID_secp384r1, fieldLength: 48)
        case .ecp521: family = .ecp(openSSLGroup: "P-521", curveNID: NID_secp521r1, fieldLength: 66)
        case .curve25519: family = .montgomery(keyType: EVP_PKEY_X25519, openSSLName: "X25519", length: 32)
        case .curve448: family = .montgomery(keyType: EVP_PKEY_X448, openSSLName: "X448", length: 56)
        }
    }

    /// Length of the KE payload's Key Exchange Data: the prime's length for MODP (RFC 7296 §3.4),
    /// x | y for ECP (RFC 5903 §7), the u-coordinate for X25519/X448 (RFC 8031 §3.1).
    public var publicValueLength: Int {
        switch family {
        case .modp(let prime): return prime.count
        case .ecp(_, _, let fieldLength): return 2 * fieldLength
        case .montgomery(_, _, let length): return length
        }
    }

    /// Length of g^ir: the prime's length for MODP (RFC 7296 §2.14 pads it), the x-coordinate for
    /// ECP (RFC 5903 §7), the raw output for X25519/X448 (RFC 8031 §2).
    public var sharedSecretLength: Int {
        switch family {
        case .modp(let prime): return prime.count
        case .ecp(_, _, let fieldLength): return fieldLength
        case .montgomery(_, _, let length): return length
        }
    }

    /// Groups kept only for legacy peers: 1024- and 1536-bit MODP (RFC 8247 §2.4: group 2 SHOULD
    /// NOT, group 5 SHOULD NOT).
    public var isLegacy: Bool {
        switch id {
        case .modp1024, .modp1536: return true
        case .modp768, .modp2048, .modp3072, .modp4096, .modp6144, .modp8192,
             .ecp256, .ecp384, .ecp521, .curve25519, .curve448:
            return false
        }
    }

    public var description: String { "KE \(id.rawValue) (\(id))" }

    /// A fresh key pair from OpenSSL's CSPRNG.
    public func generate() throws -> KeyExchangePrivateKey {
        try KeyExchangePrivateKey(method: self, key: KeyExchangeKeys.generate(self))
    }

    /// A key pair from a given private value, for known-answer tests: the exponent (MODP) or
    /// scalar (ECP) big-endian, the raw scalar for X25519/X448.
    public func importPrivateKey(_ privateValue: some ContiguousBytes) throws -> KeyExchangePrivateKey {
        try KeyExchangePrivateKey(method: self, key: KeyExchangeKeys.importPrivate(self, privateValue))
    }
}
