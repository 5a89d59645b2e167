import Foundation
import GroupKeyCrypto

/// Whether an AUTH_KEY (RFC 9838 §4.5.3.2: a DER SubjectPublicKeyInfo) is a public key OpenSSL
/// can verify with. Parsing one costs about 0.3 ms (OpenSSL 3's decoder), and every member of a
/// group receives the same key, so the octets of keys that parsed are remembered (a handful, by
/// exact value): the answer for the same octets cannot differ.
enum AuthKeyCheck {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var parsed: [[UInt8]] = []
    static let remembered = 8

    static func check(_ subjectPublicKeyInfo: [UInt8]) throws {
        if lock.withLock({ parsed.contains(subjectPublicKeyInfo) }) { return }
        _ = try VerifyingKey(subjectPublicKeyInfo: subjectPublicKeyInfo)
        lock.withLock {
            if parsed.count >= remembered { parsed.removeFirst() }
            parsed.append(subjectPublicKeyInfo)
        }
    }
}
