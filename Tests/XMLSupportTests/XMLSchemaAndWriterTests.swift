import Testing
@testable import XMLSupport

@Suite struct XMLSchemaAndWriterTests {
    static let xsd = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"
                   xmlns="urn:x" elementFormDefault="qualified">
          <xs:element name="r">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="g" maxOccurs="unbounded">
                  <xs:complexType><xs:attribute name="id" type="xs:unsignedInt" use="required"/></xs:complexType>
                </xs:element>
              </xs:sequence>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """

    @Test func validDocumentHasNoFindings() throws {
        let schema = try XMLSchema(xsd: Self.xsd, name: "x.xsd")
        let document = try SafeXMLParser.parse(Array("<r xmlns=\"urn:x\"><g id=\"1\"/></r>".utf8), file: "ok.xml")
        #expect(schema.validate(document).isEmpty)
    }

    @Test func everySchemaViolationIsReportedWithLineAndPath() throws {
        let schema = try XMLSchema(xsd: Self.xsd, name: "x.xsd")
        let text = "<r xmlns=\"urn:x\">\n<g id=\"one\"/>\n<g/>\n<h/>\n</r>\n"
        let document = try SafeXMLParser.parse(Array(text.utf8), file: "bad.xml")
        let findings = schema.validate(document)
        #expect(findings.count >= 2)
        #expect(findings.contains { $0.line == 2 && $0.elementPath == "/r/g[1]" })
        #expect(findings.contains { $0.line == 3 })
        #expect(findings.allSatisfy { $0.file == "bad.xml" && $0.severity == .error })
    }

    @Test func brokenSchemaIsATypedError() {
        #expect(throws: XMLSupportError.self) { try XMLSchema(xsd: "<xs:schema/>", name: "bad.xsd") }
        #expect(throws: XMLSupportError.self) { try XMLSchema(xsd: "", name: "empty.xsd") }
    }

    @Test func writerEscapesAndParsesBack() throws {
        var writer = XMLTextWriter()
        writer.open("r", [("xmlns", "urn:x"), ("note", "a\"b<c>&\td\ne")])
        writer.comment("x -- y")
        writer.leaf("t", text: "1 < 2 & 3 > 0")
        writer.empty("e")
        let text = writer.finish()
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r "))
        #expect(text.hasSuffix("</r>\n"))
        let document = try SafeXMLParser.parse(Array(text.utf8), file: "w.xml")
        #expect(document.root.attribute("note") == "a\"b<c>&\td\ne")
        #expect(document.root.child(named: "t")?.text == "1 < 2 & 3 > 0")
        #expect(document.root.child(named: "e") != nil)
    }
}
