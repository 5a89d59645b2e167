import Foundation
import Testing
@testable import GroupPolicy

/// Many groups in one file: line numbers stay exact past 65,535 lines, where libxml2's 16-bit
/// node line runs out and XMLSupport's own line table takes over, for semantic findings and
/// for schema messages alike.
@Suite struct LargeDocumentTests {
    static func group(_ index: Int, inlineKey: Bool = false, badMode: Bool = false) -> String {
        let psk = inlineKey ? "<psk inline=\"oops\"/>" : "<psk secret-ref=\"secrets:g\(index)\"/>"
        let sa = badMode ? "<sa name=\"tek\" mode=\"tunel\">" : "<sa name=\"tek\">"
        return """
              <group name="g\(index)">
                <identity gdoi-id="\(50_000 + index)"/>
                <protocols serve="gikev2" migration="migrated"/>
                <key-server address="192.0.2.1"/>
                <registration>
                  \(psk)
                </registration>
                <data-security>
                  \(sa)
                    <selector source="10.\(index >> 8).\(index & 0xff).0/24" destination="10.\(index >> 8).\(index & 0xff).0/24"/>
                    <encryption algorithm="aes-cbc" key-length="128"/>
                    <integrity algorithm="hmac-sha2-256-128"/>
                    <lifetime seconds="3600"/>
                  </sa>
                </data-security>
              </group>

            """
    }

    @Test func findingsPastLine65535HaveExactLines() throws {
        let count = 5_000
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<policies xmlns=\"urn:groupkey:policy:1\">\n"
        for index in 0..<count { text += Self.group(index, inlineKey: index == count - 1) }
        text += "</policies>\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLine = try #require(lines.firstIndex { $0.contains("inline=\"oops\"") }) + 1
        #expect(expectedLine > 65_535)

        let report = PolicyValidator.validate([PolicyValidator.Input(name: "big.xml", bytes: Array(text.utf8))])
        #expect(report.files.first?.document.groups.count == count)
        #expect(report.findings.count == 1, "\(report.findings.prefix(3).map(\.message))")
        let finding = try #require(report.findings.first)
        #expect(finding.code == .inlineSecret)
        #expect(finding.line == expectedLine)
        #expect(finding.elementPath == "/policies/group[\(count)]/registration/psk")
    }

    @Test func schemaViolationsPastLine65535HaveExactLines() throws {
        let count = 5_000
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<policies xmlns=\"urn:groupkey:policy:1\">\n"
        for index in 0..<count { text += Self.group(index, badMode: index == count - 2) }
        text += "</policies>\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLine = try #require(lines.firstIndex { $0.contains("mode=\"tunel\"") }) + 1
        #expect(expectedLine > 65_535)
        let report = PolicyValidator.validate([PolicyValidator.Input(name: "big.xml", bytes: Array(text.utf8))])
        let finding = try #require(report.findings.first)
        #expect(finding.code == .schemaViolation)
        #expect(finding.line == expectedLine)
        #expect(finding.elementPath == "/policies/group[\(count - 1)]/data-security/sa")
    }
}
