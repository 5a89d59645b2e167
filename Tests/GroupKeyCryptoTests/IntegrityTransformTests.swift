import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct RFC4868VectorFile: Decodable {
    struct PRFCase: Decodable { let name, key, data, sha256, sha384, sha512: String }
    struct AuthCase: Decodable { let name, digest, key, data, prf, icv: String }
    let source: String
    let prf: [PRFCase]
    let auth: [AuthCase]
}

struct RFC2202VectorFile: Decodable {
    struct Case: Decodable { let name, digest, key, data, mac: String }
    let source: String
    let cases: [Case]
}

@Suite struct IntegrityTransformTests {
    static let rfc4868 = try? VectorLoader.load(RFC4868VectorFile.self, named: "rfc4868-hmac-sha2-ipsec.json", in: .module)
    static let rfc2202 = try? VectorLoader.load(RFC2202VectorFile.self, named: "rfc2202-hmac-md5-sha1.json", in: .module)

    private func integrity(forDigest name: String) -> IntegrityAlgorithm {
        switch name {
        case "SHA256": return .hmacSHA2_256_128
        case "SHA384": return .hmacSHA2_384_192
        case "MD5": return .hmacMD5_96
        case "SHA1": return .hmacSHA1_96
        default: return .hmacSHA2_512_256
        }
    }

    @Test func rfc4868TruncatedICVs() throws {
        let file = try #require(Self.rfc4868)
        #expect(file.auth.count == 12)
        for c in file.auth {
            let transform = try IntegrityTransform(integrity(forDigest: c.digest), key: secret(c.key))
            let data = Hex.decode(c.data), icv = Hex.decode(c.icv)
            #expect(try transform.compute([data]) == icv, "\(c.name)")
            var full = [UInt8](repeating: 0, count: transform.algorithm.digest.outputLength)
            try full.withUnsafeMutableBytes { try transform.fullMAC([data], into: $0) }
            #expect(full == Hex.decode(c.prf), "\(c.name) untruncated")
            try transform.verify(icv, over: [data])
            // Split input, and a second message on the same keyed template, give the same ICV.
            #expect(try transform.compute([Array(data.prefix(3)), Array(data.dropFirst(3))]) == icv)
            #expect(throws: CryptoError.authenticationFailed) { try transform.verify(flippingBit(5, of: icv), over: [data]) }
            #expect(throws: CryptoError.authenticationFailed) { try transform.verify(Array(icv.dropLast()), over: [data]) }
            #expect(throws: CryptoError.authenticationFailed) { try transform.verify(icv, over: [data + [0]]) }
        }
    }

    /// RFC 4868 §2.7.1: the same HMACs used as IKEv2 PRFs (untruncated, any key length).
    @Test func rfc4868PRFs() throws {
        let file = try #require(Self.rfc4868)
        #expect(file.prf.count == 6)
        for c in file.prf {
            let key = Hex.decode(c.key), data = Hex.decode(c.data)
            #expect(try PseudorandomFunction(digest: .sha256).authenticate(key: key, data) == Hex.decode(c.sha256), "\(c.name)")
            #expect(try PseudorandomFunction(digest: .sha384).authenticate(key: key, data) == Hex.decode(c.sha384), "\(c.name)")
            #expect(try PseudorandomFunction(digest: .sha512).authenticate(key: key, data) == Hex.decode(c.sha512), "\(c.name)")
        }
    }

    /// RFC 2202: cases whose key has the transform's length exercise HMAC-SHA1-96 / HMAC-MD5-96
    /// (truncated to the leftmost 96 bits, RFC 2404 §3 / RFC 2403 §3); the others check plain HMAC.
    @Test func rfc2202() throws {
        let file = try #require(Self.rfc2202)
        #expect(file.cases.count == 10)
        var truncatedChecks = 0
        for c in file.cases {
            let algorithm = integrity(forDigest: c.digest)
            let key = Hex.decode(c.key), data = Hex.decode(c.data), mac = Hex.decode(c.mac)
            #expect(try HMAC(algorithm.digest).authenticationCode(key: key, parts: [data]) == mac, "\(c.name)")
            if key.count == algorithm.keyLength {
                let transform = try IntegrityTransform(algorithm, key: SecretBytes(key), allowLegacy: true)
                #expect(try transform.compute([data]) == Array(mac.prefix(12)), "\(c.name)")
                truncatedChecks += 1
            }
        }
        #expect(truncatedChecks == 6)
    }

    @Test func md5OnlyWhenFlaggedLegacy() throws {
        #expect(cryptoErrorCode { _ = try IntegrityTransform(.hmacMD5_96, key: .zeros(count: 16)) } == "CRYPTO-FORBIDDEN")
        let legacy = try IntegrityTransform(.hmacMD5_96, key: .zeros(count: 16), allowLegacy: true)
        #expect(legacy.parameters.isLegacy && legacy.parameters.icvLength == 12)
        #expect(!IntegrityAlgorithm.hmacSHA1_96.isLegacy)
    }

    @Test func wrongKeyLengthsAreRefused() {
        let cases: [(IntegrityAlgorithm, Int)] = [(.hmacSHA1_96, 16), (.hmacSHA1_96, 32), (.hmacSHA2_256_128, 20),
                                                   (.hmacSHA2_384_192, 32), (.hmacSHA2_512_256, 48), (.hmacSHA2_512_256, 0)]
        for (algorithm, size) in cases {
            #expect(cryptoErrorCode { _ = try IntegrityTransform(algorithm, key: .zeros(count: size)) } == "CRYPTO-KEY-LENGTH", "\(algorithm) \(size)")
        }
    }

    @Test func parameters() {
        let expected: [(IntegrityAlgorithm, Int, Int)] = [(.hmacMD5_96, 16, 12), (.hmacSHA1_96, 20, 12), (.hmacSHA2_256_128, 32, 16),
                                                          (.hmacSHA2_384_192, 48, 24), (.hmacSHA2_512_256, 64, 32)]
        for (algorithm, key, icv) in expected {
            #expect(algorithm.parameters.keyLength == key && algorithm.parameters.icvLength == icv && algorithm.parameters.ivLength == 0)
        }
    }
}
