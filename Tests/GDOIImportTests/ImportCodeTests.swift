import Foundation
import Testing
@testable import GDOIImport

/// Report codes are a contract (scripts match on them): unique, well-formed, documented.
@Suite struct ImportCodeTests {
    @Test func codesAndNamesAreUniqueAndWellFormed() {
        let codes = ImportCode.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(Set(ImportCode.allCases.map(\.name)).count == codes.count)
        #expect(codes.allSatisfy { $0.count == 5 && $0.hasPrefix("GI") && Int($0.dropFirst(2)) != nil })
    }

    /// Migration/README.md lists every code with its name.
    @Test func everyCodeIsDocumented() throws {
        let readme = try SampleFiles.text(SampleFiles.samplesRoot.deletingLastPathComponent().appendingPathComponent("README.md"))
        for code in ImportCode.allCases {
            #expect(readme.contains("| \(code.rawValue) | \(code.name) |"), "\(code.rawValue) missing from Migration/README.md")
        }
    }

    @Test func reportItemJSONRoundTrips() throws {
        let item = ReportItem(.unitConverted, .changed, at: SourceLocation(file: "f.xml", line: 7, path: "/a/b"), "x")
        let data = try JSONEncoder().encode(item)
        #expect(try JSONDecoder().decode(ReportItem.self, from: data) == item)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["name"] as? String == "unit-converted")
        #expect(object["line"] as? Int == 7)
    }

    @Test func decisionsDecideTheExitStatus() {
        #expect(!ImportOutcome.exact.needsDecision && !ImportOutcome.changed.needsDecision)
        #expect(ImportOutcome.decision.needsDecision && ImportOutcome.refused.needsDecision)
        #expect(MigrationReport(files: [], groups: []).exitStatus == 2)
    }
}
