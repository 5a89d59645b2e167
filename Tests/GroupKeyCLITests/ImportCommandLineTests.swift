import Foundation
import Testing

/// `groupkey import` as an operator runs it: exit codes, files written, dry run, stable output,
/// and output that `groupkey validate` accepts.
@Suite struct ImportCommandLineTests {
    static let samples = "Migration/samples/"

    static func temporaryDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("groupkey-import-\(name)-\(ProcessInfo.processInfo.processIdentifier)")
    }

    static func contents(_ directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            result[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return result
    }

    @Test func cleanImportExitsZeroAndValidates() throws {
        let out = Self.temporaryDirectory("clean")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try PolicyCommandLineTests.run(["import", Self.samples + "cisco/01-multicast-aes-1715.xml", "-o", out.path])
        #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
        let files = try Self.contents(out)
        #expect(Set(files.keys) == ["GETVPN-BRANCH.xml", "import-report.txt", "import-report.json"])
        let validate = try PolicyCommandLineTests.run(["validate", out.path])
        #expect(validate.status == 0, "\(validate.output)")
    }

    @Test func findingsExitOneAndReimportIsByteIdentical() throws {
        let first = Self.temporaryDirectory("first"), second = Self.temporaryDirectory("second")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let exports = ["junos/01-unicast-server.xml", "junos/02-whole-configuration-cluster.xml", "junos/06-certificates-two-groups.xml"]
            .map { Self.samples + $0 }
        let a = try PolicyCommandLineTests.run(["import", "--from", "junos"] + exports + ["-o", first.path])
        let b = try PolicyCommandLineTests.run(["import"] + exports + ["--output", second.path])
        #expect(a.status == 1 && b.status == 1)
        #expect(try Self.contents(first) == (try Self.contents(second)))
        #expect(try PolicyCommandLineTests.run(["validate", first.path]).status == 0)
    }

    @Test func dryRunWritesNothing() throws {
        let out = Self.temporaryDirectory("dry")
        let result = try PolicyCommandLineTests.run(["import", "--dry-run", Self.samples + "gdoi-xml/01-basic-multicast.xml", "-o", out.path])
        #expect(result.status == 0)
        #expect(result.output.contains("group N-BASIC"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func nothingImportableOrUnusableInputExitsTwo() throws {
        let broken = try PolicyCommandLineTests.run(["import", "--dry-run", Self.samples + "cisco/07-missing-references.xml"])
        #expect(broken.status == 2)
        let missing = try PolicyCommandLineTests.run(["import", "--dry-run", "no/such/export.xml"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("GI001"))
        let noFiles = try PolicyCommandLineTests.run(["import", "-o", "/tmp/x"])
        #expect(noFiles.status == 2)
        let noOutput = try PolicyCommandLineTests.run(["import", Self.samples + "cisco/01-multicast-aes-1715.xml"])
        #expect(noOutput.status == 2)
    }

    @Test func jsonReportAndReportFile() throws {
        let out = Self.temporaryDirectory("json")
        let reportFile = Self.temporaryDirectory("report").appendingPathExtension("json")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: reportFile)
        }
        let result = try PolicyCommandLineTests.run(["import", "--format", "json", "--report", reportFile.path,
                                                     Self.samples + "cisco/03-acl-operators-two-teks.xml", "-o", out.path])
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["exitStatus"] as? Int == 1)
        #expect(summary["groupsImported"] as? Int == 1)
        #expect(try Data(contentsOf: reportFile) == Data(result.output.utf8))
        #expect(Set(try Self.contents(out).keys) == ["DC-APPS.xml"])
    }
}

extension ImportCommandLineTests {
    /// The benchmark command works (a tiny size only: timings are taken by hand, in release).
    @Test func benchImportRunsOnASmallExport() throws {
        let result = try PolicyCommandLineTests.run(["bench", "import", "--groups", "10", "--acl-lines", "100", "--runs", "1"])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("imported 10 of 10 groups (100 selectors)"))
    }
}
