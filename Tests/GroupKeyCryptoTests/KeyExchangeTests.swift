import Foundation
import GroupKeyTestSupport
import GroupKeyTypes
import Testing
@testable import GroupKeyCrypto

struct MODPVectorFile: Decodable {
    struct Case: Decodable { let id: UInt16; let prime, x, gx, y, gy, shared: String }
    let source: String
    let cases: [Case]
}

struct ECPVectorFile: Decodable {
    struct Case: Decodable { let id: UInt16; let i, gix, giy, r, grx, gry, girx: String }
    let source: String
    let cases: [Case]
}

struct XDHVectorFile: Decodable {
    struct Function: Decodable { let curve, scalar, u, output: String }
    struct Iterated: Decodable { let curve: String; let iterations: Int; let output: String }
    struct DH: Decodable { let curve, alicePrivate, alicePublic, bobPrivate, bobPublic, shared: String }
    let source: String
    let function: [Function]
    let iterated: [Iterated]
    let dh: [DH]
}

func method(_ raw: UInt16) throws -> KeyExchangeMethod {
    try KeyExchangeMethod(try #require(KeyExchangeMethodID(rawValue: raw)))
}

func xdhMethod(_ curve: String) throws -> KeyExchangeMethod {
    try KeyExchangeMethod(curve == "x25519" ? .curve25519 : .curve448)
}

@Suite struct KeyExchangeTests {
    @Test func modpAgreementMatchesPython() throws {
        let file = try VectorLoader.load(MODPVectorFile.self, named: "kex-modp.json", in: .module)
        #expect(file.cases.map(\.id) == [2, 5, 14, 15, 16, 17, 18])
        for c in file.cases {
            let m = try method(c.id)
            // Our prime (copied from the RFC hex) equals Python's (rebuilt from the RFC formula).
            #expect(ModularExponentialGroups.prime(for: m.id) == Hex.decode(c.prime), "group \(c.id)")
            if [2, 5, 14].contains(c.id) { #expect(Hex.decode(c.shared).first == 0, "vector exercises padding") }
            #expect(m.publicValueLength == Hex.decode(c.prime).count)
            #expect(m.sharedSecretLength == m.publicValueLength)
            let initiator = try m.importPrivateKey(Hex.decode(c.x))
            let responder = try m.importPrivateKey(Hex.decode(c.y))
            #expect(initiator.publicValue == Hex.decode(c.gx), "group \(c.id) g^x")
            #expect(responder.publicValue == Hex.decode(c.gy), "group \(c.id) g^y")
            let shared = try initiator.sharedSecret(peerPublicValue: Hex.decode(c.gy))
            #expect(shared.unsafeCopyBytes() == Hex.decode(c.shared), "group \(c.id) g^xy")
            #expect(try responder.sharedSecret(peerPublicValue: Hex.decode(c.gx)) == shared)
        }
    }

    @Test func rfc5903KnownAnswers() throws {
        let file = try VectorLoader.load(ECPVectorFile.self, named: "kex-rfc5903-ecp.json", in: .module)
        #expect(file.cases.map(\.id) == [19, 20, 21])
        for c in file.cases {
            let m = try method(c.id)
            let initiator = try m.importPrivateKey(Hex.decode(c.i))
            let responder = try m.importPrivateKey(Hex.decode(c.r))
            #expect(initiator.publicValue == Hex.decode(c.gix + c.giy), "group \(c.id) g^i")
            #expect(responder.publicValue == Hex.decode(c.grx + c.gry), "group \(c.id) g^r")
            #expect(m.publicValueLength == initiator.publicValue.count)
            let shared = try initiator.sharedSecret(peerPublicValue: Hex.decode(c.grx + c.gry))
            #expect(shared.unsafeCopyBytes() == Hex.decode(c.girx), "group \(c.id) g^ir")
            #expect(shared.count == m.sharedSecretLength)
            #expect(try responder.sharedSecret(peerPublicValue: Hex.decode(c.gix + c.giy)) == shared)
        }
    }

    @Test func rfc7748FunctionAndDiffieHellman() throws {
        let file = try VectorLoader.load(XDHVectorFile.self, named: "kex-rfc7748-xdh.json", in: .module)
        for v in file.function {
            let key = try xdhMethod(v.curve).importPrivateKey(Hex.decode(v.scalar))
            #expect(try key.sharedSecret(peerPublicValue: Hex.decode(v.u)).unsafeCopyBytes() == Hex.decode(v.output), "\(v.curve)")
        }
        for v in file.iterated {
            let m = try xdhMethod(v.curve)
            var k = [UInt8](repeating: 0, count: m.publicValueLength)
            k[0] = v.curve == "x25519" ? 9 : 5
            var u = k
            for _ in 0..<v.iterations {
                let next = try m.importPrivateKey(k).sharedSecret(peerPublicValue: u).unsafeCopyBytes()
                u = k
                k = next
            }
            #expect(k == Hex.decode(v.output), "\(v.curve) after \(v.iterations)")
        }
        for v in file.dh {
            let m = try xdhMethod(v.curve)
            let alice = try m.importPrivateKey(Hex.decode(v.alicePrivate))
            let bob = try m.importPrivateKey(Hex.decode(v.bobPrivate))
            #expect(alice.publicValue == Hex.decode(v.alicePublic))
            #expect(bob.publicValue == Hex.decode(v.bobPublic))
            #expect(try alice.sharedSecret(peerPublicValue: bob.publicValue).unsafeCopyBytes() == Hex.decode(v.shared))
            #expect(try bob.sharedSecret(peerPublicValue: alice.publicValue).unsafeCopyBytes() == Hex.decode(v.shared))
        }
    }

    @Test(arguments: [KeyExchangeMethodID.modp1024, .modp2048, .ecp256, .ecp384, .ecp521, .curve25519, .curve448])
    func generatedKeysAgree(id: KeyExchangeMethodID) throws {
        let m = try KeyExchangeMethod(id)
        let a = try m.generate(), b = try m.generate()
        #expect(a.publicValue.count == m.publicValueLength)
        #expect(a.publicValue != b.publicValue)
        let s = try a.sharedSecret(peerPublicValue: b.publicValue)
        #expect(s.count == m.sharedSecretLength)
        #expect(try b.sharedSecret(peerPublicValue: a.publicValue) == s)
    }

    @Test func selfTestRunsTheX25519Vector() {
        let result = CryptoSelfTest.run().first { $0.name.contains("X25519") }
        #expect(result?.passed == true)
    }

    @Test func lengthsAndLegacyFlags() throws {
        let expected: [(KeyExchangeMethodID, Int, Int, Bool)] = [
            (.modp1024, 128, 128, true), (.modp1536, 192, 192, true), (.modp2048, 256, 256, false),
            (.modp3072, 384, 384, false), (.modp4096, 512, 512, false), (.modp6144, 768, 768, false),
            (.modp8192, 1024, 1024, false), (.ecp256, 64, 32, false), (.ecp384, 96, 48, false),
            (.ecp521, 132, 66, false), (.curve25519, 32, 32, false), (.curve448, 56, 56, false),
        ]
        for (id, publicLength, secretLength, legacy) in expected {
            let m = try KeyExchangeMethod(id)
            #expect(m.publicValueLength == publicLength && m.sharedSecretLength == secretLength && m.isLegacy == legacy, "\(id)")
        }
        #expect(throws: CryptoError.forbiddenAlgorithm("768-bit MODP group 1 (RFC 8247 §2.4)")) { try KeyExchangeMethod(.modp768) }
    }
}
