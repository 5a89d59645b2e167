import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct AEADVectorFile: Decodable {
    struct Case: Decodable { let name, algorithm, key, nonce, aad, plaintext, ciphertext, tag: String }
    let source: String
    let cases: [Case]
}

@Suite struct AEADCipherTests {
    static let vectors: [AEADVectorFile.Case] = (try? VectorLoader.load(AEADVectorFile.self, named: "aead.json", in: .module).cases) ?? []

    private func algorithm(_ c: AEADVectorFile.Case, icvLength: Int = 16) throws -> AEADCipher.Algorithm {
        c.algorithm == "AES-GCM" ? try .aesGCM(keyLength: Hex.decode(c.key).count, icvLength: icvLength) : .chacha20Poly1305
    }

    @Test func rawKnownAnswers() throws {
        #expect(Self.vectors.count == 7)
        #expect(Self.vectors.contains { !$0.aad.isEmpty && $0.algorithm == "AES-GCM" })
        for c in Self.vectors {
            let aead = try AEADCipher(try algorithm(c), rawKey: secret(c.key))
            let nonce = Hex.decode(c.nonce), aad = Hex.decode(c.aad), sealed = Hex.decode(c.ciphertext + c.tag)
            #expect(aead.parameters.ivLength == 12 && aead.parameters.saltLength == 0)
            #expect(try aead.seal(Hex.decode(c.plaintext), iv: nonce, aad: aad) == sealed, "\(c.name)")
            #expect(try aead.open(sealed, iv: nonce, aad: aad) == Hex.decode(c.plaintext), "\(c.name)")
        }
    }

    /// The IPsec form: the nonce's first 4 octets become the salt at the end of the keying
    /// material and the last 8 the per-message IV (RFC 4106 §4, RFC 7634 §2). Same answers.
    @Test func saltedFormGivesTheSameAnswers() throws {
        for c in Self.vectors {
            let nonce = Hex.decode(c.nonce)
            let aead = try AEADCipher(try algorithm(c), keyingMaterial: SecretBytes(Hex.decode(c.key) + nonce[0..<4]))
            let iv = Array(nonce[4...]), aad = Hex.decode(c.aad), sealed = Hex.decode(c.ciphertext + c.tag)
            #expect(aead.parameters.keyLength == Hex.decode(c.key).count + 4 && aead.parameters.ivLength == 8)
            #expect(try aead.seal(Hex.decode(c.plaintext), iv: iv, aad: aad) == sealed, "\(c.name)")
            #expect(try aead.open(sealed, iv: iv, aad: aad) == Hex.decode(c.plaintext), "\(c.name)")
        }
    }

