import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct AlgorithmIdentifierVectorFile: Decodable {
    struct Case: Decodable { let scheme, der: String }
    let source: String
    let cases: [Case]
}

@Suite struct DigitalSignatureAuthenticationTests {
    /// RFC 7427 Appendix A, copied from the RFC text; Ed25519 from RFC 8410 §3 (id-Ed25519).
    static let rfc7427AppendixA: [(SignatureScheme, String)] = [
        (.rsaPKCS1v15(.sha1), "300d06092a864886f70d0101050500"),                   // A.1.1
        (.rsaPKCS1v15(.sha256), "300d06092a864886f70d01010b0500"),                 // A.1.2
        (.rsaPKCS1v15(.sha384), "300d06092a864886f70d01010c0500"),                 // A.1.3
        (.rsaPKCS1v15(.sha512), "300d06092a864886f70d01010d0500"),                 // A.1.4
        (.ecdsa(.sha256), "300a06082a8648ce3d040302"),                             // A.3.2
        (.ecdsa(.sha384), "300a06082a8648ce3d040303"),                             // A.3.3
        (.ecdsa(.sha512), "300a06082a8648ce3d040304"),                             // A.3.4
        (.rsaPSS(.sha256), "304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101"), // A.4.3
        (.ed25519, "300506032b6570"),                                                // RFC 8410 §3
    ]

    @Test func encodesTheRFC7427Bytes() throws {
        for (scheme, hex) in Self.rfc7427AppendixA {
            #expect(SignatureAlgorithmIdentifier.encode(scheme) == Hex.decode(hex), "\(scheme)")
            #expect(try SignatureAlgorithmIdentifier.scheme(for: Hex.decode(hex)) == scheme)
        }
        // Not in RFC 7427: the A.4.3 shape with id-sha384/id-sha512 (RFC 4055 §2.1) and salt 48/64.
        #expect(SignatureAlgorithmIdentifier.encode(.rsaPSS(.sha384)) == Hex.decode("304606092a864886f70d01010a3039a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130a303020101"))
        #expect(SignatureAlgorithmIdentifier.encode(.rsaPSS(.sha512)) == Hex.decode("304606092a864886f70d01010a3039a00f300d06096086480165030402030500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020140a303020101"))
        for scheme in SignatureScheme.supported {
            #expect(try SignatureAlgorithmIdentifier.scheme(for: SignatureAlgorithmIdentifier.encode(scheme)) == scheme)
        }
    }

    @Test func acceptsWhatPythonCryptographyWrites() throws {
        // Includes RSASSA-PSS with SHA-384/512, which RFC 7427 does not list, and the strict-DER
        // PSS form without trailerField.
        let file = try VectorLoader.load(AlgorithmIdentifierVectorFile.self, named: "sig-algorithm-identifiers.json", in: .module)
        #expect(file.cases.count == 10)
        for c in file.cases {
            #expect(try SignatureAlgorithmIdentifier.scheme(for: Hex.decode(c.der)) == scheme(named: c.scheme), "\(c.scheme)")
        }
    }

    @Test func refusesUnknownAlgorithmIdentifiers() throws {
        let unknown = [
            "300d06092a864886f70d0101040500",  // md5WithRSAEncryption
            "30090607 2a8648ce 380403",         // dsa-with-sha1, RFC 7427 A.2.1
            "30090607 2a8648ce 3d0401",         // ecdsa-with-sha1, RFC 7427 A.3.1
            "300d0609 2a864886 f70d0101 0a3000",  // RSASSA-PSS, empty params = SHA-1, RFC 7427 A.4.1
            "303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d010108300906052b0e03021a0500a203020114a303020101", // A.4.2 (SHA-1)
            "300306010a",                       // not an AlgorithmIdentifier at all
        ]
        for hex in unknown {
            #expect(throws: CryptoError.self, "\(hex)") { _ = try SignatureAlgorithmIdentifier.scheme(for: Hex.decode(hex)) }
        }
        // PSS with SHA-256 but a 20-octet salt is not the scheme we implement.
        var wrongSalt = SignatureAlgorithmIdentifier.encode(.rsaPSS(.sha256))
        wrongSalt[wrongSalt.count - 6] = 20
        let error = #expect(throws: CryptoError.self) { _ = try SignatureAlgorithmIdentifier.scheme(for: wrongSalt) }
        #expect(error?.code == "CRYPTO-UNSUPPORTED")
    }

