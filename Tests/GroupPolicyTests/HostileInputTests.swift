import Foundation
import Testing
@testable import GroupPolicy

/// Hostile inputs through the whole validation pipeline: each gives an error finding, none
/// crashes, none reads a file or touches the network (the XMLSupport tests prove the latter with
/// a listening socket; here no finding may carry file content).
@Suite struct HostileInputTests {
    static let expectedCodes: [String: FindingCode] = [
        "billion-laughs.xml": .xmlDoctypeForbidden,
        "external-entity-file.xml": .xmlDoctypeForbidden,
        "external-entity-url.xml": .xmlDoctypeForbidden,
        "external-dtd.xml": .xmlDoctypeForbidden,
        "truncated.xml": .xmlNotWellFormed,
        "latin1-labelled-utf8.xml": .xmlNotWellFormed,
        "utf16.xml": .xmlEncodingNotUTF8,
    ]

    @Test func everyHostileFileIsAnErrorWithItsCode() throws {
        let files = try FixtureFiles.xmlFiles(in: FixtureFiles.directory("hostile"))
        #expect(Set(files.map(\.lastPathComponent)) == Set(Self.expectedCodes.keys))
        for file in files {
            let start = Date()
            let report = PolicyValidator.validate([try FixtureFiles.input(file)])
            let name = file.lastPathComponent
            #expect(!report.isValid, "\(name) was accepted")
            #expect(report.files.isEmpty, "\(name) produced a model")
            #expect(report.findings.first?.code == Self.expectedCodes[name], "\(name): \(report.findings.map(\.message))")
            #expect(report.findings.allSatisfy { $0.line >= 1 }, "\(name): finding without a line")
            #expect(!report.findings.contains { $0.message.contains("root:") }, "\(name) leaked file content")
            #expect(Date().timeIntervalSince(start) < 2, "\(name) took too long")
        }
    }

    @Test func truncatedFileReportsWhereItEnds() throws {
        let file = try FixtureFiles.directory("hostile").appendingPathComponent("truncated.xml")
        let report = PolicyValidator.validate([try FixtureFiles.input(file)])
        let lines = String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(report.findings.contains { $0.line >= lines - 1 })
    }

    @Test func randomMutationsOfTheDemoNeverCrash() {
        var random = SeededGenerator(state: 42)
        let original = Array(DemoPolicyText.xml.utf8)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0x20...0x7e, using: &random), at: index)
                }
            }
            let report = PolicyValidator.validate([PolicyValidator.Input(name: "mutant.xml", bytes: bytes)])
            _ = report.findings.count
        }
    }
}
