internal import CLibXML2

/// Collects elements straight from libxml2's SAX2 events, without libxml2 building its own tree:
/// for a caller that only wants the value tree (an importer reading a 14 MB export), that tree
/// is most of the parse's allocations. Elements go into one flat table during the parse and
/// become `XMLElementNode` values once it ends, when every element's siblings are known (a path
/// step's index depends on them).
final class ElementStream {
    /// All state lives in one struct, reached through one access per SAX event: a class's own
    /// stored arrays would each be checked for exclusive access on every touch.
    var table: ElementTable

    init(expectedBytes: Int) {
        table = ElementTable(expectedBytes: expectedBytes)
    }
}

/// The flat element table an `ElementStream` fills.
struct ElementTable {
    struct Record {
        var name: Int32
        var namespace: Int32  // -1: no namespace
        var line: Int
        var attributes: [XMLAttributeValue] = []
        var text = ""
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
    }

    private(set) var records: [Record] = []
    private var open: [Int32] = []
    /// Interned names and namespace URIs: libxml2 hands out dictionary pointers, so each distinct
    /// pointer becomes a Swift string once.
    private(set) var strings: [String] = []
    private var stringByPointer: [UnsafeRawPointer: Int32] = [:]
    private var stringByValue: [String: Int32] = [:]
    /// libxml2 passes a `&` inside an attribute value as the text `&#38;` (its SAX2 tree builder
    /// decodes that again); rather than depend on that detail, such documents take the tree path.
    private(set) var sawAmpersandInAttribute = false

    init(expectedBytes: Int) {
        records.reserveCapacity(max(expectedBytes / 24, 16))  // exports run about 30 octets per element
    }

    mutating func intern(_ pointer: UnsafePointer<xmlChar>) -> Int32 {
        if let known = stringByPointer[UnsafeRawPointer(pointer)] { return known }
        let index = internValue(String(cString: pointer))
        stringByPointer[UnsafeRawPointer(pointer)] = index
        return index
    }

    mutating func internValue(_ value: String) -> Int32 {
        if let existing = stringByValue[value] { return existing }
        let index = Int32(strings.count)
        strings.append(value)
        stringByValue[value] = index
        return index
    }

    mutating func start(name: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?, line: Int,
               attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, attributeCount: Int) {
        let nameIndex: Int32
        if let name { nameIndex = intern(name) } else { nameIndex = internValue("") }
        var namespaceIndex: Int32 = -1
        if let namespace { namespaceIndex = intern(namespace) }
        var record = Record(name: nameIndex, namespace: namespaceIndex, line: line)
        if let attributes, attributeCount > 0 {
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for index in 0..<attributeCount {
                let base = index * 5
                guard let local = attributes[base], let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                if value.utf8.contains(UInt8(ascii: "&")) { sawAmpersandInAttribute = true }
                record.attributes.append(XMLAttributeValue(name: String(cString: local), value: value))
            }
        }
        let index = Int32(records.count)
        if let parent = open.last {
            let previous = records[Int(parent)].lastChild
            if previous >= 0 { records[Int(previous)].nextSibling = index } else { records[Int(parent)].firstChild = index }
            records[Int(parent)].lastChild = index
        }
        records.append(record)
        open.append(index)
    }

    mutating func end() {
        _ = open.popLast()
    }

    mutating func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard let current = open.last, count > 0 else { return }
        let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        if records[Int(current)].text.isEmpty {
            records[Int(current)].text = text
        } else {
            records[Int(current)].text += text
        }
    }

    /// The value tree of the first element (the root), with paths as `LibXML2Tree` assigns them.
    func root() -> XMLElementNode {
        guard !records.isEmpty else { return XMLElementNode(name: "") }
        return element(0, parentPath: "", step: nil, index: 0)
    }

    /// Builds record `index`; `step`/`index` as in `XMLElementNode`'s path, nil step for the root.
    /// Children are walked through the sibling links rather than gathered into arrays first.
    private func element(_ index: Int32, parentPath: String, step: String?, index stepIndex: Int) -> XMLElementNode {
        let record = records[Int(index)]
        let name = strings[Int(record.name)]
        var count = 0
        var child = record.firstChild
        while child >= 0 {
            count += 1
            child = records[Int(child)].nextSibling
        }
        let path: String
        if let step {
            // Only parents need their own path built; a leaf's is joined when asked for.
            path = count == 0 ? "" : XMLElementNode.Storage.join(parentPath, step, stepIndex)
        } else {
            path = "/" + name
        }
        var children: [XMLElementNode] = []
        children.reserveCapacity(count)
        // Many children (a list of thousands of groups): tally names once; few: count in place.
        var totals: [Int32: Int] = [:]
        var seen: [Int32: Int] = [:]
        if count > 16 {
            child = record.firstChild
            while child >= 0 {
                totals[records[Int(child)].name, default: 0] += 1
                child = records[Int(child)].nextSibling
            }
        }
        child = record.firstChild
        while child >= 0 {
            let id = records[Int(child)].name
            let total: Int, position: Int
            if count > 16 {
                total = totals[id] ?? 1
                seen[id, default: 0] += 1
                position = seen[id] ?? 1
            } else {
                (total, position) = sameNamed(from: record.firstChild, upTo: child, name: id)
            }
            children.append(element(child, parentPath: path, step: strings[Int(id)], index: total > 1 ? position : 0))
            child = records[Int(child)].nextSibling
        }
        let namespaceURI = record.namespace >= 0 ? strings[Int(record.namespace)] : nil
        let text = LibXML2Tree.isBlank(record.text) ? "" : record.text
        guard let step else {
            return XMLElementNode(name: name, namespaceURI: namespaceURI, attributes: record.attributes, children: children,
                                  text: text, line: record.line, path: path)
        }
        return XMLElementNode(name: name, namespaceURI: namespaceURI, attributes: record.attributes, children: children,
                              text: text, line: record.line, parentPath: parentPath, step: step, index: stepIndex)
    }

    /// Among the siblings starting at `first`: how many are called `name`, and how many of those
    /// come no later than `target`.
    private func sameNamed(from first: Int32, upTo target: Int32, name: Int32) -> (total: Int, position: Int) {
        var total = 0, position = 0
        var sibling = first
        while sibling >= 0 {
            if records[Int(sibling)].name == name {
                total += 1
                if sibling <= target { position = total }
            }
            sibling = records[Int(sibling)].nextSibling
        }
        return (total, position)
    }
}

/// SAX2 handlers feeding the `ElementStream` that hangs off the parse's `DiagnosticCollector`.
/// The line is the parser's line when the start tag is read: what libxml2's tree builder stores
/// (and, past 65,534, what `recordBigLines` records).
let streamStartElement: startElementNsSAX2Func = { context, name, _, uri, _, _, attributeCount, _, attributes in
    guard let context else { return }
    let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
    guard let stream = DiagnosticCollector.from(parser.pointee._private)?.elements else { return }
    let line = parser.pointee.input.map { Int($0.pointee.line) } ?? 0
    stream.table.start(name: name, namespace: uri, line: line, attributes: attributes, attributeCount: Int(attributeCount))
}

let streamEndElement: endElementNsSAX2Func = { context, _, _, _ in
    guard let context else { return }
    let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
    DiagnosticCollector.from(parser.pointee._private)?.elements?.table.end()
}

let streamCharacters: charactersSAXFunc = { context, bytes, count in
    guard let context, let bytes else { return }
    let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
    DiagnosticCollector.from(parser.pointee._private)?.elements?.table.characters(bytes, count: Int(count))
}
