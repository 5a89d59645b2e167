import Foundation
import Testing
@testable import GroupPolicy

/// One fixture set per finding code. Each file marks the lines that must be reported; the
/// validator must report exactly those (code, line) pairs: nothing missing, nothing extra.
@Suite struct FindingCodeTests {
    static let codesWithFixtures = FindingCode.allCases.filter { $0 != .unreadableFile }

    @Test(arguments: codesWithFixtures)
    func fixtureTriggersExactlyItsMarkedFindings(code: FindingCode) throws {
        let files = try FixtureFiles.xmlFiles(in: FixtureFiles.directory("findings"))
            .filter { $0.lastPathComponent.hasPrefix(code.rawValue + "-") }
        try #require(!files.isEmpty, "no fixture for \(code.rawValue)")
        var expected: Set<FixtureFiles.Expected> = []
        for file in files { expected.formUnion(try FixtureFiles.expectations(in: file)) }
        #expect(expected.contains { $0.code == code.rawValue }, "fixtures for \(code.rawValue) mark no line with it")

        let report = PolicyValidator.validate(try files.map(FixtureFiles.input))
        let actual = Set(report.findings.map { FixtureFiles.Expected(file: $0.file, code: $0.code.rawValue, line: $0.line) })
        let missing = expected.subtracting(actual), unexpected = actual.subtracting(expected)
        #expect(missing.isEmpty, "missing: \(missing.sorted { $0.line < $1.line }) got: \(report.findings.map { "\($0.line) \($0.code.rawValue) \($0.message)" })")
        #expect(unexpected.isEmpty, "unexpected: \(report.findings.filter { f in unexpected.contains { $0.line == f.line && $0.code == f.code.rawValue } }.map { "\($0.line) \($0.code.rawValue) \($0.message)" })")
        #expect(report.findings.allSatisfy { !$0.message.isEmpty && !$0.hint.isEmpty && $0.elementPath != nil || $0.code.rawValue < "GP004" })
    }

    @Test func severitiesFollowTheIssue() {
        #expect(FindingCode.legacyAlgorithm.severity == .warning)
        #expect(FindingCode.forbiddenAlgorithm.severity == .error)
        #expect(FindingCode.inlineSecret.severity == .error)
        #expect(Set(FindingCode.allCases.map(\.rawValue)).count == FindingCode.allCases.count)
        #expect(Set(FindingCode.allCases.map(\.name)).count == FindingCode.allCases.count)
    }

    @Test func everyFindingOfAFileIsReportedNotJustTheFirst() throws {
        let files = try FixtureFiles.xmlFiles(in: FixtureFiles.directory("findings"))
            .filter { $0.lastPathComponent.hasPrefix("GP109-") }
        let report = PolicyValidator.validate(try files.map(FixtureFiles.input))
        #expect(report.errorCount >= 3)
        #expect(!report.isValid)
    }

    @Test func legacyOnlyFileIsValidWithWarnings() throws {
        let files = try FixtureFiles.xmlFiles(in: FixtureFiles.directory("findings"))
            .filter { $0.lastPathComponent.hasPrefix("GP108-") }
        let report = PolicyValidator.validate(try files.map(FixtureFiles.input))
        #expect(report.isValid)
        #expect(report.warningCount >= 3)
    }

    @Test func findingsEncodeAsStableJSON() throws {
        let finding = PolicyFinding(.inlineSecret, file: "a.xml", line: 7, elementPath: "/policies/group/registration/psk",
                                    message: "m")
        let data = try JSONEncoder().encode(finding)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["code"] as? String == "GP107")
        #expect(object["name"] as? String == "inline-secret")
        #expect(object["severity"] as? String == "error")
        #expect(object["line"] as? Int == 7)
        #expect(object["path"] as? String == "/policies/group/registration/psk")
        #expect(try JSONDecoder().decode(PolicyFinding.self, from: data) == finding)
    }
}
