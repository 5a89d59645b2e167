/// The one error type of GroupPolicy, for callers that want a model or nothing. Validation
/// itself never throws: it returns findings.
public enum GroupPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The policy has findings at error level; all of them are attached.
    case invalidPolicy([PolicyFinding])
    /// A path could not be read.
    case unreadable(path: String, reason: String)

    public var code: String {
        switch self {
        case .invalidPolicy: return "POLICY001"
        case .unreadable: return "POLICY002"
        }
    }

    public var description: String {
        switch self {
        case .invalidPolicy(let findings):
            let first = findings.first.map { "\($0.file):\($0.line): \($0.code.rawValue) \($0.message)" } ?? ""
            return "\(code) \(findings.count) error finding(s); first: \(first)"
        case .unreadable(let path, let reason):
            return "\(code) cannot read \(path): \(reason)"
        }
    }
}
