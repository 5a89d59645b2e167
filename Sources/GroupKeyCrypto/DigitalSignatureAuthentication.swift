/// The Authentication Data of an AUTH payload with Auth Method 14, Digital Signature
/// (RFC 7427 §3):
///
///     | ASN.1 Length (1 octet) | AlgorithmIdentifier (DER) | Signature Value |
///
/// The caller builds the octets to sign (RFC 7296 §2.15 for IKE_AUTH, RFC 9838 §2.4.1.1 for
/// GSA_REKEY); this type signs or verifies them and codes the payload body.
public struct DigitalSignatureAuthentication: Sendable, Equatable {
    /// Auth Method number for Digital Signature (RFC 7427 §7, IANA IKEv2 Authentication Method).
    public static let authenticationMethod: UInt8 = 14

    public let scheme: SignatureScheme
    /// The AlgorithmIdentifier octets as sent or received (a peer's accepted variant is kept).
    public let algorithmIdentifier: [UInt8]
    public let signature: [UInt8]

    /// With the AlgorithmIdentifier groupkey sends for `scheme`.
    public init(scheme: SignatureScheme, signature: [UInt8]) {
        self.scheme = scheme
        self.algorithmIdentifier = SignatureAlgorithmIdentifier.encode(scheme)
        self.signature = signature
    }

    /// Parses Authentication Data. Throws `malformedEncoding` when it is truncated or has no
    /// signature, `unsupportedAlgorithm` when the AlgorithmIdentifier names no supported scheme.
    public init(decoding data: some Collection<UInt8>) throws {
        let bytes = Array(data)
        guard let length = bytes.first.map(Int.init) else {
            throw CryptoError.malformedEncoding("RFC 7427 AUTH data is empty")
        }
        // The smallest AlgorithmIdentifier is a SEQUENCE holding an OID: at least 4 octets.
        guard length >= 4 else {
            throw CryptoError.malformedEncoding("RFC 7427 ASN.1 Length \(length) is too short for an AlgorithmIdentifier")
        }
        guard bytes.count > 1 + length else {
            throw CryptoError.malformedEncoding("RFC 7427 AUTH data truncated: \(bytes.count) octets, ASN.1 Length \(length) and no signature")
        }
        let identifier = Array(bytes[1...length])
        // The DER object must fill exactly the ASN.1 Length. (A long-form length is well formed
        // but matches no identifier we support; `scheme(for:)` reports that.)
        guard identifier[0] == 0x30, identifier[1] >= 0x80 || Int(identifier[1]) == length - 2 else {
            throw CryptoError.malformedEncoding("RFC 7427 AlgorithmIdentifier is not one DER SEQUENCE of the stated length")
        }
        self.scheme = try SignatureAlgorithmIdentifier.scheme(for: identifier)
        self.algorithmIdentifier = identifier
        self.signature = Array(bytes[(1 + length)...])
    }

    /// The Authentication Data octets.
    public var encoded: [UInt8] {
        [UInt8(algorithmIdentifier.count)] + algorithmIdentifier + signature
    }

    /// Signs `octets` with `key` under `scheme`.
    public static func sign(_ octets: some ContiguousBytes, with key: SigningKey, scheme: SignatureScheme) throws -> DigitalSignatureAuthentication {
        DigitalSignatureAuthentication(scheme: scheme, signature: try key.sign(octets, scheme: scheme))
    }

    /// Verifies the signature over `octets` with `key`, using the scheme the AlgorithmIdentifier
    /// names. Throws `signatureInvalid` if it does not verify.
    public func verify(_ octets: some ContiguousBytes, with key: VerifyingKey) throws {
        try key.verify(signature, for: octets, scheme: scheme)
    }
}
