import ArgumentParser
import Foundation

@main
struct GroupKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groupkey",
        abstract: "GDOI to G-IKEv2 group key gateway: key server, group member, policy translator.",
        subcommands: [SelfTestCommand.self, ValidateCommand.self, PolicyCommand.self, ImportCommand.self, ServeCommand.self,
                      MemberCommand.self, StatusCommand.self, RekeyCommand.self, EvictCommand.self, ReloadCommand.self,
                      BenchCommand.self]
    )

    /// The command-line contract (ARCHITECTURE.md) gives usage errors exit code 2, where
    /// ArgumentParser would use EX_USAGE (64); everything else is ArgumentParser's own handling.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(CLIExitCode.usage)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes of every command (ARCHITECTURE.md, "The command-line contract").
enum CLIExitCode {
    static let success: Int32 = 0
    static let findings: Int32 = 1
    static let usage: Int32 = 2
}
