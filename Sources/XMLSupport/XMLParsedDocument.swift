internal import CLibXML2

/// A parsed document. It owns the libxml2 tree (for schema validation and XPath) and exposes it
/// as plain `XMLElementNode` values. Not shared across tasks: parse one per file.
public final class XMLParsedDocument {
    let document: xmlDocPtr
    /// The name the caller gave the input; diagnostics carry it.
    public let file: String
    /// The root element as a value tree, built on first use: a caller that only validates the
    /// document against a schema never pays for it.
    public private(set) lazy var root: XMLElementNode = LibXML2Tree.root(of: document, lines: lines)
    let lines: LineTable

    init(owning document: xmlDocPtr, file: String, lines: LineTable) {
        self.document = document
        self.file = file
        self.lines = lines
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// One node an XPath expression selected.
    public struct XPathMatch: Sendable, Equatable {
        /// The element, when the node is one; nil for attributes and text.
        public var element: XMLElementNode?
        /// The XPath string value of the node.
        public var stringValue: String
        public var line: Int
        public var path: String?
    }

    /// Evaluates `expression` with `namespaces` (prefix to URI) registered and returns the
    /// selected nodes in document order. A scalar result (count(), string()) comes back as one
    /// match with no element.
    public func select(_ expression: String, namespaces: [String: String] = [:]) throws(XMLSupportError) -> [XPathMatch] {
        guard let context = xmlXPathNewContext(document) else { throw .xpathFailed(expression: expression) }
        defer { xmlXPathFreeContext(context) }
        context.pointee.error = ignoreStructuredError
        for (prefix, uri) in namespaces.sorted(by: { $0.key < $1.key }) {
            _ = xmlXPathRegisterNs(context, prefix, uri)
        }
        guard let result = xmlXPathEvalExpression(expression, context) else {
            throw .xpathFailed(expression: expression)
        }
        defer { xmlXPathFreeObject(result) }

        guard result.pointee.type == XPATH_NODESET else {
            let value = xmlXPathCastToString(result)
            defer { if let value { groupkey_xml_free(value) } }
            return [XPathMatch(element: nil, stringValue: LibXML2Tree.string(value) ?? "", line: 0, path: nil)]
        }
        guard let nodes = result.pointee.nodesetval, let table = nodes.pointee.nodeTab else { return [] }
        var matches: [XPathMatch] = []
        for index in 0..<Int(nodes.pointee.nodeNr) {
            guard let node = table[index] else { continue }
            let content = xmlNodeGetContent(node)
            defer { if let content { groupkey_xml_free(content) } }
            let path = LibXML2Tree.path(of: node)
            let element = node.pointee.type == XML_ELEMENT_NODE
                ? LibXML2Tree.element(from: node, path: path ?? "", lines: lines) : nil
            let lineNode = node.pointee.type == XML_ATTRIBUTE_NODE ? node.pointee.parent : node
            matches.append(XPathMatch(element: element, stringValue: LibXML2Tree.string(content) ?? "",
                                      line: lineNode.map(lines.line(of:)) ?? 0, path: path))
        }
        return matches
    }
}
