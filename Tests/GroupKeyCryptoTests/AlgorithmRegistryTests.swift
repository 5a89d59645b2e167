import GroupKeyTypes
import Testing
@testable import GroupKeyCrypto

@Suite struct AlgorithmRegistryTests {
    @Test func prfNumbersMapToTheirHashes() throws {
        #expect(try AlgorithmRegistry.prf(ikev2Number: 5).digest == .sha256)
        #expect(try AlgorithmRegistry.prf(ikev2Number: 6).digest == .sha384)
        #expect(try AlgorithmRegistry.prf(ikev2Number: 7).digest == .sha512)
        #expect(try AlgorithmRegistry.prf(ikev2Number: 2, allowLegacy: true).digest == .sha1)
        #expect(try AlgorithmRegistry.prf(ikev1HashNumber: 4).digest == .sha256)
        #expect(try AlgorithmRegistry.prf(ikev1HashNumber: 1, allowLegacy: true).digest == .md5)
    }

    @Test func weakPRFsAreRefusedUnlessLegacyIsAllowed() {
        #expect(throws: CryptoError.forbiddenAlgorithm("PRF_HMAC_MD5 (RFC 8247 §3.1: MUST NOT)")) {
            try AlgorithmRegistry.prf(ikev2Number: 1, allowLegacy: true)
        }
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.prf(ikev2Number: 2) }
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.prf(ikev1HashNumber: 2) }
        #expect(throws: CryptoError.unsupportedAlgorithm("IKEv2 PRF transform 4")) { try AlgorithmRegistry.prf(ikev2Number: 4) }
    }

    @Test func keyExchangeNumbersAndLegacyGroups() throws {
        #expect(try AlgorithmRegistry.keyExchange(number: 14).publicValueLength == 256)
        #expect(try AlgorithmRegistry.keyExchange(number: 19).publicValueLength == 64)
        #expect(try AlgorithmRegistry.keyExchange(number: 21).publicValueLength == 132)
        #expect(try AlgorithmRegistry.keyExchange(number: 31).publicValueLength == 32)
        #expect(try AlgorithmRegistry.keyExchange(number: 32).publicValueLength == 56)
        #expect(try AlgorithmRegistry.keyExchange(number: 2, allowLegacy: true).publicValueLength == 128)
        #expect(try AlgorithmRegistry.keyExchange(number: 5, allowLegacy: true).isLegacy)
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.keyExchange(number: 2) }
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.keyExchange(number: 1, allowLegacy: true) }
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.keyExchange(number: 22) }
    }

    @Test func desAndNullAreForbiddenEverywhere() {
        let refusals: [() throws -> Any] = [
            { try AlgorithmRegistry.encryption(ikev2Number: 2, keyLength: nil, allowLegacy: true) },
            { try AlgorithmRegistry.encryption(ikev2Number: 11, keyLength: nil, allowLegacy: true) },
            { try AlgorithmRegistry.encryption(espNumber: 2, keyLength: nil, allowLegacy: true) },
            { try AlgorithmRegistry.encryption(espNumber: 11, keyLength: nil, allowLegacy: true) },
            { try AlgorithmRegistry.encryption(ikev1Number: 1, keyLength: nil, allowLegacy: true) },
            { try AlgorithmRegistry.kek(gdoiNumber: 1, keyLength: nil, allowLegacy: true) },
        ]
        for refusal in refusals {
            do {
                _ = try refusal()
                Issue.record("DES/NULL was accepted")
            } catch let error as CryptoError {
                #expect(error.code == "CRYPTO-FORBIDDEN", "\(error)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func signatureSchemesByAlgorithmIdentifier() throws {
        // RFC 7427 Appendix A.4.3 ecdsa-with-sha256 and RFC 8410 id-Ed25519.
        let ecdsa256: [UInt8] = [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
        #expect(try AlgorithmRegistry.signatureScheme(algorithmIdentifier: ecdsa256) == .ecdsa(.sha256))
        #expect(try AlgorithmRegistry.signatureScheme(algorithmIdentifier: [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]) == .ed25519)
        #expect(throws: CryptoError.self) { try AlgorithmRegistry.signatureScheme(algorithmIdentifier: [0x30, 0x00]) }
    }
}
