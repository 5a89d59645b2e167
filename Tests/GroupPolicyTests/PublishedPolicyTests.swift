import Foundation
import Testing
@testable import GroupPolicy

/// The demo policy and every documented example validate cleanly, alone and all together (the
/// way `groupkey validate Policies/` checks them), and each is already in canonical form modulo
/// comments and defaults: re-reading the canonical output gives the same model.
@Suite struct PublishedPolicyTests {
    @Test func examplesAreTheOnesTheIssueAsksFor() throws {
        let names = Set(try FixtureFiles.publishedPolicies().map(\.lastPathComponent))
        #expect(names.isSuperset(of: ["demo-group-1001.xml", "minimal-group.xml", "multicast-rekey-lkh.xml",
                                      "migration-dual-stack.xml", "certificate-group.xml"]))
    }

    @Test func eachPublishedPolicyValidatesAlone() throws {
        for url in try FixtureFiles.publishedPolicies() {
            let report = PolicyValidator.validate([try FixtureFiles.input(url)])
            #expect(report.findings.isEmpty, "\(url.lastPathComponent): \(report.findings.map { "\($0.line) \($0.code.rawValue) \($0.message)" })")
            #expect(report.files.count == 1)
        }
    }

    @Test func allPublishedPoliciesValidateTogether() throws {
        let report = PolicyValidator.validate(try FixtureFiles.publishedPolicies().map(FixtureFiles.input))
        #expect(report.findings.isEmpty, "\(report.findings.map { "\($0.file):\($0.line) \($0.code.rawValue) \($0.message)" })")
    }

    @Test func canonicalFormOfEachExampleRoundTrips() throws {
        for url in try FixtureFiles.publishedPolicies() {
            let document = try PolicyReader.decode(String(decoding: try Data(contentsOf: url), as: UTF8.self), file: url.lastPathComponent)
            let canonical = PolicyWriter.write(document)
            #expect(try PolicyReader.decode(canonical) == document, "\(url.lastPathComponent)")
        }
    }
}
