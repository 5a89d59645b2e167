import ArgumentParser

@main
struct GroupKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groupkey",
        abstract: "GDOI to G-IKEv2 group key gateway: key server, group member, policy translator.",
        subcommands: [SelfTestCommand.self, ValidateCommand.self, PolicyCommand.self, ImportCommand.self, BenchCommand.self]
    )
}
