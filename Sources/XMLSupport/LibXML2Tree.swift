internal import CLibXML2

/// Element line numbers. libxml2 keeps a node's line in 16 bits and, past 65,534, only guesses
/// from neighbouring text; the parser records the exact line of such elements here instead.
struct LineTable {
    static let libxml2Limit: UInt16 = 65_535
    var exact: [UnsafeMutableRawPointer: Int] = [:]

    func line(of node: UnsafeMutablePointer<xmlNode>) -> Int {
        exact[UnsafeMutableRawPointer(node)] ?? Int(xmlGetLineNo(node))
    }
}

/// Converts libxml2 nodes into `XMLElementNode` values. Recursion depth is bounded by libxml2's
/// own nesting limit (256 without XML_PARSE_HUGE, which groupkey never sets).
enum LibXML2Tree {
    static func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    static func element(from node: UnsafeMutablePointer<xmlNode>, path: String, lines: LineTable) -> XMLElementNode {
        var result = XMLElementNode(
            name: string(node.pointee.name) ?? "",
            namespaceURI: node.pointee.ns.flatMap { string($0.pointee.href) },
            line: lines.line(of: node),
            path: path
        )
        var attribute = node.pointee.properties
        while let current = attribute {
            let value = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)
            result.attributes.append(XMLAttributeValue(name: string(current.pointee.name) ?? "",
                                                       value: string(value) ?? ""))
            if let value { groupkey_xml_free(value) }
            attribute = current.pointee.next
        }

        var elementChildren: [UnsafeMutablePointer<xmlNode>] = []
        var nameCounts: [String: Int] = [:]
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                elementChildren.append(current)
                nameCounts[string(current.pointee.name) ?? "", default: 0] += 1
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                text += string(current.pointee.content) ?? ""
            default:
                break
            }
            child = current.pointee.next
        }
        result.text = text.allSatisfy(\.isWhitespace) ? "" : text

        var seen: [String: Int] = [:]
        for current in elementChildren {
            let name = string(current.pointee.name) ?? ""
            seen[name, default: 0] += 1
            let step = (nameCounts[name] ?? 0) > 1 ? "\(name)[\(seen[name] ?? 1)]" : name
            result.children.append(element(from: current, path: path + "/" + step, lines: lines))
        }
        return result
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
