/// Where a diagnostic points: the file as the caller named it, a 1-based line (0 when libxml2
/// could not tell), and the element path when one is known.
public struct XMLDiagnostic: Sendable, Equatable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable {
        case warning
        case error
    }

    public var file: String
    public var line: Int
    public var elementPath: String?
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, elementPath: String? = nil, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.elementPath = elementPath
        self.message = message
        self.severity = severity
    }
}

/// The one error type of XMLSupport. Each case has a stable code that scripts may match on.
public enum XMLSupportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input is larger than `SafeXMLParser.maximumInputBytes`.
    case inputTooLarge(file: String, bytes: Int)
    /// The input is not well-formed XML (or not UTF-8); every libxml2 message is kept.
    case malformed(file: String, diagnostics: [XMLDiagnostic])
    /// The input declares a document type. Policies never need one, and a DTD is where entity
    /// bombs and external entities live, so any DOCTYPE is refused before its subset is read.
    case doctypeForbidden(file: String, line: Int)
    /// The input declares an encoding other than UTF-8.
    case encodingNotUTF8(file: String, declared: String)
    /// The XSD itself failed to compile.
    case schemaInvalid(diagnostics: [XMLDiagnostic])
    /// An XPath expression failed to compile or evaluate.
    case xpathFailed(expression: String)

    /// Stable identifier, independent of the message wording.
    public var code: String {
        switch self {
        case .inputTooLarge: return "XML001"
        case .malformed: return "XML002"
        case .doctypeForbidden: return "XML003"
        case .encodingNotUTF8: return "XML004"
        case .schemaInvalid: return "XML005"
        case .xpathFailed: return "XML006"
        }
    }

    /// The diagnostics this error carries, one per libxml2 message (or one summary).
    public var diagnostics: [XMLDiagnostic] {
        switch self {
        case .inputTooLarge(let file, let bytes):
            return [XMLDiagnostic(file: file, line: 0,
                                  message: "input of \(bytes) bytes exceeds the \(SafeXMLParser.maximumInputBytes)-byte limit")]
        case .malformed(_, let diagnostics), .schemaInvalid(let diagnostics):
            return diagnostics
        case .doctypeForbidden(let file, let line):
            return [XMLDiagnostic(file: file, line: line,
                                  message: "DOCTYPE declarations are not accepted (no DTDs, no entities)")]
        case .encodingNotUTF8(let file, let declared):
            return [XMLDiagnostic(file: file, line: 1, message: "declared encoding \(declared) is not UTF-8")]
        case .xpathFailed(let expression):
            return [XMLDiagnostic(file: "", line: 0, message: "XPath expression failed: \(expression)")]
        }
    }

    public var description: String {
        let first = diagnostics.first.map { "\($0.file):\($0.line): \($0.message)" } ?? ""
        return "\(code) \(first)"
    }
}
