import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct SignatureVectorFile: Decodable {
    struct Key: Decodable { let `private`, `public`, privateFormat, privateDER, publicDER: String }
    struct Case: Decodable { let key, scheme: String; let deterministic: Bool; let signature: String }
    let source, message: String
    let keys: [String: Key]
    let cases: [Case]
}

/// The vector files' scheme names.
func scheme(named name: String) throws -> SignatureScheme {
    let digests: [String: DigestAlgorithm] = ["sha1": .sha1, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512]
    if name == "ed25519" { return .ed25519 }
    let hash = try #require(digests[String(name.split(separator: "-").last ?? "")], "\(name)")
    if name.hasPrefix("rsa-pkcs1-") { return .rsaPKCS1v15(hash) }
    if name.hasPrefix("rsa-pss-") { return .rsaPSS(hash) }
    if name.hasPrefix("ecdsa-") { return .ecdsa(hash) }
    Issue.record("unknown scheme \(name)")
    return .ed25519
}

@Suite struct SignatureTests {
    let file: SignatureVectorFile
    let message: [UInt8]

    init() throws {
        file = try VectorLoader.load(SignatureVectorFile.self, named: "sig-signatures.json", in: .module)
        message = Hex.decode(file.message)
    }

    func signingKey(_ name: String) throws -> SigningKey {
        let entry = try #require(file.keys[name])
        return try SigningKey(pem: VectorLoader.text(named: entry.private, in: .module))
    }

    func verifyingKey(_ name: String) throws -> VerifyingKey {
        let entry = try #require(file.keys[name])
        return try VerifyingKey(pem: VectorLoader.text(named: entry.public, in: .module))
    }

    @Test func pythonSignaturesVerify() throws {
        #expect(file.cases.count == 12)
        for c in file.cases {
            let key = try verifyingKey(c.key)
            let s = try scheme(named: c.scheme)
            let signature = Hex.decode(c.signature)
            #expect(throws: Never.self, "\(c.scheme) with \(c.key)") { try key.verify(signature, for: message, scheme: s) }
            // Tampered message and tampered signature both fail.
            var tampered = message
            tampered[0] ^= 0x01
            #expect(throws: CryptoError.signatureInvalid, "\(c.scheme) tampered message") { try key.verify(signature, for: tampered, scheme: s) }
            var badSignature = signature
            badSignature[badSignature.count - 1] ^= 0x80
            #expect(throws: CryptoError.signatureInvalid, "\(c.scheme) tampered signature") { try key.verify(badSignature, for: message, scheme: s) }
        }
    }

    @Test func deterministicSchemesMatchPythonByteForByte() throws {
        let deterministic = file.cases.filter(\.deterministic)
        #expect(deterministic.map(\.scheme) == ["rsa-pkcs1-sha1", "rsa-pkcs1-sha256", "rsa-pkcs1-sha384", "rsa-pkcs1-sha512", "ed25519"])
        for c in deterministic {
            let signature = try signingKey(c.key).sign(message, scheme: scheme(named: c.scheme))
            #expect(signature == Hex.decode(c.signature), "\(c.scheme)")
        }
    }

    @Test func randomizedSchemesSignAndVerify() throws {
        for c in file.cases where !c.deterministic {
            let s = try scheme(named: c.scheme)
            let key = try signingKey(c.key)
            let signature = try key.sign(message, scheme: s)
            #expect(signature.count <= key.maximumSignatureLength)
            let verifier = try key.verifyingKey
            #expect(throws: Never.self) { try verifier.verify(signature, for: message, scheme: s) }
            #expect(throws: Never.self) { try verifyingKey(c.key).verify(signature, for: message, scheme: s) }
            #expect(throws: CryptoError.signatureInvalid) { try verifier.verify(signature, for: message + [0], scheme: s) }
            // PSS salt length is part of the scheme: a PSS signature does not pass as PKCS#1 v1.5.
            if case .rsaPSS(let d) = s {
                #expect(throws: CryptoError.signatureInvalid) { try verifier.verify(signature, for: message, scheme: .rsaPKCS1v15(d)) }
            }
        }
    }

    @Test func derKeysLoadInBothForms() throws {
        for (name, entry) in file.keys {
            let fromDER = try SigningKey(pemOrDER: Hex.decode(entry.privateDER))
            let fromPEM = try signingKey(name)
            #expect(fromDER.kind == fromPEM.kind, "\(name)")
            #expect(try fromDER.verifyingKey.subjectPublicKeyInfo == Hex.decode(entry.publicDER), "\(name)")
            #expect(try VerifyingKey(subjectPublicKeyInfo: Hex.decode(entry.publicDER)).kind == fromPEM.kind)
        }
        #expect(try signingKey("rsa2048").kind == .rsa(bits: 2048))
        #expect(try signingKey("ecp256").kind == .ecdsa(curve: "P-256"))
        #expect(try signingKey("ecp384").kind == .ecdsa(curve: "P-384"))
        #expect(try signingKey("ecp521").kind == .ecdsa(curve: "P-521"))
        #expect(try signingKey("ed25519").kind == .ed25519)
        #expect(file.keys["rsa2048"]?.privateFormat == "traditional" && file.keys["ecp256"]?.privateFormat == "PKCS#8")
    }

    @Test func schemeMustFitTheKey() throws {
        let rsa = try signingKey("rsa2048")
        #expect(throws: CryptoError.self) { _ = try rsa.sign(message, scheme: .ecdsa(.sha256)) }
        #expect(throws: CryptoError.self) { _ = try rsa.sign(message, scheme: .ed25519) }
        #expect(throws: CryptoError.self) { try verifyingKey("ecp256").verify([0x30, 0x00], for: message, scheme: .rsaPSS(.sha256)) }
        #expect(throws: CryptoError.forbiddenAlgorithm("RSA with MD5")) { _ = try rsa.sign(message, scheme: .rsaPKCS1v15(.md5)) }
        // A garbage ECDSA signature (not DER) is a plain verification failure.
        #expect(throws: CryptoError.signatureInvalid) { try verifyingKey("ecp256").verify([1, 2, 3], for: message, scheme: .ecdsa(.sha256)) }
    }

    @Test func garbageKeysAreRefused() throws {
        let garbage: [[UInt8]] = [
            [], Array("not a key".utf8), [0x30, 0x03, 0x02, 0x01, 0x00],
            Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8),
            Array("-----BEGIN PUBLIC KEY-----\nZm9v!!\n-----END PUBLIC KEY-----\n".utf8),
        ]
        for bytes in garbage {
            #expect(throws: CryptoError.self) { _ = try SigningKey(pemOrDER: bytes) }
            #expect(throws: CryptoError.self) { _ = try VerifyingKey(pemOrDER: bytes) }
        }
        // An X25519 key is a key, but not one that signs.
        let x25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIHcHbQpzGKV9PBbBclGyZkXfTC+H68CZKrF3+6UduSwq\n-----END PRIVATE KEY-----\n"
        #expect(throws: CryptoError.self) { _ = try SigningKey(pem: x25519) }
    }
}
