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
        ElementTreeAssembly(records: records, strings: strings).root()
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
