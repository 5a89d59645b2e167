import Foundation
import Testing
@testable import XMLSupport

@Suite struct SafeXMLParserTests {
    private func parse(_ text: String, file: String = "t.xml") throws(XMLSupportError) -> XMLParsedDocument {
        try SafeXMLParser.parse(Array(text.utf8), file: file)
    }

    @Test func buildsValueTreeWithLinesAndPaths() throws {
        let document = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <a xmlns="urn:x">
              <b k="1"/>
              <b k="2">text &amp; more</b>
              <c><![CDATA[x<y]]></c>
            </a>
            """)
        let root = document.root
        #expect(root.name == "a")
        #expect(root.namespaceURI == "urn:x")
        #expect(root.line == 2)
        let bs = root.children(named: "b")
        #expect(bs.count == 2)
        #expect(bs[0].attribute("k") == "1")
        #expect(bs[1].line == 4)
        #expect(bs[1].path == "/a/b[2]")
        #expect(bs[1].text == "text & more")
        #expect(root.child(named: "c")?.text == "x<y")
        #expect(root.child(named: "c")?.path == "/a/c")
    }

    @Test func truncatedInputIsMalformedWithLine() {
        do {
            _ = try parse("<a>\n<b>\n")
            Issue.record("truncated input parsed")
        } catch {
            #expect(error.code == "XML002")
            #expect(error.diagnostics.allSatisfy { $0.file == "t.xml" })
            #expect(error.diagnostics.contains { $0.line >= 2 })
        }
    }

    @Test func emptyInputIsMalformed() {
        #expect(throws: XMLSupportError.self) { try SafeXMLParser.parse([], file: "e.xml") }
    }

    @Test func latin1BytesLabelledUTF8AreRefused() {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>caf".utf8)
        bytes += [0xE9] + Array("</a>\n".utf8)
        do {
            _ = try SafeXMLParser.parse(bytes, file: "latin1.xml")
            Issue.record("invalid UTF-8 parsed")
        } catch {
            #expect(error.code == "XML002")
        }
    }

    @Test func declaredNonUTF8EncodingIsRefused() {
        do {
            _ = try parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a/>\n")
            Issue.record("ISO-8859-1 declaration accepted")
        } catch {
            #expect(error.code == "XML004")
        }
    }

    @Test func utf16InputIsRefused() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>".utf16 {
            bytes += [UInt8(unit & 0xff), UInt8(unit >> 8)]
        }
        #expect(throws: XMLSupportError.self) { try SafeXMLParser.parse(bytes, file: "utf16.xml") }
    }

    @Test func entityExpansionBombIsRefusedFast() {
        var text = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        var previous = "lol"
        for level in 1...9 {
            let name = "lol\(level)"
            text += " <!ENTITY \(name) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
            previous = name
        }
        text += "]>\n<lolz>&\(previous);</lolz>\n"
        let start = Date()
        do {
            _ = try parse(text)
            Issue.record("entity bomb parsed")
        } catch {
            #expect(error.code == "XML003")
            #expect(error.diagnostics.first?.line == 2)
        }
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func externalFileEntityIsNeverRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xmlsupport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("secret.txt")
        try "TOP-SECRET-MARKER".write(to: secret, atomically: true, encoding: .utf8)
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE a [ <!ENTITY x SYSTEM "file://\(secret.path)"> ]>
            <a>&x;</a>
            """
        do {
            let document = try parse(text)
            Issue.record("external entity parsed: \(document.root.text)")
        } catch {
            #expect(error.code == "XML003")
            #expect(!error.description.contains("TOP-SECRET-MARKER"))
        }
        // A DOCTYPE with only an external subset identifier is refused too.
        #expect(throws: XMLSupportError.self) {
            try parse("<!DOCTYPE a SYSTEM \"file://\(secret.path)\">\n<a/>")
        }
    }

    @Test func externalURLEntityMakesNoConnection() throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE a [ <!ENTITY x SYSTEM "http://127.0.0.1:\(listener.port)/x"> ]>
            <a>&x;</a>
            """
        #expect(throws: XMLSupportError.self) { try parse(text) }
        #expect(throws: XMLSupportError.self) {
            try parse("<!DOCTYPE a PUBLIC \"-//x//y\" \"http://127.0.0.1:\(listener.port)/d.dtd\">\n<a/>")
        }
        #expect(!listener.hasPendingConnection(), "the parser opened a connection")
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() {
        let depth = 100_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        do {
            _ = try parse(text)
            Issue.record("100,000 nested elements parsed")
        } catch {
            #expect(error.code == "XML002")
        }
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let bytes = [UInt8](repeating: 0x20, count: SafeXMLParser.maximumInputBytes + 1)
        #expect(throws: XMLSupportError.inputTooLarge(file: "big.xml", bytes: bytes.count)) {
            try SafeXMLParser.parse(bytes, file: "big.xml")
        }
    }

    @Test func xpathSelectsNamespacedElementsWithLines() throws {
        let document = try parse("<r xmlns=\"urn:x\">\n<g id=\"1\"/>\n<g id=\"2\"/>\n</r>")
        let matches = try document.select("//p:g[@id='2']", namespaces: ["p": "urn:x"])
        #expect(matches.count == 1)
        #expect(matches.first?.line == 3)
        #expect(matches.first?.path == "/r/g[2]")
        #expect(matches.first?.element?.attribute("id") == "2")
        let count = try document.select("count(//p:g)", namespaces: ["p": "urn:x"])
        #expect(count.first?.stringValue == "2")
        let attributes = try document.select("//p:g/@id", namespaces: ["p": "urn:x"])
        #expect(attributes.map(\.stringValue) == ["1", "2"])
        #expect(throws: XMLSupportError.xpathFailed(expression: "//[")) { try document.select("//[") }
    }
}
