internal import CLibXML2

/// Element line numbers. libxml2 keeps a node's line in 16 bits and, past 65,534, only guesses
/// from neighbouring text; the parser records the exact line of such elements here instead.
struct LineTable {
    static let libxml2Limit: UInt16 = 65_535
    var exact: [UnsafeMutableRawPointer: Int] = [:]

    func line(of node: UnsafeMutablePointer<xmlNode>) -> Int {
        if exact.isEmpty { return Int(xmlGetLineNo(node)) }
        return exact[UnsafeMutableRawPointer(node)] ?? Int(xmlGetLineNo(node))
    }
}

/// Converts libxml2 nodes into `XMLElementNode` values. Recursion depth is bounded by libxml2's
/// own nesting limit (256 without XML_PARSE_HUGE, which groupkey never sets).
enum LibXML2Tree {
    static func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    static func element(from node: UnsafeMutablePointer<xmlNode>, path: String, lines: LineTable) -> XMLElementNode {
        var builder = TreeBuilder(lines: lines)
        return builder.element(node, parentPath: "", step: nil, index: 0, explicitPath: path)
    }

    /// The root element of `document` with its path `/name`.
    static func root(of document: xmlDocPtr, lines: LineTable) -> XMLElementNode {
        guard let rootNode = xmlDocGetRootElement(document) else { return XMLElementNode(name: "") }
        var builder = TreeBuilder(lines: lines)
        return builder.element(rootNode, parentPath: "", step: nil, index: 0, explicitPath: nil)
    }

    /// True when `text` is empty or all whitespace in `Character.isWhitespace`'s sense, decided
    /// on the UTF-8 octets when they are all ASCII (the usual case) and per character otherwise.
    static func isBlank(_ text: String) -> Bool {
        for octet in text.utf8 {
            if octet >= 0x80 { return text.allSatisfy(\.isWhitespace) }
            if octet != 0x20 && !(0x09...0x0D).contains(octet) { return false }
        }
        return true
    }

    /// The same location path `element(from:path:)` assigns, computed upward from any node.
    static func path(of node: UnsafeMutablePointer<xmlNode>) -> String? {
        var steps: [String] = []
        var current: UnsafeMutablePointer<xmlNode>? = node
        if node.pointee.type == XML_ATTRIBUTE_NODE {
            steps.append("@" + (string(node.pointee.name) ?? ""))
            current = node.pointee.parent
        }
        while let element = current, element.pointee.type == XML_ELEMENT_NODE {
            let name = string(element.pointee.name) ?? ""
            var index = 0, total = 0
            var sibling = element.pointee.parent?.pointee.children
            while let candidate = sibling {
                if candidate.pointee.type == XML_ELEMENT_NODE, string(candidate.pointee.name) == name {
                    total += 1
                    if candidate == element { index = total }
                }
                sibling = candidate.pointee.next
            }
            steps.append(total > 1 ? "\(name)[\(index)]" : name)
            current = element.pointee.parent
        }
        guard !steps.isEmpty else { return nil }
        return "/" + steps.reversed().joined(separator: "/")
    }
}

/// One conversion of a libxml2 subtree. Element names come from the parser's dictionary, so the
/// same name is usually the same pointer: each distinct pointer becomes a Swift string once, and
/// siblings are told apart by a small integer per distinct name rather than by hashing strings.
struct TreeBuilder {
    let lines: LineTable
    /// Name pointer -> (the name, an integer equal for equal names).
    private var names: [UnsafeRawPointer: (name: String, id: Int)] = [:]
    private var ids: [String: Int] = [:]

    init(lines: LineTable) {
        self.lines = lines
    }

    mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> (name: String, id: Int) {
        guard let pointer else { return intern("") }
        if let known = names[UnsafeRawPointer(pointer)] { return known }
        let entry = intern(String(cString: pointer))
        names[UnsafeRawPointer(pointer)] = entry
        return entry
    }

    private mutating func intern(_ name: String) -> (name: String, id: Int) {
        if let id = ids[name] { return (name, id) }
        let id = ids.count
        ids[name] = id
        return (name, id)
    }

    /// Builds `node`; its path is `explicitPath` when given, else `parentPath/step[index]` (no
    /// index when 0), or `/name` for the root (no step and no explicit path).
    mutating func element(_ node: UnsafeMutablePointer<xmlNode>, parentPath: String, step: String?, index: Int,
                          explicitPath: String?) -> XMLElementNode {
        let own = name(node.pointee.name)
        var attributes: [XMLAttributeValue] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            let value = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)
            attributes.append(XMLAttributeValue(name: LibXML2Tree.string(current.pointee.name) ?? "",
                                                value: LibXML2Tree.string(value) ?? ""))
            if let value { groupkey_xml_free(value) }
            attribute = current.pointee.next
        }

        var elementChildren: [(node: UnsafeMutablePointer<xmlNode>, name: String, id: Int)] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                let entry = name(current.pointee.name)
                elementChildren.append((current, entry.name, entry.id))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    if text.isEmpty { text = String(cString: content) } else { text += String(cString: content) }
                }
            default:
                break
            }
            child = current.pointee.next
        }
        if LibXML2Tree.isBlank(text) { text = "" }

        let namespaceURI = node.pointee.ns.flatMap { LibXML2Tree.string($0.pointee.href) }
        let line = lines.line(of: node)
        let path: String
        if let explicitPath {
            path = explicitPath
        } else if let step {
            path = elementChildren.isEmpty ? "" : XMLElementNode.Storage.join(parentPath, step, index)  // only parents need it built
        } else {
            path = "/" + own.name
        }

        var children: [XMLElementNode] = []
        children.reserveCapacity(elementChildren.count)
        let counts = Self.SiblingCounts(elementChildren.map(\.id))
        for (index, entry) in elementChildren.enumerated() {
            let (total, position) = counts.totalAndPosition(index)
            children.append(element(entry.node, parentPath: path, step: entry.name, index: total > 1 ? position : 0,
                                    explicitPath: nil))
        }
        if explicitPath == nil, let step {
            return XMLElementNode(name: own.name, namespaceURI: namespaceURI, attributes: attributes, children: children,
                                  text: text, line: line, parentPath: parentPath, step: step, index: index)
        }
        return XMLElementNode(name: own.name, namespaceURI: namespaceURI, attributes: attributes, children: children,
                              text: text, line: line, path: path)
    }

    /// For each child, how many siblings share its name and its 1-based position among them
    /// (a path step carries the position only when the total is above one). Few children: count
    /// directly; many (a list of thousands of groups): tally once per name.
    struct SiblingCounts {
        let ids: [Int]
        private var totals: [Int: Int] = [:]
        private var positions: [Int] = []

        init(_ ids: [Int]) {
            self.ids = ids
            guard ids.count > 16 else { return }
            var seen: [Int: Int] = [:]
            positions.reserveCapacity(ids.count)
            for id in ids {
                totals[id, default: 0] += 1
                seen[id, default: 0] += 1
                positions.append(seen[id] ?? 1)
            }
        }

        func totalAndPosition(_ index: Int) -> (total: Int, position: Int) {
            if ids.count <= 16 {
                let id = ids[index]
                var total = 0, position = 0
                for (other, otherID) in ids.enumerated() where otherID == id {
                    total += 1
                    if other <= index { position = total }
                }
                return (total, position)
            }
            return (totals[ids[index]] ?? 1, positions[index])
        }
    }
}
