internal import CLibXML2

/// Parses untrusted XML with libxml2 under options that rule out the classic XML attacks.
///
/// - No network: `XML_PARSE_NONET`.
/// - No DTD at all: a document with a DOCTYPE is refused as soon as its name is read, so an
///   internal subset (entity declarations, the "billion laughs" bomb, external entities that
///   point at a file or a URL) is never parsed. `XML_PARSE_NOENT`, `XML_PARSE_DTDLOAD`,
///   `XML_PARSE_DTDATTR` and `XML_PARSE_XINCLUDE` are never set.
/// - UTF-8 only: a declaration naming another encoding is an error, and so is any NUL octet
///   (XML 1.0 §2.2 excludes U+0000, so only UTF-16/32 input has one). Invalid UTF-8 is a
///   well-formedness error. A file therefore cannot be read two ways by two tools.
/// - libxml2's default size and depth limits stay on (`XML_PARSE_HUGE` is never set).
/// - Errors are collected per call, never printed.
public enum SafeXMLParser {
    /// Policy files are small; a 16 MiB cap bounds memory before libxml2 sees a byte.
    public static let maximumInputBytes = 16 * 1024 * 1024

    /// `XML_PARSE_COMPACT` keeps short text inside its node instead of a separate allocation; it
    /// changes no content, only memory use and parse time on large exports.
    static let options: Int32 = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue
                                        | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

    /// Once per process, before any thread parses or compiles a schema (a Swift static is made
    /// once, under a lock). libxml2 2.9 builds its table of XSD built-in types lazily, the first
    /// time any thread compiles a schema, with no lock: two threads compiling at once could both
    /// build it, and one of them then found no `xs:string` ("does not resolve to a simple type
    /// definition", seen when the tests compile schemas in parallel).
    static let initialise: Void = {
        xmlInitParser()
        xmlSchemaInitTypes()
    }()

    /// Parses `bytes`; `file` names the input in diagnostics.
    public static func parse(_ bytes: [UInt8], file: String) throws(XMLSupportError) -> XMLParsedDocument {
        let (document, collector) = try read(bytes, file: file, into: nil)
        return XMLParsedDocument(owning: document, file: file, lines: collector.lines)
    }

    /// Parses `bytes` under the same rules and returns only the root element's value tree, equal
    /// to `parse(bytes, file: file).root`. libxml2 builds no tree of its own (no XPath, no schema
    /// validation on the result), which roughly halves the parse's memory and time on large
    /// inputs such as vendor exports.
    public static func parseElements(_ bytes: [UInt8], file: String) throws(XMLSupportError) -> XMLElementNode {
        let stream = ElementStream(expectedBytes: bytes.count)
        let (document, _) = try read(bytes, file: file, into: stream)
        xmlFreeDoc(document)
        if stream.table.sawAmpersandInAttribute { return try parse(bytes, file: file).root }
        return stream.table.root()
    }

    /// The parse both entry points share. With `stream`, element, text and CDATA events go to it
    /// and the returned document is empty (it still carries the declared encoding).
    private static func read(_ bytes: [UInt8], file: String,
                             into stream: ElementStream?) throws(XMLSupportError) -> (xmlDocPtr, DiagnosticCollector) {
        _ = initialise
        guard bytes.count <= maximumInputBytes else {
            throw .inputTooLarge(file: file, bytes: bytes.count)
        }
        if bytes.contains(0) {
            throw .encodingNotUTF8(file: file, declared: "UTF-16 or UTF-32 (NUL octets)")
        }
        guard let context = xmlNewParserCtxt() else {
            throw .malformed(file: file, diagnostics: [XMLDiagnostic(file: file, line: 0, message: "out of memory")])
        }
        defer { xmlFreeParserCtxt(context) }

        let collector = DiagnosticCollector(file: file)
        collector.elements = stream
        context.pointee._private = collector.opaque
        if let sax = context.pointee.sax {
            sax.pointee.serror = collectParserError
            sax.pointee.internalSubset = refuseDoctype
            sax.pointee.externalSubset = refuseDoctype
            if stream == nil {
                collector.treeBuildingStartElement = sax.pointee.startElementNs
                sax.pointee.startElementNs = recordBigLines
            } else {
                sax.pointee.startElementNs = streamStartElement
                sax.pointee.endElementNs = streamEndElement
                sax.pointee.characters = streamCharacters
                sax.pointee.ignorableWhitespace = streamCharacters
                sax.pointee.cdataBlock = streamCharacters
                sax.pointee.comment = nil
                sax.pointee.processingInstruction = nil
                sax.pointee.reference = nil
            }
        }

        let document: xmlDocPtr? = withExtendedLifetime(collector) {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { base in
                    base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                        xmlCtxtReadMemory(context, chars, Int32(buffer.count), file, nil, options)
                    }
                }
            }
        }
        let wellFormed = context.pointee.wellFormed != 0
        context.pointee._private = nil

        if collector.sawDoctype {
            if let document { xmlFreeDoc(document) }
            throw .doctypeForbidden(file: file, line: max(collector.doctypeLine, 1))
        }
        guard let document, wellFormed else {
            if let document { xmlFreeDoc(document) }
            var diagnostics = collector.diagnostics.filter { $0.severity == .error }
            if diagnostics.isEmpty {
                diagnostics = [XMLDiagnostic(file: file, line: 0, message: bytes.isEmpty ? "empty input" : "not well-formed")]
            }
            throw .malformed(file: file, diagnostics: diagnostics)
        }
        if let declared = LibXML2Tree.string(document.pointee.encoding),
           !["utf-8", "utf8"].contains(declared.lowercased()) {
            xmlFreeDoc(document)
            throw .encodingNotUTF8(file: file, declared: declared)
        }
        return (document, collector)
    }
}