    @Test func authDataLayoutMatchesRFC7427AppendixB() throws {
        // RFC 7427 App. B.1: the AUTH body starts 0e 00 00 00 (method, reserved) then 0f 30 0d 06 09 ...
        let auth = DigitalSignatureAuthentication(scheme: .rsaPKCS1v15(.sha1), signature: [0xaa, 0xbb])
        #expect(auth.encoded == Hex.decode("0f300d06092a864886f70d0101050500aabb"))
        #expect(DigitalSignatureAuthentication.authenticationMethod == 14)
        let parsed = try DigitalSignatureAuthentication(decoding: auth.encoded)
        #expect(parsed == auth)
    }

    @Test func signAndVerifyEverySchemeThroughAuthData() throws {
        let octets = Array("InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI".utf8)
        let keys: [(String, [SignatureScheme])] = [
            ("rsa2048", [.rsaPKCS1v15(.sha256), .rsaPKCS1v15(.sha384), .rsaPKCS1v15(.sha512), .rsaPSS(.sha256), .rsaPSS(.sha384), .rsaPSS(.sha512)]),
            ("ecp256", [.ecdsa(.sha256)]), ("ecp384", [.ecdsa(.sha384)]), ("ecp521", [.ecdsa(.sha512)]), ("ed25519", [.ed25519]),
        ]
        for (name, schemes) in keys {
            let key = try SigningKey(pem: VectorLoader.text(named: "sig-\(name)-private.pem", in: .module))
            let verifier = try VerifyingKey(pem: VectorLoader.text(named: "sig-\(name)-public.pem", in: .module))
            for scheme in schemes {
                let wire = try DigitalSignatureAuthentication.sign(octets, with: key, scheme: scheme).encoded
                let received = try DigitalSignatureAuthentication(decoding: wire)
                #expect(received.scheme == scheme)
                #expect(throws: Never.self, "\(scheme)") { try received.verify(octets, with: verifier) }
                #expect(throws: CryptoError.signatureInvalid, "\(scheme)") { try received.verify(octets + [1], with: verifier) }
            }
        }
    }

    @Test func pythonSignaturesVerifyThroughAuthData() throws {
        let file = try VectorLoader.load(SignatureVectorFile.self, named: "sig-signatures.json", in: .module)
        for c in file.cases {
            let s = try scheme(named: c.scheme)
            let wire = DigitalSignatureAuthentication(scheme: s, signature: Hex.decode(c.signature)).encoded
            let key = try VerifyingKey(pem: VectorLoader.text(named: "sig-\(c.key)-public.pem", in: .module))
            #expect(throws: Never.self) { try DigitalSignatureAuthentication(decoding: wire).verify(Hex.decode(file.message), with: key) }
        }
    }

    @Test func truncatedOrDamagedAuthDataIsRefused() throws {
        let good = DigitalSignatureAuthentication(scheme: .ecdsa(.sha256), signature: [1, 2, 3]).encoded
        func code(_ bytes: [UInt8]) -> String? {
            do { _ = try DigitalSignatureAuthentication(decoding: bytes); return nil } catch let e as CryptoError { return e.code } catch { return "other" }
        }
        #expect(code([]) == "CRYPTO-ENCODING")
        #expect(code([0x0c]) == "CRYPTO-ENCODING")
        for cut in 1..<(1 + 12 + 1) { #expect(code(Array(good.prefix(cut))) == "CRYPTO-ENCODING", "cut at \(cut)") }
        #expect(code([0x00, 0x01, 0x02]) == "CRYPTO-ENCODING")          // zero ASN.1 Length
        #expect(code([0x0d] + Array(good.dropFirst())) == "CRYPTO-ENCODING")  // ASN.1 Length one too long
        var unknown = good
        unknown[12] = 0x09                                               // ecdsa-with-SHA2 arc 9
        #expect(code(unknown) == "CRYPTO-UNSUPPORTED")
        #expect(code(good) == nil)
    }
}
