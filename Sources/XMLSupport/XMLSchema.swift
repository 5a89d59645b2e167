internal import CLibXML2

/// A compiled W3C XML Schema. Compile once, validate many documents: libxml2 only reads a
/// compiled schema during validation, and each validation gets its own context.
public final class XMLSchema: @unchecked Sendable {
    private let schema: xmlSchemaPtr
    /// The parsed XSD; libxml2's compiled schema may point into it, so it lives as long.
    private let source: XMLParsedDocument

    /// Compiles the XSD text. `name` labels diagnostics. The XSD is read by `SafeXMLParser`
    /// like any other input, and must be self-contained (no import or include of other files).
    public init(xsd: String, name: String) throws(XMLSupportError) {
        _ = SafeXMLParser.initialise  // the built-in types exist before any schema is compiled
        let source: XMLParsedDocument
        do {
            source = try SafeXMLParser.parse(Array(xsd.utf8), file: name)
        } catch {
            throw .schemaInvalid(diagnostics: error.diagnostics)
        }
        let collector = DiagnosticCollector(file: name)
        let compiled: xmlSchemaPtr? = withExtendedLifetime(collector) {
            guard let parser = xmlSchemaNewDocParserCtxt(source.document) else { return nil }
            defer { xmlSchemaFreeParserCtxt(parser) }
            xmlSchemaSetParserStructuredErrors(parser, collectStructuredError, collector.opaque)
            return xmlSchemaParse(parser)
        }
        guard let compiled else {
            let diagnostics = collector.diagnostics.isEmpty
                ? [XMLDiagnostic(file: name, line: 0, message: "schema did not compile")] : collector.diagnostics
            throw .schemaInvalid(diagnostics: diagnostics)
        }
        self.schema = compiled
        self.source = source
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Validates `document` and returns every finding (empty when valid).
    public func validate(_ document: XMLParsedDocument) -> [XMLDiagnostic] {
        let collector = DiagnosticCollector(file: document.file, lines: document.lines)
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            return [XMLDiagnostic(file: document.file, line: 0, message: "out of memory")]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let status = withExtendedLifetime(collector) { () -> Int32 in
            xmlSchemaSetValidStructuredErrors(context, collectStructuredError, collector.opaque)
            return xmlSchemaValidateDoc(context, document.document)
        }
        var diagnostics = collector.diagnostics
        if status != 0 && diagnostics.isEmpty {
            diagnostics.append(XMLDiagnostic(file: document.file, line: 0, message: "schema validation failed (\(status))"))
        }
        return diagnostics
    }
}
