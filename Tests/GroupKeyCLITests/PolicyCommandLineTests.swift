import Foundation
import GroupKeyTestSupport
import Testing

/// Runs the built `groupkey` binary as an operator would and checks exit codes and output.
@Suite struct PolicyCommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func locateBinary() -> URL? { GroupKeyBinary.locate() }

    struct Run {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let executable = try #require(locateBinary(), "groupkey binary not found beside the test bundle")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                   errorOutput: String(decoding: errorData, as: UTF8.self))
    }

    static let findings = "Tests/GroupPolicyTests/Fixtures/findings/"

    @Test func publishedPoliciesValidateWithExitZero() throws {
        let result = try Self.run(["validate", "Policies"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("5 file(s), 5 group(s): valid"))
    }

    @Test func errorFindingsExitOneAndWarningsAlone() throws {
        let errors = try Self.run(["validate", Self.findings + "GP107-inline-secret.xml"])
        #expect(errors.status == 1)
        #expect(errors.output.contains("GP107-inline-secret.xml:8: error GP107 inline-secret"))
        let warnings = try Self.run(["validate", Self.findings + "GP108-legacy-algorithm.xml"])
        #expect(warnings.status == 0, "warnings alone must not fail validation")
        #expect(warnings.output.contains("warning GP108"))
    }

    @Test func jsonOutputCarriesEveryField() throws {
        let result = try Self.run(["validate", "--format", "json", Self.findings + "GP106-rekey-destination-not-multicast.xml"])
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings.first?["code"] as? String == "GP106")
        #expect(findings.first?["line"] as? Int == 18)
        #expect(findings.first?["path"] as? String == "/policies/group/rekey")
        #expect(findings.first?["hint"] is String)
    }

    @Test func unreadableInputAndMissingArgumentsExitTwo() throws {
        let missing = try Self.run(["validate", "--format", "json", "no/such/policy.xml", "Policies/demo-group-1001.xml"])
        #expect(missing.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(missing.output.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.map { $0["code"] as? String } == ["GP000"])
        #expect(findings.first?["file"] as? String == "no/such/policy.xml")
        #expect(object["files"] as? Int == 1, "the readable file is still validated")
        #expect(try Self.run(["validate"]).status == 2)
        #expect(try Self.run(["policy", "show", "no/such/policy.xml"]).status == 2)
    }

    @Test func policyShowPrintsWhatTheDemoGroupHandsOut() throws {
        let text = try Self.run(["policy", "show", "Policies/demo-group-1001.xml"])
        #expect(text.status == 0)
        #expect(text.output.contains("GDOI 1001, IDg key-id:000003e9"))
        #expect(text.output.contains("GDOI transform 20"))
        let json = try Self.run(["policy", "show", "--format", "json", "Policies", "--group", "demo-1001"])
        #expect(json.status == 0)
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(groups.count == 1)
        #expect(groups.first?["gdoiGroupID"] as? Int == 1001)
        let invalid = try Self.run(["policy", "show", Self.findings + "GP109-forbidden-algorithm.xml"])
        #expect(invalid.status == 1)
        #expect(invalid.errorOutput.contains("GP109"))
    }

    @Test func benchmarkRunsOnASmallSet() throws {
        let result = try Self.run(["bench", "policy", "--groups", "40", "--runs", "1"])
        #expect(result.status == 0)
        #expect(result.output.contains("validated 40 groups in 40 files"))
        #expect(result.output.contains("; 0 findings"))
    }
}
