import XMLSupport

/// State of one read: the source map being filled and the findings met on the way. The reader
/// runs after the XSD, so most checks here are about value syntax the XSD cannot express; it
/// still never trusts the tree, because a caller may read without validating first.
struct ReadContext {
    var map: PolicySourceMap
    var findings: [PolicyFinding] = []

    init(file: String) {
        map = PolicySourceMap(file: file)
    }

    mutating func note(_ key: String, _ element: XMLElementNode) {
        map.record(key, XMLElementNodeLocation(line: element.line, path: element.path))
    }

    mutating func report(_ code: FindingCode, _ element: XMLElementNode, _ message: String) {
        findings.append(PolicyFinding(code, file: map.file, line: element.line, elementPath: element.path, message: message))
    }

    /// An attribute the schema requires; reports and returns "" when absent.
    mutating func required(_ element: XMLElementNode, _ name: String) -> String {
        guard let value = element.attribute(name) else {
            report(.schemaViolation, element, "<\(element.name)> lacks attribute \(name)")
            return ""
        }
        return value
    }

    /// An enumerated attribute. Absent gives `fallback`; an unknown token is reported.
    mutating func token<T: RawRepresentable>(_ element: XMLElementNode, _ name: String, default fallback: T?) -> T?
    where T.RawValue == String {
        guard let text = element.attribute(name) else {
            if fallback == nil { report(.schemaViolation, element, "<\(element.name)> lacks attribute \(name)") }
            return fallback
        }
        guard let value = T(rawValue: text.trimmingWhitespace) else {
            report(.schemaViolation, element, "\(name)=\"\(text)\" is not a known value")
            return fallback
        }
        return value
    }

    /// An optional enumerated attribute: absent gives nil without a report.
    mutating func optionalToken<T: RawRepresentable>(_ element: XMLElementNode, _ name: String) -> T?
    where T.RawValue == String {
        element.attribute(name) == nil ? nil : token(element, name, default: nil)
    }

    /// An unsigned integer attribute in `range`; XSD integer lexical forms allow surrounding
    /// whitespace and a leading "+".
    mutating func integer(_ element: XMLElementNode, _ name: String, in range: ClosedRange<UInt64>) -> UInt64? {
        guard let text = element.attribute(name) else { return nil }
        var trimmed = Substring(text.trimmingWhitespace)
        if trimmed.first == "+" { trimmed = trimmed.dropFirst() }
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigit), let value = UInt64(trimmed),
              range.contains(value) else {
            report(.schemaViolation, element, "\(name)=\"\(text)\" is not an integer in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func seconds(_ element: XMLElementNode?) -> UInt32? {
        guard let element else { return nil }
        return integer(element, "seconds", in: 0...UInt64(UInt32.max)).map { UInt32($0) }
    }

    mutating func keyLength(_ element: XMLElementNode) -> Int? {
        integer(element, "key-length", in: 0...65535).map { Int($0) }
    }

    mutating func address(_ element: XMLElementNode, _ name: String) -> IPAddress? {
        guard let text = element.attribute(name) else { return nil }
        guard let address = IPAddress(text) else {
            report(.invalidValue, element, "\(name)=\"\(text)\" is not an IPv4 or IPv6 address")
            return nil
        }
        return address
    }

    mutating func secretReference(_ element: XMLElementNode, _ name: String) -> SecretReference? {
        guard let text = element.attribute(name) else { return nil }
        guard let reference = SecretReference(text) else {
            report(.invalidValue, element, "\(name)=\"\(text)\" is not secrets:NAME or env:NAME")
            return nil
        }
        return reference
    }
}

extension String {
    /// Without leading and trailing XML whitespace (space, tab, CR, LF: XML 1.0 §2.3 "S").
    /// Scans UTF-8 octets: readers call this on every value, and the Character-level version
    /// was a tenth of an import's time.
    var trimmingWhitespace: String {
        let octets = utf8
        func isSpace(_ octet: UInt8) -> Bool { octet == 0x20 || octet == 0x09 || octet == 0x0d || octet == 0x0a }
        guard let first = octets.firstIndex(where: { !isSpace($0) }) else { return "" }
        guard let last = octets.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == octets.startIndex && last == octets.index(before: octets.endIndex) { return self }
        return String(self[first...last])
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
