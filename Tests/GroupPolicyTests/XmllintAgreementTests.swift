import Foundation
import Testing
@testable import GroupPolicy

/// `xmllint --noout --schema Policies/groupkey-policy.xsd FILE` must reach the same verdict as our
/// own XSD step on every test file. xmllint (Debian libxml2-utils) may be missing on a fresh
/// machine; the test then says so and passes without checking.
@Suite struct XmllintAgreementTests {
    static func xmllintPath() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/xmllint" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func xmllintAccepts(_ file: URL, xmllint: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xmllint)
        let schema = FixtureFiles.policiesDirectory.appendingPathComponent("groupkey-policy.xsd")
        process.arguments = ["--noout", "--nonet", "--schema", schema.path, file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test func xmllintAgreesOnEveryTestFile() throws {
        guard let xmllint = Self.xmllintPath() else {
            print("SKIPPED: xmllint not found on PATH (install libxml2-utils); XSD agreement not checked")
            return
        }
        var files = try FixtureFiles.xmlFiles(in: FixtureFiles.directory("findings"))
        files += try FixtureFiles.xmlFiles(in: FixtureFiles.directory("hostile"))
        files += try FixtureFiles.publishedPolicies()
        #expect(files.count > 30)
        for file in files {
            let findings = PolicyValidator.validate([try FixtureFiles.input(file)]).findings
            let codes = Set(findings.map(\.code))
            let xmllintVerdict = try Self.xmllintAccepts(file, xmllint: xmllint)
            if codes.contains(.xmlDoctypeForbidden) || codes.contains(.xmlEncodingNotUTF8) {
                // Our parser refuses DOCTYPEs and non-UTF-8 input before any XSD check, by policy;
                // xmllint has no such rule, so there is no XSD verdict of ours to compare.
                continue
            }
            let ourVerdict = !codes.contains(.xmlNotWellFormed) && !codes.contains(.schemaViolation)
            #expect(ourVerdict == xmllintVerdict, "\(file.lastPathComponent): ours \(ourVerdict), xmllint \(xmllintVerdict)")
        }
    }

    @Test func xmllintAcceptsCanonicalWriterOutput() throws {
        guard let xmllint = Self.xmllintPath() else {
            print("SKIPPED: xmllint not found on PATH (install libxml2-utils); writer output not cross-checked")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-xmllint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for seed in 0..<20 {
            var generator = PolicyGenerator(seed: UInt64(seed) + 1000)
            let url = directory.appendingPathComponent("generated-\(seed).xml")
            try PolicyWriter.write(generator.document()).write(to: url, atomically: true, encoding: .utf8)
            #expect(try Self.xmllintAccepts(url, xmllint: xmllint), "seed \(seed)")
        }
    }
}
