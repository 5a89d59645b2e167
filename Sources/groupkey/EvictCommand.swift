import ArgumentParser
import Foundation
import Gateway

/// `groupkey evict GROUP MEMBER...`: remove members and rekey so they can read nothing new.
struct EvictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evict",
        abstract: "Evict members (by registration identity) and rekey the group in one batched rekey.",
        discussion: "Exit codes: 0 done (or previewed), 1 refused (unknown group or member) or no server, 2 usage."
    )

    @Argument(help: "The group's name.")
    var group: String

    @Argument(help: "Identities the members registered with (`member join --id`).")
    var members: [String]

    @Flag(name: .long, help: "Show what the rekey would carry and who could read it; change nothing.")
    var dryRun = false

    @OptionGroup var control: ControlSocketOption

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard !members.isEmpty else { throw ValidationError("name at least one MEMBER") }
        guard members.count <= ControlProtocol.maximumEvictedMembers else {
            throw ValidationError("at most \(ControlProtocol.maximumEvictedMembers) members per eviction")
        }
    }

    func run() async throws {
        let response = try await control.send(.evict(group: group, members: members, dryRun: dryRun))
        guard let preview = response.rekey else { throw control.refused(response) }
        print(format == .json ? String(decoding: ControlProtocol.encode(response).dropLast(), as: UTF8.self) : RekeyText.render(preview))
    }
}
