/// Known-answer tests run at start-up and by `groupkey selftest`, so an operator can see that the
/// OpenSSL build underneath gives the published answers (as FIPS power-on self-tests do).
public enum CryptoSelfTest {
    public struct Result: Sendable {
        public let name: String
        public let passed: Bool
    }

    public static func run() -> [Result] {
        checks.map { check in Result(name: check.name, passed: (try? check.body()) ?? false) }
    }

    private struct Check {
        let name: String
        let body: () throws -> Bool
    }

    private static var checks: [Check] {
        [
            Check(name: "HMAC-SHA2-256 (RFC 4231 test case 1)") {
                let mac = try HMAC(.sha256).authenticationCode(key: [UInt8](repeating: 0x0b, count: 20),
                                                                parts: [Array("Hi There".utf8)])
                return mac == hexBytes("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
            },
            Check(name: "HMAC-SHA2-512 (RFC 4231 test case 2)") {
                let mac = try HMAC(.sha512).authenticationCode(key: Array("Jefe".utf8),
                                                                parts: [Array("what do ya want for nothing?".utf8)])
                return mac == hexBytes("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
            },
            Check(name: "AES-128-GCM (GCM specification test case 4, with AAD)") {
                // IPsec form: the nonce's first 4 octets are the salt (RFC 4106 §4).
                let gcm = try AEADCipher(.aesGCM(keyLength: 16, icvLength: 16),
                                         keyingMaterial: SecretBytes(hexBytes("feffe9928665731c6d6a8f9467308308cafebabe")))
                let iv = hexBytes("facedbaddecaf888"), aad = hexBytes("feedfacedeadbeeffeedfacedeadbeefabaddad2")
                let plaintext = hexBytes("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
                let sealed = hexBytes("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
                                      + "5bc94fbc3221a5db94fae95ae7121a47")
                guard try gcm.seal(plaintext, iv: iv, aad: aad) == sealed, try gcm.open(sealed, iv: iv, aad: aad) == plaintext else { return false }
                var forged = sealed
                forged[forged.count - 1] ^= 1
                return (try? gcm.open(forged, iv: iv, aad: aad)) == nil
            },
            Check(name: "AES-KWP-192 (RFC 5649 section 6, 20-octet key)") {
                let kwp = try AESKeyWrap(mode: .rfc5649, kek: SecretBytes(hexBytes("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")))
                let key = SecretBytes(hexBytes("c37b7e6492584340bed12207808941155068f738"))
                let wrapped = hexBytes("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
                guard try kwp.wrap(key: key) == wrapped, try kwp.unwrap(wrapped) == key else { return false }
                var corrupted = wrapped
                corrupted[0] ^= 0x80
                return (try? kwp.unwrap(corrupted)) == nil
            },
            Check(name: "X25519 key exchange (RFC 7748 §6.1)") {
                let alice = try KeyExchangeMethod(.curve25519)
                    .importPrivateKey(hexBytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
                let shared = try alice.sharedSecret(
                    peerPublicValue: hexBytes("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
                return alice.publicValue == hexBytes("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
                    && shared == SecretBytes(hexBytes("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))
            },
        ]
    }
}

/// Hex text to octets; for embedded vectors only (a bad literal is a programming error).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    precondition(digits.count % 2 == 0, "odd hex literal")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("bad hex digit")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}
