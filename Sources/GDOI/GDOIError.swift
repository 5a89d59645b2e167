import WireCore

/// Every way a GDOI exchange (IKEv1 phase 1, Informational, GROUPKEY-PULL, GROUPKEY-PUSH) can fail,
/// each with a stable code. Engines never crash on what a peer sends: they log one of these and
/// answer with a Notify (RFC 2408 §3.14.1) or drop, as the exchange's RFC says.
public enum GDOIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The datagram is not a well-formed message, or breaks its exchange's payload rules
    /// (PAYLOAD-MALFORMED, INVALID-PAYLOAD-TYPE, RFC 2408 §5.1).
    case malformed(String)
    /// Decryption failed, or the decrypted payloads do not parse (RFC 2408 §5.1: drop).
    case decryptionFailed
    /// A HASH, HASH_I/HASH_R or SIG did not verify (RFC 2409 §5; INVALID-HASH-INFORMATION,
    /// AUTHENTICATION-FAILED, INVALID-SIGNATURE).
    case authenticationFailed(String)
    /// No proposal we can accept (NO-PROPOSAL-CHOSEN, RFC 2408 §5.4), or the peer chose one we did
    /// not offer.
    case noProposalChosen(String)
    /// A message that does not fit the exchange's state (wrong exchange, message ID, cookies, flags).
    case unexpectedMessage(String)
    /// Cookies that name no SA we hold (INVALID-COOKIE, RFC 2408 §3.14.1).
    case unknownCookies
    /// The group ID names no group we serve (INVALID-ID-INFORMATION, RFC 6407 §3.2).
    case unknownGroup(String)
    /// The authenticated peer is not on the group's authorization list (RFC 6407 §3.2:
    /// AUTHORIZATION-FAILED).
    case notAuthorized(String)
    /// A replayed or out-of-order message (SEQ, RFC 6407 §4.2; a repeated phase-2 message ID).
    case replay(String)
    /// The peer's Notify ended the exchange (RFC 2408 §3.14.1 error types).
    case peerRefused(notify: UInt16)
    /// The key-exchange value was refused, or a cryptographic operation failed.
    case crypto(String)
    /// The initiator gave up after the last retransmission.
    case timedOut
    /// Our own configuration or state cannot do what was asked (a bug or a bad setup, never the peer).
    case `internal`(String)

    public var code: String {
        switch self {
        case .malformed: return "GDOI-MALFORMED"
        case .decryptionFailed: return "GDOI-DECRYPT"
        case .authenticationFailed: return "GDOI-AUTH-FAILED"
        case .noProposalChosen: return "GDOI-NO-PROPOSAL"
        case .unexpectedMessage: return "GDOI-UNEXPECTED"
        case .unknownCookies: return "GDOI-UNKNOWN-COOKIES"
        case .unknownGroup: return "GDOI-UNKNOWN-GROUP"
        case .notAuthorized: return "GDOI-NOT-AUTHORIZED"
        case .replay: return "GDOI-REPLAY"
        case .peerRefused: return "GDOI-REFUSED"
        case .crypto: return "GDOI-CRYPTO"
        case .timedOut: return "GDOI-TIMEOUT"
        case .internal: return "GDOI-INTERNAL"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let what), .authenticationFailed(let what), .noProposalChosen(let what),
             .unexpectedMessage(let what), .unknownGroup(let what), .notAuthorized(let what), .replay(let what),
             .crypto(let what), .internal(let what):
            return "\(code): \(what)"
        case .decryptionFailed: return "\(code): the encrypted payloads did not decrypt to a valid chain"
        case .unknownCookies: return "\(code): no SA with these cookies"
        case .peerRefused(let notify): return "\(code): peer answered \(ISAKMPNotifyName.of(notify))"
        case .timedOut: return "\(code): no answer after the last retransmission"
        }
    }

    /// A wire error from a GDOIWire codec, kept as its description.
    public static func wire(_ error: any Error) -> GDOIError {
        if let error = error as? GDOIError { return error }
        return .malformed("\(error)")
    }
}

/// ISAKMP Notify Message Types (RFC 2408 §3.14.1; RFC 3706 §5; IANA), and names for logs.
public enum ISAKMPNotifyType {
    public static let invalidPayloadType: UInt16 = 1
    public static let doiNotSupported: UInt16 = 2
    public static let invalidCookie: UInt16 = 4
    public static let invalidExchangeType: UInt16 = 7
    public static let invalidFlags: UInt16 = 8
    public static let invalidMessageID: UInt16 = 9
    public static let invalidProtocolID: UInt16 = 10
    public static let invalidSPI: UInt16 = 11
    public static let attributesNotSupported: UInt16 = 13
    public static let noProposalChosen: UInt16 = 14
    public static let payloadMalformed: UInt16 = 16
    public static let invalidKeyInformation: UInt16 = 17
    public static let invalidIDInformation: UInt16 = 18
    public static let invalidCertEncoding: UInt16 = 19
    public static let invalidCertificate: UInt16 = 20
    public static let invalidHashInformation: UInt16 = 23
    public static let authenticationFailed: UInt16 = 24
    public static let invalidSignature: UInt16 = 25
    public static let unsupportedExchangeType: UInt16 = 29
    public static let unequalPayloadLengths: UInt16 = 30
    public static let rUThere: UInt16 = 36136      // RFC 3706 §5
    public static let rUThereAck: UInt16 = 36137   // RFC 3706 §5
}

public enum ISAKMPNotifyName {
    public static func of(_ type: UInt16) -> String {
        switch type {
        case 1: return "INVALID-PAYLOAD-TYPE"
        case 2: return "DOI-NOT-SUPPORTED"
        case 4: return "INVALID-COOKIE"
        case 7: return "INVALID-EXCHANGE-TYPE"
        case 8: return "INVALID-FLAGS"
        case 9: return "INVALID-MESSAGE-ID"
        case 10: return "INVALID-PROTOCOL-ID"
        case 11: return "INVALID-SPI"
        case 13: return "ATTRIBUTES-NOT-SUPPORTED"
        case 14: return "NO-PROPOSAL-CHOSEN"
        case 16: return "PAYLOAD-MALFORMED"
        case 17: return "INVALID-KEY-INFORMATION"
        case 18: return "INVALID-ID-INFORMATION"
        case 19: return "INVALID-CERT-ENCODING"
        case 20: return "INVALID-CERTIFICATE"
        case 23: return "INVALID-HASH-INFORMATION"
        case 24: return "AUTHENTICATION-FAILED"
        case 25: return "INVALID-SIGNATURE"
        case 29: return "UNSUPPORTED-EXCHANGE-TYPE"
        case 30: return "UNEQUAL-PAYLOAD-LENGTHS"
        case 36136: return "R-U-THERE"
        case 36137: return "R-U-THERE-ACK"
        default: return "notify \(type)"
        }
    }
}
