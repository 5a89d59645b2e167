import ArgumentParser
import Foundation
import Gateway

/// `groupkey rekey GROUP`: rekey a group now through the running server.
struct RekeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Rekey a group now (new TEKs to every member), or with --dry-run show what it would carry.",
        discussion: "Exit codes: 0 done (or previewed), 1 refused or no server on the control socket, 2 usage."
    )

    @Argument(help: "The group's name.")
    var group: String

    @Flag(name: .long, help: "Show what the rekey would carry and who could read it; change nothing.")
    var dryRun = false

    @OptionGroup var control: ControlSocketOption

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let response = try await control.send(.rekey(group: group, dryRun: dryRun))
        guard let preview = response.rekey else { throw control.refused(response) }
        print(format == .json ? String(decoding: ControlProtocol.encode(response).dropLast(), as: UTF8.self) : RekeyText.render(preview))
    }
}

/// The text form of a rekey or eviction answer.
enum RekeyText {
    static func render(_ preview: RekeyPreview) -> String {
        let verb = preview.dryRun ? "would carry" : "carried"
        var lines = ["\(preview.reason) rekey of \(preview.group) \(verb): \(preview.newTEKs) new TEK(s), "
                     + "\(preview.wrappedKeys) wrapped key(s), \(preview.sizeIsEstimate ? "about " : "")\(preview.messageOctets) octets, "
                     + "to \(preview.destination)"]
        lines.append("readable by \(preview.readers.count) member(s)" + (preview.readers.isEmpty ? "" : ": " + preview.readers.joined(separator: ", ")))
        if !preview.evicted.isEmpty { lines.append("evicted (cannot read it): " + preview.evicted.joined(separator: ", ")) }
        lines += preview.notes.map { "note: \($0)" }
        if preview.dryRun { lines.append("dry run: nothing changed") }
        return lines.joined(separator: "\n")
    }
}
