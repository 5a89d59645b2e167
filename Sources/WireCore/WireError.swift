/// Every way a datagram can fail to be a well-formed IKEv2 or ISAKMP message. Each case names the
/// payload (or structure) being parsed and the byte offset in the whole message where the problem
/// was found, so a log line points straight at the octet, and each has a stable code for tests.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer octets remain than the field needs.
    case truncated(payload: String, field: String, offset: Int, needed: Int, available: Int)
    /// A length field that is too small, too large, or disagrees with the enclosing structure.
    case invalidLength(payload: String, offset: Int, declared: Int, reason: String)
    /// A count field that disagrees with what was found.
    case invalidCount(payload: String, offset: Int, declared: Int, found: Int)
    /// A RESERVED field that a receiver must check is not zero (RFC 2408 §2.5.2).
    case reservedNotZero(payload: String, offset: Int)
    /// A data attribute that is malformed or sent in the wrong format (AF bit; RFC 2408 §3.3,
    /// RFC 7296 §3.3.5).
    case invalidAttribute(payload: String, offset: Int, attributeType: UInt16, reason: String)
    /// A field holding a value the format forbids.
    case invalidValue(payload: String, offset: Int, field: String, value: Int)
    /// A structure larger than a named limit allows.
    case limitExceeded(payload: String, offset: Int, limit: String, value: Int)
    /// Octets left over after a structure that must fill its container exactly.
    case trailingData(payload: String, offset: Int, count: Int)
    /// A major version this codec does not speak (RFC 7296 §3.1: answer INVALID_MAJOR_VERSION).
    case unsupportedVersion(offset: Int, major: UInt8, minor: UInt8)
    /// An IKEv2 payload of unknown type with the critical bit set (RFC 7296 §2.5: the engine answers
    /// UNSUPPORTED_CRITICAL_PAYLOAD with this type in the notification data).
    case unsupportedCriticalPayload(payloadType: UInt8, offset: Int)
    /// A message whose payloads break the rules of its exchange (which, how many, where, order).
    case ruleViolation(exchange: String, payload: String, offset: Int, reason: String)

    /// Stable short code, used in logs and by tests.
    public var code: String {
        switch self {
        case .truncated: return "WIRE-TRUNCATED"
        case .invalidLength: return "WIRE-LENGTH"
        case .invalidCount: return "WIRE-COUNT"
        case .reservedNotZero: return "WIRE-RESERVED"
        case .invalidAttribute: return "WIRE-ATTRIBUTE"
        case .invalidValue: return "WIRE-VALUE"
        case .limitExceeded: return "WIRE-LIMIT"
        case .trailingData: return "WIRE-TRAILING"
        case .unsupportedVersion: return "WIRE-VERSION"
        case .unsupportedCriticalPayload: return "WIRE-CRITICAL"
        case .ruleViolation: return "WIRE-RULE"
        }
    }

    /// The payload or structure the error concerns.
    public var payload: String {
        switch self {
        case .truncated(let payload, _, _, _, _), .invalidLength(let payload, _, _, _),
             .invalidCount(let payload, _, _, _), .reservedNotZero(let payload, _),
             .invalidAttribute(let payload, _, _, _), .invalidValue(let payload, _, _, _),
             .limitExceeded(let payload, _, _, _), .trailingData(let payload, _, _),
             .ruleViolation(_, let payload, _, _):
            return payload
        case .unsupportedVersion: return "header"
        case .unsupportedCriticalPayload(let type, _): return "payload type \(type)"
        }
    }

    /// Offset in the message (from the first octet of the IKE/ISAKMP header) of the problem.
    public var offset: Int {
        switch self {
        case .truncated(_, _, let offset, _, _), .invalidLength(_, let offset, _, _),
             .invalidCount(_, let offset, _, _), .reservedNotZero(_, let offset),
             .invalidAttribute(_, let offset, _, _), .invalidValue(_, let offset, _, _),
             .limitExceeded(_, let offset, _, _), .trailingData(_, let offset, _),
             .unsupportedVersion(let offset, _, _), .unsupportedCriticalPayload(_, let offset),
             .ruleViolation(_, _, let offset, _):
            return offset
        }
    }

    public var description: String {
        switch self {
        case .truncated(let payload, let field, let offset, let needed, let available):
            return "\(code): \(payload).\(field) at offset \(offset) needs \(needed) octets, \(available) remain"
        case .invalidLength(let payload, let offset, let declared, let reason):
            return "\(code): \(payload) at offset \(offset): length \(declared) \(reason)"
        case .invalidCount(let payload, let offset, let declared, let found):
            return "\(code): \(payload) at offset \(offset) declares \(declared) entries, found \(found)"
        case .reservedNotZero(let payload, let offset):
            return "\(code): \(payload) RESERVED at offset \(offset) is not zero"
        case .invalidAttribute(let payload, let offset, let type, let reason):
            return "\(code): \(payload) attribute \(type) at offset \(offset): \(reason)"
        case .invalidValue(let payload, let offset, let field, let value):
            return "\(code): \(payload).\(field) at offset \(offset) has forbidden value \(value)"
        case .limitExceeded(let payload, let offset, let limit, let value):
            return "\(code): \(payload) at offset \(offset): \(value) exceeds \(limit)"
        case .trailingData(let payload, let offset, let count):
            return "\(code): \(count) unexpected octets after \(payload) at offset \(offset)"
        case .unsupportedVersion(let offset, let major, let minor):
            return "\(code): version \(major).\(minor) at offset \(offset) is not spoken here"
        case .unsupportedCriticalPayload(let type, let offset):
            return "\(code): unknown payload type \(type) marked critical at offset \(offset)"
        case .ruleViolation(let exchange, let payload, let offset, let reason):
            return "\(code): \(exchange): \(payload) at offset \(offset): \(reason)"
        }
    }
}
