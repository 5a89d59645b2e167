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
///
/// A value type with its fields in one shared, copy-on-write box: readers pass elements around
/// and return them from lookups constantly, and copying one reference is far cheaper than
/// copying seven fields (a large export has hundreds of thousands of elements).
public struct XMLElementNode: Sendable, Equatable {
    /// The fields. Mutated only through `unique()`, i.e. when no other value shares the box,
    /// so no two tasks ever see one box change (the standard copy-on-write discipline).
    final class Storage: @unchecked Sendable {
        var name: String
        var namespaceURI: String?
        var attributes: [XMLAttributeValue]
        var children: [XMLElementNode]
        var text: String
        var line: Int
        /// The path is `pathHead` when `pathStep` is nil, else `pathHead + "/" + pathStep`: a
        /// parsed element keeps its parent's path (one string shared by all siblings) and its own
        /// step, so the full path of a leaf is only built when someone asks for it.
        var pathHead: String
        var pathStep: String?
        /// The step's 1-based index among same-named siblings, 0 when it carries none.
        var pathIndex: Int

        init(name: String, namespaceURI: String?, attributes: [XMLAttributeValue], children: [XMLElementNode],
             text: String, line: Int, pathHead: String, pathStep: String?, pathIndex: Int) {
            self.name = name
            self.namespaceURI = namespaceURI
            self.attributes = attributes
            self.children = children
            self.text = text
            self.line = line
            self.pathHead = pathHead
            self.pathStep = pathStep
            self.pathIndex = pathIndex
        }

        func copy() -> Storage {
            Storage(name: name, namespaceURI: namespaceURI, attributes: attributes, children: children,
                    text: text, line: line, pathHead: pathHead, pathStep: pathStep, pathIndex: pathIndex)
        }

        var path: String {
            guard let pathStep else { return pathHead }
            return Storage.join(pathHead, pathStep, pathIndex)
        }

        /// `parent/step` or `parent/step[index]`, built in one buffer (a chain of `+` would make
        /// a string per piece).
        static func join(_ parent: String, _ step: String, _ index: Int) -> String {
            var path = ""
            path.reserveCapacity(parent.utf8.count + step.utf8.count + 12)
            path += parent
            path += "/"
            path += step
            if index > 0 {
                path += "["
                path += String(index)
                path += "]"
            }
            return path
        }
    }

    private var storage: Storage

    public init(name: String, namespaceURI: String? = nil, attributes: [XMLAttributeValue] = [],
                children: [XMLElementNode] = [], text: String = "", line: Int = 0, path: String = "") {
        storage = Storage(name: name, namespaceURI: namespaceURI, attributes: attributes, children: children,
                          text: text, line: line, pathHead: path, pathStep: nil, pathIndex: 0)
    }

    /// A parsed element whose path is `parentPath/step`, or `parentPath/step[index]` when
    /// `index` is above 0.
    init(name: String, namespaceURI: String?, attributes: [XMLAttributeValue], children: [XMLElementNode],
         text: String, line: Int, parentPath: String, step: String, index: Int) {
        storage = Storage(name: name, namespaceURI: namespaceURI, attributes: attributes, children: children,
                          text: text, line: line, pathHead: parentPath, pathStep: step, pathIndex: index)
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// Local name (without prefix).
    public var name: String {
        get { storage.name }
        set { unique().name = newValue }
    }

    /// Namespace URI, nil when the element is in no namespace.
    public var namespaceURI: String? {
        get { storage.namespaceURI }
        set { unique().namespaceURI = newValue }
    }

    public var attributes: [XMLAttributeValue] {
        get { storage.attributes }
        set { unique().attributes = newValue }
    }

    public var children: [XMLElementNode] {
        get { storage.children }
        set { unique().children = newValue }
    }

    /// The concatenated direct text and CDATA content.
    public var text: String {
        get { storage.text }
        set { unique().text = newValue }
    }

    /// 1-based source line of the start tag.
    public var line: Int {
        get { storage.line }
        set { unique().line = newValue }
    }

    /// Location path from the root, e.g. `/policies/group[2]/rekey`. A step carries a 1-based
    /// index only when its parent has several children of that name.
    public var path: String {
        get { storage.path }
        set {
            let box = unique()
            box.pathHead = newValue
            box.pathStep = nil
            box.pathIndex = 0
        }
    }

    public static func == (lhs: XMLElementNode, rhs: XMLElementNode) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let (a, b) = (lhs.storage, rhs.storage)
        return a.name == b.name && a.namespaceURI == b.namespaceURI && a.line == b.line && a.text == b.text
            && a.attributes == b.attributes && a.path == b.path && a.children == b.children
    }

    /// The value of the attribute `name`, if present.
    public func attribute(_ name: String) -> String? {
        storage.attributes.first { $0.name == name }?.value
    }

    /// Direct children called `name`, in document order.
    public func children(named name: String) -> [XMLElementNode] {
        storage.children.filter { $0.storage.name == name }
    }

    /// The first direct child called `name`.
    public func child(named name: String) -> XMLElementNode? {
        for child in storage.children where child.storage.name == name { return child }
        return nil
    }
}
