import Foundation
import GroupKeyCrypto
import GroupPolicy

/// The secrets file `groupkey serve --secrets FILE` reads: the values policies name as
/// `secrets:NAME` (policies are shared files and never hold a key themselves).
///
/// One `NAME = VALUE` per line; blank lines and lines starting with `#` are skipped; spaces
/// around NAME and VALUE are trimmed. VALUE is taken as UTF-8 text, unless it starts with
/// `hex:` (the octets in hexadecimal) or `file:` (the contents of that file, a path relative to
/// the secrets file: how a PEM rekey-signing key is supplied).
public struct SecretsFile: Sendable {
    private var values: [String: SecretBytes]

    public init(values: [String: SecretBytes] = [:]) { self.values = values }

    public var names: [String] { values.keys.sorted() }

    public func value(named name: String) -> SecretBytes? { values[name] }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(GatewayError) -> SecretsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .secrets("\(path) cannot be read")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), file: path) { relative throws(GatewayError) in
            let full = relative.hasPrefix("/") ? relative : directory + "/" + relative
            guard let contents = FileManager.default.contents(atPath: full) else {
                throw .secrets("\(full), named in \(path), cannot be read")
            }
            return Array(contents)
        }
    }

    /// Parses the text of a secrets file; `readFile` resolves `file:` values.
    public static func parse(_ text: String, file: String,
                             readFile: (String) throws(GatewayError) -> [UInt8]) throws(GatewayError) -> SecretsFile {
        var values: [String: SecretBytes] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            // Never echo the line: it holds a secret.
            guard let equals = line.firstIndex(of: "=") else {
                throw .secrets("\(file):\(index + 1): expected NAME = VALUE")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard SecretReference("secrets:" + name) != nil else {
                throw .secrets("\(file):\(index + 1): a name is letters, digits, '_', '.', '-'")
            }
            guard values[name] == nil else { throw .secrets("\(file):\(index + 1): \(name) is given twice") }
            guard !value.isEmpty else { throw .secrets("\(file):\(index + 1): \(name) has an empty value") }
            if value.hasPrefix("hex:") {
                guard let octets = Self.octets(hex: value.dropFirst(4)), !octets.isEmpty else {
                    throw .secrets("\(file):\(index + 1): \(name): hex: needs an even number of hex digits")
                }
                values[name] = SecretBytes(octets)
            } else if value.hasPrefix("file:") {
                values[name] = SecretBytes(try readFile(String(value.dropFirst(5))))
            } else {
                values[name] = SecretBytes(Array(value.utf8))
            }
        }
        return SecretsFile(values: values)
    }

    private static func octets(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[pair]), let low = nibble(digits[pair + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
