/// The DER AlgorithmIdentifier (RFC 5280 §4.1.1.2) that names a `SignatureScheme` in RFC 7427
/// AUTH data and in G-IKEv2's Signature Algorithm Identifier attribute (RFC 9838 §4.4.2.1.1).
///
/// We send one encoding per scheme: the bytes of RFC 7427 Appendix A where it lists the scheme,
/// and the same shape for the rest. On input we also take the other encodings a peer may
/// legitimately send for RSASSA-PSS: without the DEFAULT trailerField (strict DER, X.690 §11.5,
/// which OpenSSL and Python `cryptography` write) and with absent instead of NULL hash parameters
/// (RFC 4055 §2.1: implementations MUST accept both).
public enum SignatureAlgorithmIdentifier {
    /// The AlgorithmIdentifier groupkey sends for `scheme`.
    public static func encode(_ scheme: SignatureScheme) -> [UInt8] {
        switch scheme {
        case .rsaPKCS1v15(let digest):
            // RFC 7427 A.1.1-A.1.4: sha*WithRSAEncryption, parameters NULL.
            return sequence(oid(pkcs1(rsaSignatureArc(digest))) + null)
        case .rsaPSS(let digest):
            // RFC 7427 A.4.3 (SHA-256) and the same shape for SHA-384/512 (RFC 4055 §3.1).
            return pss(digest, hashParametersNull: true, explicitTrailer: true)
        case .ecdsa(let digest):
            // RFC 7427 A.3.2-A.3.4: ecdsa-with-SHA*, parameters absent.
            return sequence(oid(ecdsaWithSHA2Prefix + [ecdsaArc(digest)]))
        case .ed25519:
            // RFC 8410 §3: id-Ed25519 (1.3.101.112), parameters absent.
            return sequence(oid([0x2b, 0x65, 0x70]))
        }
    }

    /// The scheme an AlgorithmIdentifier names. Throws `unsupportedAlgorithm` for any other
    /// (including RSASSA-PSS with SHA-1 or a salt length other than the hash length).
    public static func scheme(for der: [UInt8]) throws -> SignatureScheme {
        if let scheme = acceptedEncodings[der] { return scheme }
        throw CryptoError.unsupportedAlgorithm("signature AlgorithmIdentifier \(hexString(der.prefix(64)))")
    }

    /// Every encoding accepted on input, keyed by its octets.
    private static let acceptedEncodings: [[UInt8]: SignatureScheme] = {
        var table: [[UInt8]: SignatureScheme] = [:]
        for scheme in SignatureScheme.supported {
            table[encode(scheme)] = scheme
            if case .rsaPSS(let digest) = scheme {
                for null in [true, false] {
                    for trailer in [true, false] {
                        table[pss(digest, hashParametersNull: null, explicitTrailer: trailer)] = scheme
                    }
                }
            }
        }
        return table
    }()

    // MARK: - DER pieces (every length here is below 128, so lengths take one octet)

    private static let null: [UInt8] = [0x05, 0x00]

    private static func tlv(_ tag: UInt8, _ contents: [UInt8]) -> [UInt8] {
        precondition(contents.count < 128, "short-form DER length only")
        return [tag, UInt8(contents.count)] + contents
    }

    private static func sequence(_ contents: [UInt8]) -> [UInt8] { tlv(0x30, contents) }
    private static func oid(_ body: [UInt8]) -> [UInt8] { tlv(0x06, body) }
    private static func explicit(_ number: UInt8, _ contents: [UInt8]) -> [UInt8] { tlv(0xa0 | number, contents) }

    /// 1.2.840.113549.1.1.<arc> (PKCS #1).
    private static func pkcs1(_ arc: UInt8) -> [UInt8] { [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, arc] }

    /// 1.2.840.10045.4.3 (ecdsa-with-SHA2).
    private static let ecdsaWithSHA2Prefix: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03]

    private static func rsaSignatureArc(_ digest: DigestAlgorithm) -> UInt8 {
        switch digest {
        case .sha1: return 5
        case .sha256: return 11
        case .sha384: return 12
        case .sha512: return 13
        case .md5: return 4
        }
    }

    private static func ecdsaArc(_ digest: DigestAlgorithm) -> UInt8 {
        switch digest {
        case .sha256: return 2
        case .sha384: return 3
        case .sha512: return 4
        case .md5, .sha1: return 0  // not in `supported`; never encoded
        }
    }

    /// AlgorithmIdentifier of a hash: 2.16.840.1.101.3.4.2.<n> (SHA-2) or 1.3.14.3.2.26 (SHA-1).
    private static func hashIdentifier(_ digest: DigestAlgorithm, parametersNull: Bool) -> [UInt8] {
        let body: [UInt8]
        switch digest {
        case .sha256: body = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        case .sha384: body = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]
        case .sha512: body = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]
        case .sha1, .md5: body = [0x2b, 0x0e, 0x03, 0x02, 0x1a]
        }
        return sequence(oid(body) + (parametersNull ? null : []))
    }

    /// id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 §3.1): hashAlgorithm [0], maskGenAlgorithm
    /// [1] = id-mgf1 (1.2.840.113549.1.1.8) with the same hash, saltLength [2] = hash length,
    /// trailerField [3] = 1 when written out.
    private static func pss(_ digest: DigestAlgorithm, hashParametersNull: Bool, explicitTrailer: Bool) -> [UInt8] {
        let hash = hashIdentifier(digest, parametersNull: hashParametersNull)
        var params = explicit(0, hash)
        params += explicit(1, sequence(oid(pkcs1(8)) + hash))
        params += explicit(2, [0x02, 0x01, UInt8(digest.outputLength)])
        if explicitTrailer { params += explicit(3, [0x02, 0x01, 0x01]) }
        return sequence(oid(pkcs1(10)) + sequence(params))
    }

    private static func hexString(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
