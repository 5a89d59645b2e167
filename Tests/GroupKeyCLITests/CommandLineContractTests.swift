import Foundation
import Testing

/// The exit-code contract every command shares: 0 success, 1 findings, 2 usage or unreadable input.
@Suite struct CommandLineContractTests {
    @Test func usageErrorsExitTwoWithAMessage() throws {
        for arguments in [["validate", "--format", "yaml", "Policies/"], ["no-such-command"], ["bench", "crypto", "--runs", "x"]] {
            let run = try PolicyCommandLineTests.run(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.errorOutput.contains("Error:"), "\(arguments)")
        }
    }

    @Test func selfTestPassesAndSaysSo() throws {
        let run = try PolicyCommandLineTests.run(["selftest"])
        #expect(run.status == 0)
        #expect(run.output.contains(" passed, 0 failed"))
    }

    @Test func helpExitsZero() throws {
        let run = try PolicyCommandLineTests.run(["--help"])
        #expect(run.status == 0 && run.output.contains("SUBCOMMANDS"))
    }
}
