import ArgumentParser
import Foundation
import GDOIImport

/// `groupkey import`: GDOI key-server exports -> native policies + migration report.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Translate GDOI key-server exports (Cisco IOS-XE, Junos, neutral XML) into native group policies.",
        discussion: """
            Writes one policy per imported group into DIR (GROUP.xml, canonical form, so re-importing \
            the same export gives the same bytes) and the migration report (import-report.txt and \
            import-report.json, or --report FILE). Every policy written passes `groupkey validate`. \
            Pre-shared keys and signing keys become secret references; their values are never written. \
            Migration/README.md explains each report code.
            Exit status: 0 clean, 1 imported with items needing a decision, 2 nothing importable or usage.
            """
    )

    enum Source: String, ExpressibleByArgument, CaseIterable {
        case cisco, junos, auto
        case gdoiXML = "gdoi-xml"

        var format: ExportFormat? {
            switch self {
            case .cisco: return .cisco
            case .junos: return .junos
            case .gdoiXML: return .gdoiXML
            case .auto: return nil
            }
        }
    }

    @Option(help: "Export format: cisco, junos, gdoi-xml or auto (from the root element).")
    var from: Source = .auto

    @Argument(help: "Export files.")
    var files: [String] = []

    @Option(name: .shortAndLong, help: "Directory the policies (and the report) are written to.")
    var output: String?

    @Option(help: "Write the report to FILE (in --format) instead of DIR/import-report.{txt,json}.")
    var report: String?

    @Flag(help: "Print the report but write nothing.")
    var dryRun = false

    @Option(help: "Format of the report printed on standard output: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        guard !files.isEmpty else { throw usage("give at least one export FILE") }
        guard dryRun || output != nil else { throw usage("give -o DIR (or --dry-run)") }
        var inputs: [ExportInput] = []
        var unreadable: [String] = []
        for file in files {
            if let data = FileManager.default.contents(atPath: file) {
                inputs.append(ExportInput(name: file, bytes: Array(data)))
            } else {
                unreadable.append(file)
            }
        }
        let result = GDOIImporter.run(inputs, from: from.format)
        var migration = result.report
        for file in unreadable {
            migration.files.append(MigrationReport.FileSection(
                file: file, format: nil, groups: 0,
                items: [ReportItem(.unreadableExport, .refused, at: SourceLocation(file: file, line: 0, path: ""),
                                   "the file does not exist or cannot be read")]))
        }
        migration = MigrationReport(files: migration.files, groups: migration.groups)
        let text = migration.text
        let json = PolicyJSON.encode(migration) + "\n"
        print(format == .json ? json : text, terminator: "")

        if !dryRun, let output {
            let directory = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for policy in result.policies {
                try Data(policy.text.utf8).write(to: directory.appendingPathComponent(policy.fileName))
            }
            if let report {
                try Data((format == .json ? json : text).utf8).write(to: URL(fileURLWithPath: report))
            } else {
                try Data(text.utf8).write(to: directory.appendingPathComponent("import-report.txt"))
                try Data(json.utf8).write(to: directory.appendingPathComponent("import-report.json"))
            }
        }
        if migration.exitStatus != 0 { throw ExitCode(migration.exitStatus) }
    }

    func usage(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("groupkey import: \(message) (see --help)\n".utf8))
        return ExitCode(2)
    }
}
