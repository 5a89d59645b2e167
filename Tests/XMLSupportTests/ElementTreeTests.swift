import Testing
@testable import XMLSupport

/// The value tree: copy-on-write elements, paths that agree with the upward XPath reading,
/// and text blanking exactly as `Character.isWhitespace` decides.
@Suite struct ElementTreeTests {
    private func parse(_ text: String) throws(XMLSupportError) -> XMLParsedDocument {
        try SafeXMLParser.parse(Array(text.utf8), file: "t.xml")
    }

    @Test func copiesAreIndependent() throws {
        let document = try parse("<a><b>one</b><c/></a>")
        let original = document.root
        var copy = original
        copy.name = "z"
        copy.children[0].text = "two"
        copy.path = "/elsewhere"
        #expect(original.name == "a")
        #expect(original.children[0].text == "one")
        #expect(original.path == "/a")
        #expect(copy.children[0].text == "two")
        #expect(copy.path == "/elsewhere")
        #expect(copy != original)
        #expect(document.root == original)
    }

    /// Many same-named siblings (the counted path) and few (the direct path), nested.
    @Test func pathsMatchTheUpwardReadingOfEveryElement() throws {
        var text = "<r xmlns=\"urn:x\">"
        for index in 1...20 { text += "<g><x>\(index)</x><h/><h/><k/></g><h/>" }
        text += "<k><y/><y/></k></r>"
        let document = try parse(text)
        var tree: [String] = []
        func walk(_ node: XMLElementNode) {
            tree.append(node.path)
            node.children.forEach(walk)
        }
        walk(document.root)
        let upward = try document.select("//*").compactMap(\.path)
        #expect(tree == upward)
        #expect(tree.contains("/r/g[17]/x"))
        #expect(tree.contains("/r/g[3]/h[2]"))
        #expect(tree.contains("/r/h[20]"))
        #expect(tree.contains("/r/k/y[2]"))
        #expect(tree.contains("/r/g[1]/k"))
        // XPath matches carry the same elements, paths included.
        let match = try #require(try document.select("/p:r/p:g[17]", namespaces: ["p": "urn:x"]).first?.element)
        #expect(match == document.root.children(named: "g")[16])
    }

    @Test(arguments: ["", " ", "\n\t \r", "\u{A0}", " \u{2028} ", "x", " x ", "\u{A0}x", "é", "\u{B} \u{C}", "\u{85}"])
    func blankTextIsDecidedLikeCharacterIsWhitespace(_ text: String) {
        #expect(LibXML2Tree.isBlank(text) == text.allSatisfy(\.isWhitespace))
    }

    @Test func blankTextIsDroppedAndOtherTextKept() throws {
        let document = try parse("<a><b>\u{A0}</b><c> x </c><d>&#13;</d><e>1<f/>2</e></a>")
        let root = document.root
        #expect(root.text == "")
        #expect(root.child(named: "b")?.text == "")
        #expect(root.child(named: "c")?.text == " x ")
        #expect(root.child(named: "d")?.text == "")
        #expect(root.child(named: "e")?.text == "12")
    }

    @Test func writerEscapesOnlyWhatItMust() {
        #expect(XMLTextWriter.escapeText("plain 10.0.0.1/24") == "plain 10.0.0.1/24")
        #expect(XMLTextWriter.escapeText("a&b<c>d\re\"f") == "a&amp;b&lt;c&gt;d&#13;e\"f")
        #expect(XMLTextWriter.escapeAttribute("plain") == "plain")
        #expect(XMLTextWriter.escapeAttribute("q\"t\tn\nr\r&<>") == "q&quot;t&#9;n&#10;r&#13;&amp;&lt;&gt;")
        var writer = XMLTextWriter()
        writer.open("a", [("k", "v&")])
        for _ in 0..<20 { writer.open("b") }
        writer.leaf("c", text: "<")
        let text = writer.finish()
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\"v&amp;\">\n  <b>\n"))
        #expect(text.contains("\n" + String(repeating: "  ", count: 21) + "<c>&lt;</c>\n"))
        #expect(text.hasSuffix("  </b>\n</a>\n"))
    }

    // MARK: parseElements (no libxml2 tree) gives what parse(...).root gives

    static let streamCases = [
        "<a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a xmlns=\"urn:x\" xmlns:p=\"urn:p\">\n  <p:b k=\"1\" p:j=\"2\">t</p:b>\n  <b/>\n</a>\n",
        "<a>one<!-- c -->two<?pi x?>three<b/>four</a>",
        "<a><c><![CDATA[x<y]]>&amp;&lt;&#65;&#x42;</c><d>\u{A0}</d><e> \n </e></a>",
        "<a k=\"x &amp; y\" l=\"&#38;&#x26;&lt;\" m=\"tab&#9;nl&#10;\"/>",
        "<a k=\"line\nbreak\ttab\"><b>é 🔑</b></a>",
        "<r>" + String(repeating: "<g><h/><h/></g>", count: 30) + "<k>1</k></r>",
        // Wide enough (80 children, two names) that the streamed tree builds its children in parallel.
        "<r>" + String(repeating: "<g><h/><h/></g><x>1</x>", count: 40) + "</r>",
    ]

    @Test(arguments: streamCases)
    func streamedTreeEqualsTheTreeOfParse(_ text: String) throws {
        let bytes = Array(text.utf8)
        let streamed = try SafeXMLParser.parseElements(bytes, file: "s.xml")
        let tree = try SafeXMLParser.parse(bytes, file: "s.xml").root
        #expect(streamed == tree)
    }

    /// Lines past libxml2's 16-bit field are exact in both.
    @Test func streamedLinesPast65535AreExact() throws {
        var text = "<r>\n"
        for index in 0..<70_000 { text += "<e n=\"\(index)\"/>\n" }
        text += "<last/>\n</r>\n"
        let bytes = Array(text.utf8)
        let streamed = try SafeXMLParser.parseElements(bytes, file: "big.xml")
        #expect(streamed.children.last?.line == 70_002)
        #expect(streamed.children[65_540].line == 65_542)
        #expect(streamed == (try SafeXMLParser.parse(bytes, file: "big.xml").root))
    }

    @Test(arguments: ["", "<a", "<a></b>", "<a>&undefined;</a>", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
                      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "<a>\u{0}</a>", "<a/><b/>"])
    func streamedParseRefusesWhatParseRefuses(_ text: String) {
        let bytes = Array(text.utf8)
        var treeError: XMLSupportError?
        var streamError: XMLSupportError?
        do { _ = try SafeXMLParser.parse(bytes, file: "bad.xml") } catch { treeError = error }
        do { _ = try SafeXMLParser.parseElements(bytes, file: "bad.xml") } catch { streamError = error }
        #expect(treeError != nil)
        #expect(streamError == treeError)
    }
}

