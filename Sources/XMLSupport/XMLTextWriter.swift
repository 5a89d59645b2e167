/// Emits XML text in one fixed layout, so equal input always gives equal bytes: UTF-8, a
/// declaration line, two-space indentation, attributes in the order given, `"` quoting, empty
/// elements as `<name/>`, a final newline. Escaping covers every character that would change
/// the parse (RFC-free: XML 1.0 §2.4 and §3.3.3 attribute-value normalisation).
public struct XMLTextWriter: Sendable {
    private var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []
    private let indentUnit = "  "

    public init() {}

    private var indent: String { String(repeating: indentUnit, count: open.count) }

    private static func tag(_ name: String, _ attributes: [(String, String)]) -> String {
        var text = "<" + name
        for (key, value) in attributes {
            text += " \(key)=\"\(escapeAttribute(value))\""
        }
        return text
    }

    /// A comment on its own line. `--` cannot appear inside a comment, so it is spaced out.
    public mutating func comment(_ text: String) {
        output += indent + "<!-- " + Self.defuseComment(text) + " -->\n"
    }

    /// Opens an element whose children follow; the first element opened may carry `xmlns`.
    public mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        output += indent + Self.tag(name, attributes) + ">\n"
        open.append(name)
    }

    /// An element with no content.
    public mutating func empty(_ name: String, _ attributes: [(String, String)] = []) {
        output += indent + Self.tag(name, attributes) + "/>\n"
    }

    /// An element holding only text.
    public mutating func leaf(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        output += indent + Self.tag(name, attributes) + ">" + Self.escapeText(text) + "</\(name)>\n"
    }

    /// Closes the innermost open element.
    public mutating func close() {
        guard let name = open.popLast() else { return }
        output += indent + "</\(name)>\n"
    }

    /// The document; closes whatever is still open.
    public mutating func finish() -> String {
        while !open.isEmpty { close() }
        return output
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

    /// Attribute values also escape quotes and the whitespace a parser would normalise away.
    public static func escapeAttribute(_ text: String) -> String {
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
