import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct KeyWrapVectorFile: Decodable {
    struct Case: Decodable { let name: String; let padded: Bool; let kek, key, wrapped: String }
    struct Invalid: Decodable { let name, kek, wrapped: String }
    let source: String
    let cases: [Case]
    let invalid: [Invalid]
}

@Suite struct AESKeyWrapTests {
    static let file = try? VectorLoader.load(KeyWrapVectorFile.self, named: "aes-keywrap.json", in: .module)

    private func keyWrap(_ c: KeyWrapVectorFile.Case) throws -> AESKeyWrap {
        try AESKeyWrap(mode: c.padded ? .rfc5649 : .rfc3394, kek: secret(c.kek))
    }

    @Test func knownAnswers() throws {
        let file = try #require(Self.file)
        #expect(file.cases.filter { !$0.padded }.count == 6 && file.cases.filter(\.padded).count == 2)
        for c in file.cases {
            let kw = try keyWrap(c)
            #expect(try kw.wrap(key: secret(c.key)) == Hex.decode(c.wrapped), "\(c.name)")
            #expect(try kw.unwrap(Hex.decode(c.wrapped)) == secret(c.key), "\(c.name)")
            #expect(try kw.wrap(key: secret(c.key)) == Hex.decode(c.wrapped), "\(c.name) reused")
            #expect(kw.parameters.keyLength == Hex.decode(c.kek).count)
        }
    }

    /// Flip every bit of every wrapped vector in turn: each unwrap must fail its integrity check.
    @Test func everyCorruptionIsRejected() throws {
        let file = try #require(Self.file)
        for c in file.cases {
            let kw = try keyWrap(c)
            let wrapped = Hex.decode(c.wrapped)
            for bit in 0..<(wrapped.count * 8) {
                #expect(throws: CryptoError.unwrapFailed) { try kw.unwrap(flippingBit(bit, of: wrapped)) }
            }
            #expect(throws: CryptoError.unwrapFailed) { try kw.unwrap(Array(wrapped.dropLast(8))) }
            #expect(throws: CryptoError.unwrapFailed) { try kw.unwrap(Array(wrapped.dropLast())) }
            #expect(throws: CryptoError.unwrapFailed) { try kw.unwrap(wrapped + [UInt8](repeating: 0, count: 8)) }
            #expect(throws: CryptoError.unwrapFailed) { try kw.unwrap([UInt8]()) }
            // The right blob still unwraps after all those failures.
            #expect(try kw.unwrap(wrapped) == secret(c.key))
        }
    }

    @Test func wrongKEKOrWrongModeIsRejected() throws {
        let file = try #require(Self.file)
        for c in file.cases {
            let wrapped = Hex.decode(c.wrapped)
            var otherKEK = Hex.decode(c.kek)
            otherKEK[0] ^= 1
            let wrongKEK = try AESKeyWrap(mode: c.padded ? .rfc5649 : .rfc3394, kek: SecretBytes(otherKEK))
            #expect(throws: CryptoError.unwrapFailed) { try wrongKEK.unwrap(wrapped) }
            // RFC 3394's IV and RFC 5649's AIV differ in their first 32 bits (RFC 5649 §3).
            let otherMode = try AESKeyWrap(mode: c.padded ? .rfc3394 : .rfc5649, kek: secret(c.kek))
            #expect(throws: CryptoError.unwrapFailed) { try otherMode.unwrap(wrapped) }
        }
    }

    /// RFC 5649 §3 checks, each broken alone in a correctly encrypted blob (see the generator).
    @Test func rfc5649IntegrityChecks() throws {
        let file = try #require(Self.file)
        #expect(file.invalid.count == 5)
        for c in file.invalid {
            let kw = try AESKeyWrap(mode: .rfc5649, kek: secret(c.kek))
            #expect(throws: CryptoError.unwrapFailed, "\(c.name)") { try kw.unwrap(Hex.decode(c.wrapped)) }
        }
    }

    @Test func paddedWrapRoundTripsEveryShortLength() throws {
        let kw = try AESKeyWrap(mode: .rfc5649, kek: secret("000102030405060708090a0b0c0d0e0f"))
        for length in 1...40 {
            let key = SecretBytes((0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
            let wrapped = try kw.wrap(key: key)
            #expect(wrapped.count == (length + 7) / 8 * 8 + 8)
            #expect(try kw.unwrap(wrapped) == key, "length \(length)")
        }
    }

    @Test func inputRules() throws {
        let kw = try AESKeyWrap(mode: .rfc3394, kek: .zeros(count: 16))
        for size in [0, 8, 15, 20] {  // RFC 3394: multiple of 8 and at least 16
            #expect(cryptoErrorCode { _ = try kw.wrap(key: .zeros(count: size)) } == "CRYPTO-INPUT-LENGTH", "\(size)")
        }
        let kwp = try AESKeyWrap(mode: .rfc5649, kek: .zeros(count: 32))
        #expect(cryptoErrorCode { _ = try kwp.wrap(key: .zeros(count: 0)) } == "CRYPTO-INPUT-LENGTH")
        for size in [0, 15, 17, 64] {
            #expect(cryptoErrorCode { _ = try AESKeyWrap(mode: .rfc5649, kek: .zeros(count: size)) } == "CRYPTO-KEY-LENGTH")
        }
        let algorithm = try AESKeyWrap.Algorithm(mode: .rfc5649, kekLength: 24)
        #expect(cryptoErrorCode { _ = try AESKeyWrap(algorithm, kek: .zeros(count: 16)) } == "CRYPTO-KEY-LENGTH")
    }
}
