import GroupKeyTestSupport
import GroupKeyTypes
import Testing
@testable import GroupKeyCrypto

@Suite struct SymmetricAlgorithmsTests {
    @Test func ikev2Encryption() throws {
        #expect(try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 128) == .cbc(.aes128))
        #expect(try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 192) == .cbc(.aes192))
        #expect(try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 256) == .cbc(.aes256))
        #expect(try AlgorithmRegistry.encryption(ikev2: .aesCTR, keyLength: 256) == .aesCTR(aesKeyLength: 32))
        for (id, icv) in [(IKEv2EncryptionID.aesGCM8, 8), (.aesGCM12, 12), (.aesGCM16, 16)] {
            let algorithm = try AlgorithmRegistry.encryption(ikev2: id, keyLength: 256)
            #expect(algorithm.parameters.icvLength == icv && algorithm.parameters.keyLength == 36 && algorithm.parameters.isAEAD)
        }
        #expect(try AlgorithmRegistry.encryption(ikev2: .chacha20Poly1305, keyLength: nil) == .aead(.chacha20Poly1305))
        #expect(try AlgorithmRegistry.encryption(ikev2: .tripleDES, keyLength: nil, allowLegacy: true) == .cbc(.tripleDES))
        #expect(try AlgorithmRegistry.encryption(ikev2: .tripleDES, keyLength: nil, allowLegacy: true).parameters.isLegacy)
    }

