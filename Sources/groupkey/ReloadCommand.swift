import ArgumentParser
import Foundation
import Gateway

/// `groupkey reload`: the running server re-reads its policies (as on SIGHUP).
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the running server's policy directory; a reload that does not validate changes nothing.",
        discussion: """
        Changes to data-security SAs or the rekey SA trigger a rekey; authorization, registration, \
        timers and the like apply silently; a changed group identity or key-tree shape is refused \
        (restart to apply). Exit codes: 0 applied, 1 refused (diagnostics printed) or no server, 2 usage.
        """
    )

    @OptionGroup var control: ControlSocketOption

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let response = try await control.send(.reload)
        guard let report = response.reload else { throw control.refused(response) }
        if format == .json {
            print(String(decoding: ControlProtocol.encode(response).dropLast(), as: UTF8.self))
        } else {
            print(ReloadText.render(report))
        }
        if !report.applied { throw ExitCode(CLIExitCode.findings) }
    }
}

enum ReloadText {
    static func render(_ report: ReloadReport) -> String {
        guard report.applied else {
            return (["reload refused, nothing changed:"] + report.diagnostics.map { "  \($0)" }).joined(separator: "\n")
        }
        var lines = ["reload applied"]
        if !report.added.isEmpty { lines.append("  added: " + report.added.joined(separator: ", ")) }
        if !report.removed.isEmpty { lines.append("  removed: " + report.removed.joined(separator: ", ")) }
        for group in report.changed {
            lines.append("  changed \(group.name): \(group.aspects.joined(separator: ", ")); rekey \(group.rekey)")
        }
        if !report.unchanged.isEmpty { lines.append("  unchanged: " + report.unchanged.joined(separator: ", ")) }
        lines += report.diagnostics.map { "  note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
