import Foundation
import GroupKeyCrypto
import GroupKeyTestSupport
import NIOCore
import Testing
@testable import GIKEv2Wire

/// The Python-built SK/SKF messages again, now sealed and opened with GroupKeyCrypto's real
/// ciphers through `CipherSuiteProtection`, and their KD keys unwrapped with real AES-KWP.
@Suite("GIKEv2Wire SK/SKF with the real ciphers")
struct RealCipherSKTests {
    struct Keys: Decodable {
        let name: String
        let encryptionKey: String?
        let integrityKey: String?
        let salt: String?
        let kwk: String?
        let unwrapped: [String: String]?
    }

    struct File: Decodable { let vectors: [Keys] }

    func keys(_ name: String) throws -> Keys {
        let file = try VectorLoader.load(File.self, named: "ikev2-sk-messages.json", in: .module)
        return try #require(file.vectors.first { $0.name == name }, "vector \(name)")
    }

    func protection(_ name: String) throws -> CipherSuiteProtection {
        let k = try keys(name)
        let encryptionKey = Hex.decode(try #require(k.encryptionKey))
        if let salt = k.salt {
            return try CipherSuiteProtection(
                encryption: try AlgorithmRegistry.encryption(ikev2: .aesGCM16, keyLength: 256),
                encryptionKey: SecretBytes(encryptionKey + Hex.decode(salt)), integrity: nil, integrityKey: nil)
        }
        return try CipherSuiteProtection(
            encryption: try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 256),
            encryptionKey: SecretBytes(encryptionKey),
            integrity: .hmacSHA2_256_128, integrityKey: SecretBytes(Hex.decode(try #require(k.integrityKey))))
    }

    @Test(arguments: SKProtectionVectorTests.protectedNames)
    func sealAndOpenWithRealCiphersMatchPython(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let bytes = Hex.decode(try #require(v.message))
        let inner = try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)
        let real = try protection(name)
        let sealed = try SKProtection.seal(header: try IKEv2Message.parse(bytes).header, innerPayloads: inner,
                                           iv: Hex.decode(v.iv!), protection: real)
        #expect(sealed == bytes)
        let opened = try SKProtection.open(bytes, protection: real)
        #expect(opened.innerPayloads == inner)

        for index in [bytes.count - 1, 28 + 4 + 2, bytes.count / 2] {
            var tampered = bytes
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed, "flip at \(index)") {
                _ = try SKProtection.open(tampered, protection: real)
            }
        }
    }

    @Test(arguments: ["gsa-registration-request-skf-aes-cbc-256", "gsa-registration-request-skf-aes-gcm-16-256"])
    func fragmentsWithRealCiphersMatchPython(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let fragments = try #require(v.fragments).map(Hex.decode)
        let inner = try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)
        let real = try protection(name)
        let built = try SKProtection.sealFragments(header: try IKEv2Message.parse(fragments[0]).header, innerPayloads: inner,
                                                   maximumChunk: v.fragmentChunk!, ivs: v.ivs!.map(Hex.decode), protection: real)
        #expect(built == fragments)
        let opened = try fragments.reversed().map { try SKProtection.openFragment($0, protection: real) }
        #expect(try SKProtection.reassemble(opened) == inner)
    }

    @Test func keyDownloadUnwrapsWithRealAESKWP() throws {
        let name = SKProtectionVectorTests.protectedNames[0]
        let k = try keys(name)
        let v = try SKVectorFile.load().vector(name)
        let opened = try SKProtection.open(Hex.decode(v.message!), protection: try protection(name))
        guard case .keyDownload(let kd) = opened.innerPayloads[3],
              case .group(let kekBag) = kd.bags[0], case .group(let tekBag) = kd.bags[1], case .member(let member) = kd.bags[2],
              case .wrapKey(let node) = member.attributes[0] else {
            Issue.record("unexpected KD shape"); return
        }
        let gskW = try AESKeyWrap(mode: .rfc5649, kek: SecretBytes(Hex.decode(try #require(k.kwk))))
        let expected = try #require(k.unwrapped)
        #expect(try gskW.unwrap(kekBag.saKeys[0].encryptedKey) == SecretBytes(Hex.decode(expected["kek"]!)))
        #expect(try gskW.unwrap(tekBag.saKeys[0].encryptedKey) == SecretBytes(Hex.decode(expected["tek"]!)))
        #expect(try gskW.unwrap(node.encryptedKey) == SecretBytes(Hex.decode(expected["node7"]!)))
        var corrupted = node.encryptedKey
        corrupted[3] ^= 0x10
        #expect(throws: CryptoError.unwrapFailed) { _ = try gskW.unwrap(corrupted) }
    }

    @Test func aeadWithAnIntegrityTransformIsRefused() throws {
        #expect(throws: CryptoError.self) {
            _ = try CipherSuiteProtection(encryption: try AlgorithmRegistry.encryption(ikev2: .aesGCM16, keyLength: 128),
                                          encryptionKey: SecretBytes.zeros(count: 20),
                                          integrity: .hmacSHA2_256_128, integrityKey: SecretBytes.zeros(count: 32))
        }
        #expect(throws: CryptoError.self) {
            _ = try CipherSuiteProtection(encryption: try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 128),
                                          encryptionKey: SecretBytes.zeros(count: 16), integrity: nil, integrityKey: nil)
        }
    }

    /// `sealedLength` is what decides whether a message goes whole or as SKF fragments without
    /// sealing it first, so it must be the sealed message's length exactly: every inner length
    /// around the CBC block boundary (padding 0 to 15) and for the AEAD (no block alignment).
    @Test(arguments: SKProtectionVectorTests.protectedNames)
    func sealedLengthIsTheLengthOfTheSealedMessage(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let header = try IKEv2Message.parse(Hex.decode(try #require(v.message))).header
        let real = try protection(name)
        for length in 0...40 {
            // A Notify whose data fills the inner payloads to `length` octets (8-octet header).
            let data = [UInt8](repeating: 0x5A, count: length)
            let notify = IKEv2Payload.notify(NotifyPayload(messageType: 16_384, data: data))
            let inner = try IKEv2Message.serializeInnerPayloads([notify])
            let sealed = try SKProtection.seal(header: header, innerPayloads: [notify],
                                               iv: [UInt8](repeating: 7, count: real.ivLength), protection: real)
            #expect(SKProtection.sealedLength(innerLength: inner.count, protection: real) == sealed.count, "inner \(inner.count)")
            let fromBytes = try SKProtection.seal(header: header, inner: inner, firstInner: notify.type,
                                                  iv: [UInt8](repeating: 7, count: real.ivLength), protection: real)
            #expect(fromBytes == sealed)
        }
    }
}
