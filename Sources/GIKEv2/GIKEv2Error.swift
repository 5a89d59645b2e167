import WireCore

/// Every way a G-IKEv2 exchange can fail, each with a stable code. Engines never crash on what a
/// peer sends: they log one of these and answer or drop as RFC 7296 §2.21 and RFC 9838 §4.7 say.
public enum GIKEv2Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The datagram is not a well-formed message, or breaks its exchange's payload rules.
    case malformed(WireError)
    /// Decryption or the ICV failed (RFC 7296 §2.21: drop silently).
    case integrityCheckFailed
    /// A message that does not fit the exchange's state (wrong exchange, ID, flags or SPI).
    case unexpectedMessage(String)
    /// The peer's notification ended the exchange (error type, RFC 7296 §3.10.1; RFC 9838 §4.7).
    case peerRefused(notify: UInt16)
    /// No proposal we can accept, or a proposal the peer chose that we did not offer.
    case noProposalChosen(String)
    /// The peer's AUTH did not verify (RFC 7296 §2.15).
    case authenticationFailed
    /// What the GCKS sent fails a check the GM must make (policy, keys, transforms).
    case invalidGroupPolicy(String)
    /// The key-exchange public value was refused, or crypto failed.
    case crypto(String)
    /// The initiator gave up after the last retransmission (RFC 7296 §2.1, §2.4).
    case timedOut

    public var code: String {
        switch self {
        case .malformed: return "GIKEV2-MALFORMED"
        case .integrityCheckFailed: return "GIKEV2-ICV"
        case .unexpectedMessage: return "GIKEV2-UNEXPECTED"
        case .peerRefused: return "GIKEV2-REFUSED"
        case .noProposalChosen: return "GIKEV2-NO-PROPOSAL"
        case .authenticationFailed: return "GIKEV2-AUTH-FAILED"
        case .invalidGroupPolicy: return "GIKEV2-POLICY"
        case .crypto: return "GIKEV2-CRYPTO"
        case .timedOut: return "GIKEV2-TIMEOUT"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let error): return "\(code): \(error)"
        case .integrityCheckFailed: return "\(code): integrity check failed"
        case .unexpectedMessage(let what): return "\(code): \(what)"
        case .peerRefused(let notify): return "\(code): peer answered \(NotifyName.of(notify))"
        case .noProposalChosen(let what): return "\(code): \(what)"
        case .authenticationFailed: return "\(code): AUTH did not verify"
        case .invalidGroupPolicy(let what): return "\(code): \(what)"
        case .crypto(let what): return "\(code): \(what)"
        case .timedOut: return "\(code): no answer after the last retransmission"
        }
    }
}

/// Names of the notifications the engines send and expect, for logs.
public enum NotifyName {
    public static func of(_ type: UInt16) -> String {
        switch type {
        case 7: return "INVALID_SYNTAX"
        case 14: return "NO_PROPOSAL_CHOSEN"
        case 17: return "INVALID_KE_PAYLOAD"
        case 24: return "AUTHENTICATION_FAILED"
        case 43: return "TEMPORARY_FAILURE"
        case 45: return "INVALID_GROUP_ID"
        case 46: return "AUTHORIZATION_FAILED"
        case 49: return "REGISTRATION_FAILED"
        case 16390: return "COOKIE"
        default: return "notify \(type)"
        }
    }
}
