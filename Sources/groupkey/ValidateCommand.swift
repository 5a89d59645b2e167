import ArgumentParser
import Foundation
import GroupPolicy

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check group policy files offline: XSD, then semantic checks across all files given.",
        discussion: """
            Every finding is reported, each with a stable code (GP000-GP119), severity, file:line, \
            element path, message and fix hint; Policies/README.md lists the codes.
            Exit status: 0 no errors (warnings allowed), 1 findings at error level, 2 unreadable input or usage.
            """
    )

    @Argument(help: "Policy files, or directories searched recursively for *.xml.")
    var paths: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Output: Encodable {
        var valid: Bool
        var files: Int
        var groups: Int
        var errors: Int
        var warnings: Int
        var findings: [PolicyFinding]
    }

    func run() throws {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("groupkey validate: give at least one PATH (see --help)\n".utf8))
            throw ExitCode(2)
        }
        let collected = PolicyInputs.collect(paths)
        var report = PolicyValidator.validate(collected.inputs)
        report.findings = collected.unreadable + report.findings
        let groups = report.files.reduce(0) { $0 + $1.document.groups.count }

        switch format {
        case .json:
            print(PolicyJSON.encode(Output(valid: report.isValid, files: collected.inputs.count, groups: groups,
                                           errors: report.errorCount, warnings: report.warningCount,
                                           findings: report.findings)))
        case .text:
            for finding in report.findings { print(Self.text(finding)) }
            let verdict = report.isValid ? "valid" : "\(report.errorCount) error(s)"
            print("\(collected.inputs.count) file(s), \(groups) group(s): \(verdict), \(report.warningCount) warning(s)")
        }
        if !collected.unreadable.isEmpty { throw ExitCode(2) }
        if !report.isValid { throw ExitCode(1) }
    }

    static func text(_ finding: PolicyFinding) -> String {
        var text = "\(finding.file):\(finding.line): \(finding.severity.rawValue) \(finding.code.rawValue) \(finding.code.name): \(finding.message)"
        if let path = finding.elementPath, !path.isEmpty { text += "\n    at \(path)" }
        text += "\n    hint: \(finding.hint)"
        return text
    }
}
