import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct CBCVectorFile: Decodable {
    struct Case: Decodable { let name, algorithm, source, key, iv, plaintext, ciphertext: String }
    let source: String
    let cases: [Case]
}

@Suite struct CBCCipherTests {
    static let vectors: [CBCVectorFile.Case] = (try? VectorLoader.load(CBCVectorFile.self, named: "cbc.json", in: .module).cases) ?? []

    private func algorithm(for c: CBCVectorFile.Case) throws -> CBCCipher.Algorithm {
        c.algorithm == "3DES" ? .tripleDES : try CBCCipher.Algorithm(aesKeyLength: Hex.decode(c.key).count)
    }

    @Test func knownAnswers() throws {
        #expect(Self.vectors.count == 4)
        for c in Self.vectors {
            let cipher = try CBCCipher(try algorithm(for: c), key: secret(c.key))
            let iv = Hex.decode(c.iv), plaintext = Hex.decode(c.plaintext), ciphertext = Hex.decode(c.ciphertext)
            #expect(try cipher.encrypt(plaintext, iv: iv) == ciphertext, "\(c.name)")
            #expect(try cipher.decrypt(ciphertext, iv: iv) == plaintext, "\(c.name)")
            // Keyed once, used again: the second message must not inherit the first one's chain.
            #expect(try cipher.encrypt(plaintext, iv: iv) == ciphertext, "\(c.name) reused")
        }
    }

    @Test func messagesAreIndependentOnOneKey() throws {
        let c = try #require(Self.vectors.first)
        let cipher = try CBCCipher(.aes128, key: secret(c.key))
        let iv = Hex.decode(c.iv), plaintext = Hex.decode(c.plaintext)
        // SP 800-38A F.2.1: the second block's ciphertext is the IV for the rest of the message.
        let whole = try cipher.encrypt(plaintext, iv: iv)
        let tail = try cipher.encrypt(Array(plaintext[16...]), iv: Array(whole[0..<16]))
        #expect(tail == Array(whole[16...]))
        #expect(try cipher.encrypt([UInt8](), iv: iv) == [])
    }

    @Test func keyMaterialDecryptsIntoSecretBytes() throws {
        for c in Self.vectors {
            let cipher = try CBCCipher(try algorithm(for: c), key: secret(c.key))
            #expect(try cipher.decryptKeyMaterial(Hex.decode(c.ciphertext), iv: Hex.decode(c.iv)) == secret(c.plaintext), "\(c.name)")
        }
        let aes = try CBCCipher(.aes128, key: .zeros(count: 16))
        #expect(cryptoErrorCode { _ = try aes.decryptKeyMaterial([UInt8](repeating: 0, count: 20), iv: [UInt8](repeating: 0, count: 16)) } == "CRYPTO-INPUT-LENGTH")
    }

    @Test func parametersDescribeTheCipher() throws {
        let aes = CBCCipher.Algorithm.aes256.parameters
        #expect(aes.keyLength == 32 && aes.ivLength == 16 && aes.blockSize == 16 && aes.icvLength == 0)
        #expect(!aes.isAEAD && !aes.isLegacy)
        let des3 = try CBCCipher(.tripleDES, key: secret("0123456789abcdef23456789abcdef01456789abcdef0123"))
        #expect(des3.isLegacy && des3.parameters.blockSize == 8 && des3.parameters.ivLength == 8)
    }

    @Test func wrongKeySizesAreRefused() {
        for (algorithm, size) in [(CBCCipher.Algorithm.aes128, 15), (.aes128, 24), (.aes192, 16), (.aes256, 31), (.tripleDES, 16), (.tripleDES, 8)] {
            #expect(cryptoErrorCode { _ = try CBCCipher(algorithm, key: .zeros(count: size)) } == "CRYPTO-KEY-LENGTH", "\(algorithm) \(size)")
        }
        #expect(cryptoErrorCode { _ = try CBCCipher.Algorithm(aesKeyLength: 20) } == "CRYPTO-KEY-LENGTH")
    }

    @Test func wrongIVSizesAreRefused() throws {
        let aes = try CBCCipher(.aes128, key: .zeros(count: 16))
        for size in [0, 8, 15, 17] {
            #expect(cryptoErrorCode { _ = try aes.encrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: size)) } == "CRYPTO-NONCE-LENGTH")
            #expect(cryptoErrorCode { _ = try aes.decrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: size)) } == "CRYPTO-NONCE-LENGTH")
        }
        let des3 = try CBCCipher(.tripleDES, key: secret("0123456789abcdef23456789abcdef01456789abcdef0123"))
        #expect(cryptoErrorCode { _ = try des3.encrypt([UInt8](repeating: 0, count: 8), iv: [UInt8](repeating: 0, count: 16)) } == "CRYPTO-NONCE-LENGTH")
    }

    @Test func inputMustBeWholeBlocks() throws {
        let aes = try CBCCipher(.aes192, key: .zeros(count: 24))
        let iv = [UInt8](repeating: 0, count: 16)
        for size in [1, 15, 17, 33] {
            #expect(cryptoErrorCode { _ = try aes.encrypt([UInt8](repeating: 0, count: size), iv: iv) } == "CRYPTO-INPUT-LENGTH")
            #expect(cryptoErrorCode { _ = try aes.decrypt([UInt8](repeating: 0, count: size), iv: iv) } == "CRYPTO-INPUT-LENGTH")
        }
        let des3 = try CBCCipher(.tripleDES, key: secret("0123456789abcdef23456789abcdef01456789abcdef0123"))
        #expect(cryptoErrorCode { _ = try des3.encrypt([UInt8](repeating: 0, count: 12), iv: [UInt8](repeating: 0, count: 8)) } == "CRYPTO-INPUT-LENGTH")
    }

    @Test func associatedDataIsRefused() throws {
        let aes = try CBCCipher(.aes128, key: .zeros(count: 16))
        #expect(cryptoErrorCode { _ = try aes.encrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: 16), aad: [1]) } == "CRYPTO-INPUT-LENGTH")
    }

    @Test func tripleDESThatCollapsesToSingleDESIsForbidden() {
        // K1 = K2 or K2 = K3 turns EDE into one DES encryption.
        for key in ["0123456789abcdef0123456789abcdef456789abcdef0123", "0123456789abcdef23456789abcdef0123456789abcdef01"] {
            #expect(cryptoErrorCode { _ = try CBCCipher(.tripleDES, key: secret(key)) } == "CRYPTO-FORBIDDEN")
        }
    }
}
