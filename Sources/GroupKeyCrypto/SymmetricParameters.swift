/// What IKEv2's SK payload (RFC 7296 §3.14), the GDOI/IKEv1 encryption code and the ESP codec
/// need to know about a symmetric primitive without caring which one it is: how many octets of
/// keying material to take from KEYMAT, how long an IV to put on the wire, what to pad to, and how
/// long an ICV follows.
public struct SymmetricParameters: Sendable, Hashable, CustomStringConvertible {
    /// Name for logs and diagnostics (IANA-style, e.g. "AES-GCM-16-256").
    public let name: String
    /// Octets of keying material the primitive takes, including any salt or nonce that is keyed
    /// with it (RFC 4106 §8.1, RFC 3686 §5.1, RFC 7634 §2): the length to cut from KEYMAT.
    public let keyLength: Int
    /// The part of `keyLength` that is a salt/nonce rather than cipher key (0 if none).
    public let saltLength: Int
    /// Octets of IV carried in each message (0 for integrity and key wrap).
    public let ivLength: Int
    /// The unit the plaintext must be a multiple of: the cipher block for CBC; 1 for counter
    /// modes and AEADs, which pad nothing themselves (ESP's own 4-octet alignment, RFC 4303
    /// §2.4, is the ESP codec's job). For AES key wrap, the 8-octet semiblock.
    public let blockSize: Int
    /// Octets of integrity check value / tag appended to each message (AEAD tag, truncated HMAC,
    /// or the 8-octet integrity block key wrap adds). 0 for a cipher with no integrity of its own.
    public let icvLength: Int
    /// Whether the primitive authenticates the data itself (then no INTEG transform is used,
    /// RFC 5282 §8).
    public let isAEAD: Bool
    /// Whether only legacy (GDOI/IKEv1) peers may use it (3DES, HMAC-MD5-96).
    public let isLegacy: Bool

    public init(name: String, keyLength: Int, saltLength: Int = 0, ivLength: Int, blockSize: Int,
                icvLength: Int, isAEAD: Bool, isLegacy: Bool) {
        self.name = name
        self.keyLength = keyLength
        self.saltLength = saltLength
        self.ivLength = ivLength
        self.blockSize = blockSize
        self.icvLength = icvLength
        self.isAEAD = isAEAD
        self.isLegacy = isLegacy
    }

    /// The cipher key proper, without the salt.
    public var cipherKeyLength: Int { keyLength - saltLength }

    public var description: String { name }
}

/// Anything keyed that can describe itself with `SymmetricParameters`.
public protocol SymmetricPrimitive: AnyObject, Sendable {
    var parameters: SymmetricParameters { get }
}

/// An encryption transform as the SK payload and ESP use it: per message an IV and, for AEADs,
/// associated data. AEAD output is ciphertext | tag; other ciphers output ciphertext only and
/// leave the ICV to an `IntegrityTransform` (encrypt-then-MAC, RFC 7296 §3.14).
public protocol MessageCipher: SymmetricPrimitive {
    /// Encrypts one message. `aad` must be empty for a cipher that is not an AEAD, so associated
    /// data is never silently left unauthenticated.
    func encrypt(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8]
    /// Decrypts one message; an AEAD throws `authenticationFailed` and releases nothing if the
    /// tag does not verify.
    func decrypt(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes, aad: some ContiguousBytes) throws -> [UInt8]
}

extension MessageCipher {
    /// Encrypts with no associated data.
    public func encrypt(_ plaintext: some ContiguousBytes, iv: some ContiguousBytes) throws -> [UInt8] {
        try encrypt(plaintext, iv: iv, aad: [UInt8]())
    }

    /// Decrypts with no associated data.
    public func decrypt(_ ciphertext: some ContiguousBytes, iv: some ContiguousBytes) throws -> [UInt8] {
        try decrypt(ciphertext, iv: iv, aad: [UInt8]())
    }
}

/// Refuses associated data for a cipher that cannot authenticate it.
func requireNoAssociatedData(_ aad: some ContiguousBytes, _ name: String) throws {
    let count = aad.withUnsafeBytes { $0.count }
    guard count == 0 else {
        throw CryptoError.invalidInputLength("\(name) is not an AEAD: associated data must be authenticated by the integrity transform")
    }
}
