import XMLSupport

/// What every vendor reader shares: the file name for locations, and the items found while
/// reading that belong to no group (an ACL nobody uses, an element nobody knows).
struct ReaderContext {
    let file: String
    var items: [ReportItem] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: XMLElementNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line, path: node.path)
    }

    func located<Value>(_ value: Value, _ node: XMLElementNode) -> Located<Value> {
        Located(value, location(node))
    }

    func item(_ code: ImportCode, _ outcome: ImportOutcome, _ node: XMLElementNode, _ message: String) -> ReportItem {
        ReportItem(code, outcome, at: location(node), message)
    }

    mutating func report(_ code: ImportCode, _ outcome: ImportOutcome, _ node: XMLElementNode, _ message: String) {
        items.append(item(code, outcome, node, message))
    }

    /// Reports every child of `node` whose name is not in `known`: an element the importer does
    /// not map must never vanish silently.
    func unknownChildren(of node: XMLElementNode, known: Set<String>, what: String) -> [ReportItem] {
        node.children.filter { !known.contains($0.name) }.map {
            item(.unknownElement, .decision, $0, "<\($0.name)> under \(what) is not understood by the importer and was not carried over")
        }
    }
}

extension XMLElementNode {
    /// The descendant reached by following `names` one child at a time (namespaces ignored:
    /// each vendor module puts its elements in its own namespace, and the names are unique at
    /// every step of the paths read here).
    func descend(_ names: String...) -> XMLElementNode? {
        var node: XMLElementNode? = self
        for name in names { node = node?.child(named: name) }
        return node
    }

    /// Trimmed text of the descendant at `names`, nil when absent or empty.
    func value(_ names: String...) -> String? {
        var node: XMLElementNode? = self
        for name in names { node = node?.child(named: name) }
        guard let text = node?.text.trimmingWhitespace, !text.isEmpty else { return nil }
        return text
    }

    /// `value` of a direct child, without building an argument array (readers ask this for
    /// every leaf of every ACL line).
    func value(_ name: String) -> String? {
        guard let text = child(named: name)?.text.trimmingWhitespace, !text.isEmpty else { return nil }
        return text
    }

    var trimmedText: String { text.trimmingWhitespace }

    func has(_ name: String) -> Bool { child(named: name) != nil }
}

extension String {
    /// The string without leading and trailing ASCII whitespace (XML text content keeps the
    /// indentation of pretty-printed exports).
    var trimmingWhitespace: String {
        // Usual case: nothing to trim (the first and last octets are no ASCII whitespace, so the
        // first and last characters cannot be one of the four trimmed ones).
        if let first = utf8.first, let last = utf8.last, !Self.isTrimmedOctet(first), !Self.isTrimmedOctet(last) { return self }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }

    /// A secret-reference name: letters, digits, `_`, `.`, `-` only (the policy XSD's SecretRef
    /// pattern); anything else becomes `-`.
    var referenceSafe: String {
        if !isEmpty && utf8.allSatisfy(Self.isReferenceOctet) { return self }
        let mapped = String(map { character in
            character.isASCII && character.utf8.count == 1 && Self.isReferenceOctet(character.utf8.first ?? 0) ? character : "-"
        })
        return mapped.isEmpty ? "unnamed" : mapped
    }

    private static func isTrimmedOctet(_ octet: UInt8) -> Bool {
        octet == 0x20 || octet == 0x0A || octet == 0x09 || octet == 0x0D
    }

    /// ASCII letters, digits, `_`, `.` and `-`.
    private static func isReferenceOctet(_ octet: UInt8) -> Bool {
        switch octet {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2E, 0x2D: return true
        default: return false
        }
    }

    /// A policy name (XSD Name: starts with a letter or digit, at most 64 characters).
    var policyNameSafe: String {
        var name = referenceSafe
        while let first = name.first, first == "-" || first == "_" || first == "." { name.removeFirst() }
        if name.isEmpty { name = "unnamed" }
        return String(name.prefix(64))
    }
}