    /// ENCR_AES_GCM_8 and _12 carry the leftmost octets of the full tag (RFC 4106 §6).
    @Test func truncatedGCMTags() throws {
        for c in Self.vectors where c.algorithm == "AES-GCM" {
            for icv in [8, 12] {
                let aead = try AEADCipher(try algorithm(c, icvLength: icv), rawKey: secret(c.key))
                let nonce = Hex.decode(c.nonce), aad = Hex.decode(c.aad)
                let expected = Hex.decode(c.ciphertext) + Hex.decode(c.tag).prefix(icv)
                #expect(try aead.seal(Hex.decode(c.plaintext), iv: nonce, aad: aad) == expected, "\(c.name) ICV \(icv)")
                #expect(try aead.open(expected, iv: nonce, aad: aad) == Hex.decode(c.plaintext))
                #expect(throws: CryptoError.authenticationFailed) {
                    try aead.open(flippingBit(expected.count * 8 - 1, of: expected), iv: nonce, aad: aad)
                }
            }
        }
    }

    @Test func anyAlterationIsRejectedAndTheCipherRecovers() throws {
        for c in Self.vectors {
            let aead = try AEADCipher(try algorithm(c), rawKey: secret(c.key))
            let nonce = Hex.decode(c.nonce), aad = Hex.decode(c.aad), sealed = Hex.decode(c.ciphertext + c.tag)
            let plaintextBits = Hex.decode(c.ciphertext).count * 8
            // A bit of the tag, a bit of the ciphertext, the AAD, the nonce, a truncation.
            for bad in [flippingBit(sealed.count * 8 - 8, of: sealed), flippingBit(plaintextBits / 2, of: sealed)] {
                #expect(throws: CryptoError.authenticationFailed) { try aead.open(bad, iv: nonce, aad: aad) }
            }
            #expect(throws: CryptoError.authenticationFailed) { try aead.open(sealed, iv: nonce, aad: aad + [0]) }
            #expect(throws: CryptoError.authenticationFailed) { try aead.open(sealed, iv: flippingBit(0, of: nonce), aad: aad) }
            #expect(throws: CryptoError.authenticationFailed) { try aead.open(Array(sealed.dropLast()), iv: nonce, aad: aad) }
            #expect(throws: CryptoError.authenticationFailed) { try aead.open([UInt8](repeating: 0, count: 15), iv: nonce, aad: aad) }
            // The failed opens left nothing behind in the reused context.
            #expect(try aead.open(sealed, iv: nonce, aad: aad) == Hex.decode(c.plaintext), "\(c.name) after failures")
        }
    }

    @Test func emptyPlaintextIsAuthenticated() throws {
        let aead = try AEADCipher(.chacha20Poly1305, keyingMaterial: .zeros(count: 36))
        let iv = [UInt8](repeating: 7, count: 8)
        let sealed = try aead.seal([UInt8](), iv: iv, aad: [1, 2, 3])
        #expect(sealed.count == 16)
        #expect(try aead.open(sealed, iv: iv, aad: [1, 2, 3]) == [])
        #expect(throws: CryptoError.authenticationFailed) { try aead.open(sealed, iv: iv, aad: [1, 2]) }
    }

    @Test func wrongSizesAreRefused() throws {
        let gcm = try AEADCipher.Algorithm.aesGCM(keyLength: 16, icvLength: 16)
        #expect(cryptoErrorCode { _ = try AEADCipher(gcm, keyingMaterial: .zeros(count: 16)) } == "CRYPTO-KEY-LENGTH")  // salt missing
        #expect(cryptoErrorCode { _ = try AEADCipher(gcm, rawKey: .zeros(count: 20)) } == "CRYPTO-KEY-LENGTH")
        #expect(cryptoErrorCode { _ = try AEADCipher(.chacha20Poly1305, keyingMaterial: .zeros(count: 32)) } == "CRYPTO-KEY-LENGTH")
        #expect(cryptoErrorCode { _ = try AEADCipher.Algorithm.aesGCM(keyLength: 20, icvLength: 16) } == "CRYPTO-KEY-LENGTH")
        #expect(cryptoErrorCode { _ = try AEADCipher.Algorithm.aesGCM(keyLength: 16, icvLength: 10) } == "CRYPTO-UNSUPPORTED")
        let salted = try AEADCipher(gcm, keyingMaterial: .zeros(count: 20))
        for size in [0, 4, 12, 16] {
            #expect(cryptoErrorCode { _ = try salted.seal([1], iv: [UInt8](repeating: 0, count: size), aad: [UInt8]()) } == "CRYPTO-NONCE-LENGTH")
            #expect(cryptoErrorCode { _ = try salted.open([UInt8](repeating: 0, count: 32), iv: [UInt8](repeating: 0, count: size), aad: [UInt8]()) } == "CRYPTO-NONCE-LENGTH")
        }
        let raw = try AEADCipher(gcm, rawKey: .zeros(count: 16))
        #expect(cryptoErrorCode { _ = try raw.seal([1], iv: [UInt8](repeating: 0, count: 8), aad: [UInt8]()) } == "CRYPTO-NONCE-LENGTH")
    }

    @Test func parameters() throws {
        let p = try AEADCipher.Algorithm.aesGCM(keyLength: 32, icvLength: 8).parameters
        #expect(p.keyLength == 36 && p.saltLength == 4 && p.ivLength == 8 && p.icvLength == 8 && p.isAEAD && p.blockSize == 1)
        #expect(p.name == "AES-GCM-8-256")
        let c = AEADCipher.Algorithm.chacha20Poly1305.parameters
        #expect(c.keyLength == 36 && c.icvLength == 16 && c.ivLength == 8)
    }
}
