/// Why a GROUPKEY-PULL, GROUPKEY-PUSH or PUSH-ACK message was refused or could not be built. Each
/// case has a stable code for logs and tests; none carries key material.
public enum GroupKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message did not parse or broke the payload rules of its exchange.
    case malformed(String)
    /// A HASH payload did not verify (RFC 6407 §3.2; RFC 8263 §3.2).
    case hashMismatch(message: Int)
    /// The GROUPKEY-PUSH signature did not verify (RFC 6407 §4).
    case badSignature
    /// A GROUPKEY-PUSH whose SEQ is not above the last one accepted (RFC 6407 §3.3, §4.4).
    case staleSequence(received: UInt32, last: UInt32)
    /// Decryption failed (wrong key, length not a multiple of the block).
    case decryption(String)
    /// The key server named a policy this member cannot use.
    case unacceptablePolicy(String)
    /// The key server refused with an ISAKMP notification (RFC 2408 §3.14.1).
    case refused(notify: UInt16)
    /// Something the builder needs is missing or unusable (policy, keys).
    case cannotBuild(String)
    /// A message arrived that the exchange does not expect now.
    case unexpected(String)

    public var code: String {
        switch self {
        case .malformed: return "GROUPKEY-MALFORMED"
        case .hashMismatch: return "GROUPKEY-HASH"
        case .badSignature: return "GROUPKEY-SIGNATURE"
        case .staleSequence: return "GROUPKEY-REPLAY"
        case .decryption: return "GROUPKEY-DECRYPT"
        case .unacceptablePolicy: return "GROUPKEY-POLICY"
        case .refused: return "GROUPKEY-REFUSED"
        case .cannotBuild: return "GROUPKEY-BUILD"
        case .unexpected: return "GROUPKEY-UNEXPECTED"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): return "\(code): \(why)"
        case .hashMismatch(let message): return "\(code): HASH(\(message)) does not verify"
        case .badSignature: return "\(code): the GROUPKEY-PUSH signature does not verify"
        case .staleSequence(let received, let last): return "\(code): SEQ \(received) is not above \(last)"
        case .decryption(let why): return "\(code): \(why)"
        case .unacceptablePolicy(let why): return "\(code): \(why)"
        case .refused(let notify): return "\(code): the key server answered notification \(notify)"
        case .cannotBuild(let why): return "\(code): \(why)"
        case .unexpected(let why): return "\(code): \(why)"
        }
    }
}
