import COpenSSL

/// Every failure GroupKeyCrypto reports. Each case has a stable code for logs and tests.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An algorithm the standards forbid for this use (DES, NULL encryption, ...).
    case forbiddenAlgorithm(String)
    /// An IANA number groupkey does not implement.
    case unsupportedAlgorithm(String)
    /// A key of the wrong length for the algorithm.
    case invalidKeyLength(algorithm: String, expected: [Int], actual: Int)
    /// An IV, nonce or salt of the wrong length.
    case invalidNonceLength(expected: Int, actual: Int)
    /// Input whose length the operation cannot take (e.g. CBC input not a block multiple).
    case invalidInputLength(String)
    /// A peer's key-exchange public value failed validation (RFC 7296 §2.12, RFC 8031 §3.2).
    case invalidPublicValue(String)
    /// An ICV, tag or MAC did not verify. Deliberately carries no detail.
    case authenticationFailed
    /// AES key unwrap failed its integrity check (RFC 3394 §2.2.3, RFC 5649 §3).
    case unwrapFailed
    /// A signature did not verify.
    case signatureInvalid
    /// A key, certificate or AlgorithmIdentifier could not be decoded.
    case malformedEncoding(String)
    /// Certificate path validation failed, with OpenSSL's reason.
    case certificateRejected(String)
    /// prf+ was asked for more than 255 blocks (RFC 7296 §2.13).
    case prfPlusOutputTooLong(requested: Int, maximum: Int)
    /// OpenSSL reported an error we did not anticipate.
    case openSSL(operation: String, reason: String)

    /// Stable short code, used in logs and by tests.
    public var code: String {
        switch self {
        case .forbiddenAlgorithm: return "CRYPTO-FORBIDDEN"
        case .unsupportedAlgorithm: return "CRYPTO-UNSUPPORTED"
        case .invalidKeyLength: return "CRYPTO-KEY-LENGTH"
        case .invalidNonceLength: return "CRYPTO-NONCE-LENGTH"
        case .invalidInputLength: return "CRYPTO-INPUT-LENGTH"
        case .invalidPublicValue: return "CRYPTO-PUBLIC-VALUE"
        case .authenticationFailed: return "CRYPTO-AUTH-FAILED"
        case .unwrapFailed: return "CRYPTO-UNWRAP-FAILED"
        case .signatureInvalid: return "CRYPTO-SIGNATURE-INVALID"
        case .malformedEncoding: return "CRYPTO-ENCODING"
        case .certificateRejected: return "CRYPTO-CERTIFICATE"
        case .prfPlusOutputTooLong: return "CRYPTO-PRFPLUS-LENGTH"
        case .openSSL: return "CRYPTO-OPENSSL"
        }
    }

    public var description: String {
        switch self {
        case .forbiddenAlgorithm(let what): return "\(code): \(what) is forbidden"
        case .unsupportedAlgorithm(let what): return "\(code): \(what) is not supported"
        case .invalidKeyLength(let alg, let expected, let actual):
            return "\(code): \(alg) takes a key of \(expected.map(String.init).joined(separator: " or ")) octets, got \(actual)"
        case .invalidNonceLength(let expected, let actual):
            return "\(code): expected \(expected) octets of IV/nonce, got \(actual)"
        case .invalidInputLength(let what): return "\(code): \(what)"
        case .invalidPublicValue(let why): return "\(code): peer public value rejected: \(why)"
        case .authenticationFailed: return "\(code): integrity check failed"
        case .unwrapFailed: return "\(code): key unwrap integrity check failed"
        case .signatureInvalid: return "\(code): signature does not verify"
        case .malformedEncoding(let what): return "\(code): \(what)"
        case .certificateRejected(let why): return "\(code): certificate rejected: \(why)"
        case .prfPlusOutputTooLong(let requested, let maximum):
            return "\(code): prf+ asked for \(requested) octets, at most \(maximum) possible"
        case .openSSL(let op, let reason): return "\(code): \(op) failed: \(reason)"
        }
    }
}

extension CryptoError {
    /// Builds an `.openSSL` error from OpenSSL's thread-local error queue and clears the queue,
    /// so that a later failure does not report a stale reason.
    static func fromOpenSSL(_ operation: String) -> CryptoError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .openSSL(operation: operation, reason: reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; "))
    }

    /// Discards whatever OpenSSL left in its error queue after an expected failure.
    static func clearOpenSSLErrors() {
        ERR_clear_error()
    }
}

/// Calls an OpenSSL function that returns 1 on success and throws the queued reason otherwise.
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
    guard result == 1 else { throw CryptoError.fromOpenSSL(operation()) }
}
