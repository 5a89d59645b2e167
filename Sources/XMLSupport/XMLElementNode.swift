/// One attribute, in document order.
public struct XMLAttributeValue: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An element of a parsed document as a plain Swift value: no libxml2 pointer escapes
/// XMLSupport. Whitespace-only text, comments and processing instructions are dropped.
public struct XMLElementNode: Sendable, Equatable {
    /// Local name (without prefix).
    public var name: String
    /// Namespace URI, nil when the element is in no namespace.
    public var namespaceURI: String?
    public var attributes: [XMLAttributeValue]
    public var children: [XMLElementNode]
    /// The concatenated direct text and CDATA content.
    public var text: String
    /// 1-based source line of the start tag.
    public var line: Int
    /// Location path from the root, e.g. `/policies/group[2]/rekey`. A step carries a 1-based
    /// index only when its parent has several children of that name.
    public var path: String

    public init(name: String, namespaceURI: String? = nil, attributes: [XMLAttributeValue] = [],
                children: [XMLElementNode] = [], text: String = "", line: Int = 0, path: String = "") {
        self.name = name
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
        self.path = path
    }

    /// The value of the attribute `name`, if present.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Direct children called `name`, in document order.
    public func children(named name: String) -> [XMLElementNode] {
        children.filter { $0.name == name }
    }

    /// The first direct child called `name`.
    public func child(named name: String) -> XMLElementNode? {
        children.first { $0.name == name }
    }
}
