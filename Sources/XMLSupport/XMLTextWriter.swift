/// Emits XML text in one fixed layout, so equal input always gives equal bytes: UTF-8, a
/// declaration line, two-space indentation, attributes in the order given, `"` quoting, empty
/// elements as `<name/>`, a final newline. Escaping covers every character that would change
/// the parse (RFC-free: XML 1.0 §2.4 and §3.3.3 attribute-value normalisation).
public struct XMLTextWriter: Sendable {
    /// UTF-8 octets: appending bytes is a copy, appending to a String re-checks it each time.
    private var output: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)
    private var open: [String] = []
    private static let indentUnit = "  "
    /// Indentation strings for the usual depths, built once rather than per line.
    private static let indents: [String] = (0..<16).map { String(repeating: indentUnit, count: $0) }

    public init() {}

    private var indent: String {
        open.count < Self.indents.count ? Self.indents[open.count] : String(repeating: Self.indentUnit, count: open.count)
    }

    /// Appends `<name key="value"...` (no closing bracket) straight onto the output.
    private mutating func appendTag(_ name: String, _ attributes: [(String, String)]) {
        append(indent)
        append("<")
        append(name)
        for (key, value) in attributes {
            append(" ")
            append(key)
            append("=\"")
            append(Self.escapeAttribute(value))
            append("\"")
        }
    }

    /// A comment on its own line. `--` cannot appear inside a comment, so it is spaced out.
    public mutating func comment(_ text: String) {
        append(indent + "<!-- " + Self.defuseComment(text) + " -->\n")
    }

    /// Opens an element whose children follow; the first element opened may carry `xmlns`.
    public mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        appendTag(name, attributes)
        append(">\n")
        open.append(name)
    }

    /// An element with no content.
    public mutating func empty(_ name: String, _ attributes: [(String, String)] = []) {
        appendTag(name, attributes)
        append("/>\n")
    }

    /// An element holding only text.
    public mutating func leaf(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        appendTag(name, attributes)
        append(">")
        append(Self.escapeText(text))
        append("</")
        append(name)
        append(">\n")
    }

    /// Closes the innermost open element.
    public mutating func close() {
        guard let name = open.popLast() else { return }
        append(indent)
        append("</")
        append(name)
        append(">\n")
    }

    private mutating func append(_ text: String) {
        output.append(contentsOf: text.utf8)
    }

    /// The document; closes whatever is still open.
    public mutating func finish() -> String {
        while !open.isEmpty { close() }
        return String(decoding: output, as: UTF8.self)
    }

    private static func defuseComment(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "-" && out.last == "-" { out += " " }
            out.append(character)
        }
        return out.last == "-" ? out + " " : out
    }

    public static func escapeText(_ text: String) -> String {
        // Most values (numbers, names, addresses) need no escaping: return them as they are.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x0D }) else { return text }
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    private static func needsAttributeEscape(_ octet: UInt8) -> Bool {
        switch octet {
        case 0x26, 0x3C, 0x3E, 0x22, 0x09, 0x0A, 0x0D: return true  // & < > " tab LF CR
        default: return false
        }
    }

    /// Attribute values also escape quotes and the whitespace a parser would normalise away.
    public static func escapeAttribute(_ text: String) -> String {
        guard text.utf8.contains(where: needsAttributeEscape) else { return text }
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
