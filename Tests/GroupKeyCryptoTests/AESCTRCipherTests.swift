import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct CTRVectorFile: Decodable {
    struct Case: Decodable { let name, key, nonce, iv, plaintext, ciphertext: String }
    let source: String
    let cases: [Case]
}

@Suite struct AESCTRCipherTests {
    static let vectors: [CTRVectorFile.Case] =
        (try? VectorLoader.load(CTRVectorFile.self, named: "aes-ctr-rfc3686.json", in: .module).cases) ?? []

    @Test func rfc3686KnownAnswers() throws {
        #expect(Self.vectors.count == 9)
        for c in Self.vectors {
            // RFC 3686 §5.1: keying material = AES key | 4-octet nonce.
            let cipher = try AESCTRCipher(keyingMaterial: secret(c.key + c.nonce))
            let iv = Hex.decode(c.iv), plaintext = Hex.decode(c.plaintext), ciphertext = Hex.decode(c.ciphertext)
            #expect(try cipher.encrypt(plaintext, iv: iv) == ciphertext, "\(c.name)")
            #expect(try cipher.decrypt(ciphertext, iv: iv) == plaintext, "\(c.name)")
            #expect(try cipher.encrypt(plaintext, iv: iv) == ciphertext, "\(c.name) reused")
            #expect(cipher.parameters.keyLength == Hex.decode(c.key).count + 4)
        }
    }

    @Test func parameters() throws {
        let p = AESCTRCipher.parameters(aesKeyLength: 32)
        #expect(p.keyLength == 36 && p.saltLength == 4 && p.cipherKeyLength == 32)
        #expect(p.ivLength == 8 && p.blockSize == 1 && p.icvLength == 0 && !p.isAEAD)
    }

    @Test func wrongSizesAreRefused() throws {
        for size in [16, 19, 24, 32, 37] {  // an AES key without its nonce is the classic slip
            #expect(cryptoErrorCode { _ = try AESCTRCipher(keyingMaterial: .zeros(count: size)) } == "CRYPTO-KEY-LENGTH", "\(size)")
        }
        let cipher = try AESCTRCipher(keyingMaterial: .zeros(count: 20))
        for size in [0, 7, 9, 12, 16] {
            #expect(cryptoErrorCode { _ = try cipher.encrypt([1, 2, 3], iv: [UInt8](repeating: 0, count: size)) } == "CRYPTO-NONCE-LENGTH")
        }
        #expect(cryptoErrorCode { _ = try cipher.encrypt([1, 2, 3], iv: [UInt8](repeating: 0, count: 8), aad: [9]) } == "CRYPTO-INPUT-LENGTH")
    }
}
