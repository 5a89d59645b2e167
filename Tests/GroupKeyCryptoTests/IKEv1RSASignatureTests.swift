import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct IKEv1RSAVectorFile: Decodable {
    struct Case: Decodable { let hash, signature: String }
    let source, key: String
    let cases: [Case]
}

@Suite struct IKEv1RSASignatureTests {
    @Test func matchesPythonIntegerArithmetic() throws {
        let file = try VectorLoader.load(IKEv1RSAVectorFile.self, named: "sig-ikev1-rsa.json", in: .module)
        let key = try SigningKey(pem: VectorLoader.text(named: file.key, in: .module))
        let verifier = try key.verifyingKey
        #expect(file.cases.count == 3)
        for c in file.cases {
            let hash = Hex.decode(c.hash)
            #expect(try IKEv1RSASignature.sign(hash: hash, with: key) == Hex.decode(c.signature), "\(hash.count)-octet hash")
            #expect(throws: Never.self) { try IKEv1RSASignature.verify(Hex.decode(c.signature), hash: hash, with: verifier) }
            var other = hash
            other[0] ^= 1
            #expect(throws: CryptoError.signatureInvalid) { try IKEv1RSASignature.verify(Hex.decode(c.signature), hash: other, with: verifier) }
            // Not interchangeable with the DigestInfo form.
            #expect(throws: CryptoError.signatureInvalid) {
                try verifier.verify(Hex.decode(c.signature), for: hash, scheme: .rsaPKCS1v15(.sha256))
            }
        }
    }

    @Test func refusesNonRSAKeys() throws {
        let key = try SigningKey(pem: VectorLoader.text(named: "sig-ecp256-private.pem", in: .module))
        #expect(throws: CryptoError.self) { _ = try IKEv1RSASignature.sign(hash: [UInt8](repeating: 1, count: 20), with: key) }
    }
}
