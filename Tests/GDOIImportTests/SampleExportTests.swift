import Foundation
import GDOIImport
import GroupPolicy
import Testing

/// Every sample export in Migration/samples imports to exactly the expected policies and report
/// (byte for byte), and every expected policy passes the policy validator.
@Suite struct SampleExportTests {
    @Test(arguments: ExportFormat.allCases)
    func atLeastEightSamplesPerFormat(_ format: ExportFormat) {
        #expect(SampleFiles.samples(format).count >= 8)
    }

    @Test(arguments: SampleFiles.allSamples)
    func importMatchesExpectedBytes(_ sample: SampleFiles.Sample) throws {
        let result = GDOIImporter.run([try sample.input()], from: sample.format)
        let expectedFiles = try FileManager.default.contentsOfDirectory(atPath: sample.expectedDirectory.path)
            .filter { $0.hasSuffix(".xml") }.sorted()
        #expect(result.policies.map(\.fileName).sorted() == expectedFiles)
        for policy in result.policies {
            let expected = try SampleFiles.text(sample.expectedDirectory.appendingPathComponent(policy.fileName))
            #expect(policy.text == expected, "\(policy.fileName) differs from the expected policy")
        }
        let expectedText = try SampleFiles.text(sample.expectedDirectory.appendingPathComponent("import-report.txt"))
        #expect(result.report.text == expectedText)
        let expectedJSON = try SampleFiles.text(sample.expectedDirectory.appendingPathComponent("import-report.json"))
        #expect(try SampleFiles.json(result.report) == expectedJSON)
    }

    @Test(arguments: SampleFiles.allSamples)
    func expectedPoliciesValidate(_ sample: SampleFiles.Sample) throws {
        let files = try FileManager.default.contentsOfDirectory(at: sample.expectedDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }
        let inputs = try files.map { PolicyValidator.Input(name: $0.lastPathComponent, bytes: Array(try Data(contentsOf: $0))) }
        let report = PolicyValidator.validate(inputs)
        #expect(report.isValid, "\(report.findings.filter { $0.severity == .error })")
    }

    /// Import -> write -> read gives the model back, and a second import the same bytes.
    @Test(arguments: SampleFiles.allSamples)
    func writeReadIsIdentityAndReimportIsStable(_ sample: SampleFiles.Sample) throws {
        let first = GDOIImporter.run([try sample.input()])
        let second = GDOIImporter.run([try sample.input()])
        #expect(first.policies == second.policies)
        #expect(first.report == second.report)
        for policy in first.policies {
            let read = try PolicyReader.decode(policy.text, file: policy.fileName)
            #expect(read == policy.document)
        }
    }

    /// Key material in the exports (Cisco `key`, Junos `$9$`, an inline value) never reaches an
    /// output file or the report.
    @Test(arguments: SampleFiles.allSamples)
    func secretsNeverLeak(_ sample: SampleFiles.Sample) throws {
        let result = GDOIImporter.run([try sample.input()])
        let output = result.policies.map(\.text).joined() + result.report.text + (try SampleFiles.json(result.report))
        for secret in ["never-copied", "$9$", "do-not-copy-me", "type6-secret"] {
            #expect(!output.contains(secret))
        }
    }

    /// All samples of one format imported together: cross-file duplicates are refused and the
    /// union still validates.
    @Test(arguments: ExportFormat.allCases)
    func allSamplesOfAFormatTogetherValidate(_ format: ExportFormat) throws {
        let inputs = try SampleFiles.samples(format).map { try $0.input() }
        let result = GDOIImporter.run(inputs, from: format)
        #expect(!result.policies.isEmpty)
        let report = PolicyValidator.validate(result.policies.map { PolicyValidator.Input(name: $0.fileName, bytes: Array($0.text.utf8)) })
        #expect(report.isValid, "\(report.findings.filter { $0.severity == .error })")
    }
}

extension SampleExportTests {
    /// Every sample of every format in one run (`--from auto`): overlapping traffic and reused
    /// identities across vendors are refused, and what is written still validates as a whole.
    @Test func everySampleTogetherValidates() throws {
        let result = GDOIImporter.run(try SampleFiles.allSamples.map { try $0.input() })
        #expect(result.report.files.allSatisfy { $0.format != nil })
        // 32 groups: 7 refused as duplicates or unusable, 5 because their traffic overlaps a group
        // met earlier (checked by hand: e.g. Junos GVPN-1's 10.0.0.0/8 covers Cisco GETVPN-BRANCH).
        #expect(result.policies.count == 20)
        // Refusing the broad GVPN-1 does not also refuse the narrower groups only it overlapped.
        #expect(result.policies.contains { $0.fileName == "MCAST.xml" })
        #expect(!result.policies.contains { $0.fileName == "GVPN-1.xml" })
        let report = PolicyValidator.validate(result.policies.map { PolicyValidator.Input(name: $0.fileName, bytes: Array($0.text.utf8)) })
        #expect(report.isValid, "\(report.findings.filter { $0.severity == .error })")
    }

    /// A Junos NETCONF <get-config> reply wraps the configuration in <data>.
    @Test func junosGetConfigReplyIsRead() throws {
        let text = try SampleFiles.text(SampleFiles.samplesRoot.appendingPathComponent("junos/01-unicast-server.xml"))
            .replacingOccurrences(of: "<configuration junos:", with: "<data><configuration junos:")
            .replacingOccurrences(of: "</configuration>", with: "</configuration></data>")
        let result = GDOIImporter.run([ExportInput(name: "get-config.xml", bytes: Array(text.utf8))])
        #expect(result.report.files.first?.format == .junos)
        #expect(result.policies.map(\.fileName) == ["GVPN-1.xml"])
    }
}