    @Test func ikev2EncryptionRefusals() {
        let forbidden: [() throws -> Void] = [
            { _ = try AlgorithmRegistry.encryption(ikev2: .des, keyLength: nil) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .desIV64, keyLength: nil) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .null, keyLength: nil) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .tripleDES, keyLength: nil) },  // legacy not allowed
            { _ = try AlgorithmRegistry.encryption(ikev2Number: 30, keyLength: 128) },     // AES-GCM-16 IIV
        ]
        for body in forbidden { #expect(cryptoErrorCode(body) == "CRYPTO-FORBIDDEN") }
        let unsupported: [() throws -> Void] = [
            { _ = try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: nil) },     // RFC 7296 §3.3.5: required
            { _ = try AlgorithmRegistry.encryption(ikev2: .aesCBC, keyLength: 512) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .aesGCM16, keyLength: 100) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .chacha20Poly1305, keyLength: 128) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .aesCCM16, keyLength: 128) },
            { _ = try AlgorithmRegistry.encryption(ikev2: .nullAuthAESGMAC, keyLength: 128) },
            { _ = try AlgorithmRegistry.encryption(ikev2Number: 7, keyLength: nil) },     // Blowfish
            { _ = try AlgorithmRegistry.encryption(ikev2Number: 999, keyLength: nil) },
        ]
        for body in unsupported { #expect(cryptoErrorCode(body) == "CRYPTO-UNSUPPORTED") }
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(ikev2Number: 2, keyLength: nil) } == "CRYPTO-FORBIDDEN")
    }

    @Test func ikev2Integrity() throws {
        #expect(try AlgorithmRegistry.integrity(ikev2: .none) == nil)
        #expect(try AlgorithmRegistry.integrity(ikev2: .hmacSHA1_96) == .hmacSHA1_96)
        #expect(try AlgorithmRegistry.integrity(ikev2: .hmacSHA2_256_128) == .hmacSHA2_256_128)
        #expect(try AlgorithmRegistry.integrity(ikev2: .hmacSHA2_384_192) == .hmacSHA2_384_192)
        #expect(try AlgorithmRegistry.integrity(ikev2Number: 14) == .hmacSHA2_512_256)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ikev2: .hmacMD5_96) } == "CRYPTO-FORBIDDEN")
        #expect(try AlgorithmRegistry.integrity(ikev2: .hmacMD5_96, allowLegacy: true) == .hmacMD5_96)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ikev2Number: 3) } == "CRYPTO-FORBIDDEN")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ikev2Number: 5) } == "CRYPTO-UNSUPPORTED")  // AES-XCBC-96
    }

    @Test func ipsecDOIForGDOITEKs() throws {
        #expect(try AlgorithmRegistry.encryption(esp: .aesCBC, keyLength: 128) == .cbc(.aes128))
        #expect(try AlgorithmRegistry.encryption(espNumber: 20, keyLength: 256).parameters.name == "AES-GCM-16-256")
        #expect(try AlgorithmRegistry.encryption(esp: .aesCTR, keyLength: 192) == .aesCTR(aesKeyLength: 24))
        #expect(try AlgorithmRegistry.encryption(esp: .tripleDES, keyLength: nil, allowLegacy: true) == .cbc(.tripleDES))
        #expect(try AlgorithmRegistry.encryption(esp: .tripleDES, keyLength: 192, allowLegacy: true) == .cbc(.tripleDES))
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(esp: .tripleDES, keyLength: 168, allowLegacy: true) } == "CRYPTO-UNSUPPORTED")
        for number: UInt8 in [1, 2, 9, 11] {
            #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(espNumber: number, keyLength: nil, allowLegacy: true) } == "CRYPTO-FORBIDDEN", "\(number)")
        }
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(esp: .aesCBC, keyLength: nil) } == "CRYPTO-UNSUPPORTED")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(espNumber: 14, keyLength: 128) } == "CRYPTO-UNSUPPORTED")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(espNumber: 4, keyLength: 128) } == "CRYPTO-UNSUPPORTED")

        #expect(try AlgorithmRegistry.integrity(ipsec: nil) == nil)
        #expect(try AlgorithmRegistry.integrity(ipsec: .hmacSHA1) == .hmacSHA1_96)
        #expect(try AlgorithmRegistry.integrity(ipsecNumber: 5) == .hmacSHA2_256_128)
        #expect(try AlgorithmRegistry.integrity(ipsecNumber: 7) == .hmacSHA2_512_256)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ipsec: .hmacMD5) } == "CRYPTO-FORBIDDEN")
        #expect(try AlgorithmRegistry.integrity(ipsec: .hmacMD5, allowLegacy: true) == .hmacMD5_96)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ipsecNumber: 3) } == "CRYPTO-FORBIDDEN")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.integrity(ipsecNumber: 4) } == "CRYPTO-UNSUPPORTED")
    }

    @Test func ikev1AndGDOIKEK() throws {
        #expect(try AlgorithmRegistry.encryption(ikev1: .aesCBC, keyLength: 256) == .aes256)
        #expect(try AlgorithmRegistry.encryption(ikev1Number: 5, keyLength: nil, allowLegacy: true) == .tripleDES)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(ikev1: .desCBC, keyLength: nil, allowLegacy: true) } == "CRYPTO-FORBIDDEN")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(ikev1: .tripleDESCBC, keyLength: nil) } == "CRYPTO-FORBIDDEN")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.encryption(ikev1Number: 8, keyLength: 128) } == "CRYPTO-UNSUPPORTED")

        #expect(try AlgorithmRegistry.kek(gdoi: .aes, keyLength: 128) == .aes128)
        #expect(try AlgorithmRegistry.kek(gdoiNumber: 2, keyLength: nil, allowLegacy: true) == .tripleDES)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.kek(gdoi: .des, keyLength: nil, allowLegacy: true) } == "CRYPTO-FORBIDDEN")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.kek(gdoi: .aes, keyLength: nil) } == "CRYPTO-UNSUPPORTED")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.kek(gdoiNumber: 9, keyLength: nil) } == "CRYPTO-UNSUPPORTED")
    }

    @Test func keyWrapAlgorithms() throws {
        #expect(try AlgorithmRegistry.keyWrap(.kw5649_128) == AESKeyWrap.Algorithm(mode: .rfc5649, kekLength: 16))
        #expect(try AlgorithmRegistry.keyWrap(.kw5649_192).parameters.keyLength == 24)
        #expect(try AlgorithmRegistry.keyWrap(number: 3).kekLength == 32)
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.keyWrap(.arx) } == "CRYPTO-UNSUPPORTED")
        #expect(cryptoErrorCode { _ = try AlgorithmRegistry.keyWrap(number: 77) } == "CRYPTO-UNSUPPORTED")
    }

    /// The way SK-payload / ESP code will use the registry: parameters first (to cut KEYMAT),
    /// then a keyed cipher behind `any MessageCipher`, plus an integrity transform if not AEAD.
    @Test func genericUseThroughTheRegistry() throws {
        let keymat = SecretBytes((0..<200).map { UInt8($0) })
        let suites: [(IKEv2EncryptionID, UInt16?, IKEv2IntegrityID)] = [
            (.aesCBC, 128, .hmacSHA2_256_128), (.aesCTR, 256, .hmacSHA2_512_256), (.aesGCM16, 256, .none),
            (.aesGCM8, 128, .none), (.chacha20Poly1305, nil, .none),
        ]
        for (encr, bits, integ) in suites {
            let algorithm = try AlgorithmRegistry.encryption(ikev2: encr, keyLength: bits)
            let p = algorithm.parameters
            let cipher = try algorithm.makeCipher(keyingMaterial: keymat.slice(0..<p.keyLength))
            let integrity = try AlgorithmRegistry.integrity(ikev2: integ)
            #expect(p.isAEAD == (integrity == nil), "\(p.name)")
            let plaintext = [UInt8](repeating: 0x42, count: 3 * max(p.blockSize, 1) * 16)
            let iv = [UInt8](repeating: 9, count: p.ivLength)
            let aad: [UInt8] = p.isAEAD ? [1, 2, 3, 4] : []
            let sealed = try cipher.encrypt(plaintext, iv: iv, aad: aad)
            #expect(sealed.count == plaintext.count + p.icvLength)
            #expect(try cipher.decrypt(sealed, iv: iv, aad: aad) == plaintext)
            if let integrity {
                let mac = try IntegrityTransform(integrity, key: keymat.slice(p.keyLength..<(p.keyLength + integrity.keyLength)))
                #expect(try mac.compute([iv, sealed]).count == integrity.icvLength)
            }
        }
        #expect(cryptoErrorCode { _ = try EncryptionAlgorithm.aesCTR(aesKeyLength: 16).makeCipher(keyingMaterial: .zeros(count: 36)) } == "CRYPTO-KEY-LENGTH")
    }
}
