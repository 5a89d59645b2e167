import GroupKeyTestSupport
import GroupKeyTypes
import Testing
@testable import GroupKeyCrypto

/// Peer-controlled input of every shape gives a result or a CryptoError, never a crash.
@Suite struct AsymmetricRobustnessTests {
    /// A small deterministic generator so failures reproduce.
    struct Stream {
        var state: UInt64
        mutating func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
    }

    @Test func randomPublicValues() throws {
        var stream = Stream(state: 7)
        for id in KeyExchangeMethodID.allCases where id != .modp768 {
            let m = try KeyExchangeMethod(id)
            let key = try m.generate()
            for length in [0, 1, m.publicValueLength - 1, m.publicValueLength, m.publicValueLength, m.publicValueLength + 1] {
                do {
                    let secret = try key.sharedSecret(peerPublicValue: stream.bytes(max(length, 0)))
                    #expect(secret.count == m.sharedSecretLength)
                } catch let error as CryptoError {
                    #expect(error.code == "CRYPTO-PUBLIC-VALUE", "\(id): \(error)")
                }
            }
        }
    }

    @Test func randomAndMutatedAuthData() throws {
        var stream = Stream(state: 11)
        let key = try SigningKey(pem: VectorLoader.text(named: "sig-ecp256-private.pem", in: .module))
        let verifier = try key.verifyingKey
        let good = try DigitalSignatureAuthentication.sign([1, 2, 3], with: key, scheme: .ecdsa(.sha256)).encoded
        for round in 0..<400 {
            var data = round < 200 ? stream.bytes(Int(stream.next() % 90)) : good
            if round >= 200 { data[Int(stream.next()) % data.count] ^= max(stream.next(), 1) }
            do {
                try DigitalSignatureAuthentication(decoding: data).verify([1, 2, 3], with: verifier)
                Issue.record("mutated AUTH data verified: \(Hex.encode(data))")
            } catch is CryptoError {
                continue
            }
        }
    }

    @Test func randomKeyAndCertificateBytes() {
        var stream = Stream(state: 13)
        for _ in 0..<200 {
            let bytes = [0x30] + stream.bytes(Int(stream.next()))
            #expect(throws: CryptoError.self) { _ = try SigningKey(pemOrDER: bytes) }
            #expect(throws: CryptoError.self) { _ = try VerifyingKey(pemOrDER: bytes) }
            #expect(throws: CryptoError.self) { _ = try Certificate(der: bytes) }
        }
    }
}
