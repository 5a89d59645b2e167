internal import CLibXML2

/// Collects libxml2's structured errors for one parse, schema compilation or validation, so
/// nothing is printed to stderr and several callers can work at once without a global handler.
final class DiagnosticCollector {
    /// Caps the messages kept from one input: a hostile file can raise thousands.
    static let maximumDiagnostics = 200

    let file: String
    private(set) var diagnostics: [XMLDiagnostic] = []
    var sawDoctype = false
    var doctypeLine = 0
    /// Exact lines of elements past line 65,534, which libxml2 cannot store in the node.
    var lines: LineTable
    /// libxml2's own tree-building start-element handler, which `recordBigLines` wraps.
    var treeBuildingStartElement: startElementNsSAX2Func?
    /// Set when the parse feeds an `ElementStream` instead of building libxml2's tree.
    var elements: ElementStream?

    init(file: String, lines: LineTable = LineTable()) {
        self.file = file
        self.lines = lines
    }

    func record(_ error: xmlError) {
        guard diagnostics.count < Self.maximumDiagnostics else { return }
        var message = error.message.map { String(cString: $0) } ?? "libxml2 error \(error.code)"
        while message.last?.isWhitespace == true { message.removeLast() }
        let node = error.node.map { $0.assumingMemoryBound(to: xmlNode.self) }
        let line = node.map(lines.line(of:)) ?? Int(error.line)
        let severity: XMLDiagnostic.Severity = error.level == XML_ERR_WARNING ? .warning : .error
        diagnostics.append(XMLDiagnostic(file: file, line: max(line, 0),
                                         elementPath: node.flatMap { LibXML2Tree.path(of: $0) },
                                         message: message, severity: severity))
    }

    func append(_ diagnostic: XMLDiagnostic) {
        diagnostics.append(diagnostic)
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> DiagnosticCollector? {
        pointer.map { Unmanaged<DiagnosticCollector>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Schema and XPath callbacks receive the collector as their user data.
let collectStructuredError: xmlStructuredErrorFunc = { userData, error in
    guard let error, let collector = DiagnosticCollector.from(userData) else { return }
    collector.record(error.pointee)
}

/// Parser callbacks receive the parser context; the collector hangs off its `_private` field.
let collectParserError: xmlStructuredErrorFunc = { _, error in
    guard let error, let context = error.pointee.ctxt?.assumingMemoryBound(to: xmlParserCtxt.self),
          let collector = DiagnosticCollector.from(context.pointee._private) else { return }
    collector.record(error.pointee)
}

/// Called by libxml2 as soon as it has read `<!DOCTYPE name ...`, before any internal subset:
/// stopping here means no entity or DTD declaration is ever parsed, let alone expanded or fetched.
let refuseDoctype: internalSubsetSAXFunc = { context, _, _, _ in
    guard let context else { return }
    let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
    if let collector = DiagnosticCollector.from(parser.pointee._private) {
        collector.sawDoctype = true
        collector.doctypeLine = parser.pointee.input.map { Int($0.pointee.line) } ?? 0
    }
    xmlStopParser(parser)
}

/// Builds the element as libxml2 would, then, past the 16-bit line field, notes the exact line
/// (the same reading libxml2 takes below 65,535: the parser's line when the start tag is read).
let recordBigLines: startElementNsSAX2Func = { context, name, prefix, uri, namespaceCount, namespaces,
                                               attributeCount, defaultedCount, attributes in
    guard let context else { return }
    let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
    guard let collector = DiagnosticCollector.from(parser.pointee._private) else { return }
    collector.treeBuildingStartElement?(context, name, prefix, uri, namespaceCount, namespaces,
                                        attributeCount, defaultedCount, attributes)
    if let input = parser.pointee.input, input.pointee.line >= LineTable.libxml2Limit, let node = parser.pointee.node {
        collector.lines.exact[UnsafeMutableRawPointer(node)] = Int(input.pointee.line)
    }
}

/// XPath compilation errors are reported through the thrown error, not printed.
let ignoreStructuredError: xmlStructuredErrorFunc = { _, _ in }
