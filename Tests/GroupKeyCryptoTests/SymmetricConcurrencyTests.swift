import Testing
@testable import GroupKeyCrypto

/// One keyed object serves many packets and may be shared between tasks: its re-used OpenSSL
/// contexts must never mix two messages' state.
@Suite struct SymmetricConcurrencyTests {
    @Test func sharedObjectsUnderParallelUse() async throws {
        let aead = try AEADCipher(.aesGCM(keyLength: 16, icvLength: 16), keyingMaterial: .zeros(count: 20))
        let cbc = try CBCCipher(.aes256, key: SecretBytes([UInt8](repeating: 3, count: 32)))
        let mac = try IntegrityTransform(.hmacSHA2_256_128, key: SecretBytes([UInt8](repeating: 5, count: 32)))
        let kwp = try AESKeyWrap(mode: .rfc5649, kek: SecretBytes([UInt8](repeating: 9, count: 16)))
        // Answers computed one at a time first, then recomputed from eight tasks at once.
        func answer(_ n: Int) throws -> [UInt8] {
            let message = [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 64 + n % 3 * 16)
            let iv = withUnsafeBytes(of: UInt64(n).bigEndian) { Array($0) }
            let sealed = try aead.seal(message, iv: iv, aad: iv)
            guard try aead.open(sealed, iv: iv, aad: iv) == message else { return [] }
            let encrypted = try cbc.encrypt(message, iv: iv + iv)
            guard try cbc.decrypt(encrypted, iv: iv + iv) == message else { return [] }
            let wrapped = try kwp.wrap(key: SecretBytes(message.prefix(5 + n % 20)))
            guard try kwp.unwrap(wrapped) == SecretBytes(message.prefix(5 + n % 20)) else { return [] }
            return sealed + encrypted + (try mac.compute([sealed, encrypted])) + wrapped
        }
        let expected = try (0..<400).map(answer)
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var bad = 0
                    for n in stride(from: worker, to: 400, by: 8) where try answer(n) != expected[n] { bad += 1 }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(!expected.contains([]))
    }
}
