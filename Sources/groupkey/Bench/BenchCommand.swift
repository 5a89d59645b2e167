import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure groupkey's own performance, beside the peer figure from the same run.",
        subcommands: [CryptoBenchCommand.self, WireBenchCommand.self, BenchPolicyCommand.self, BenchImportCommand.self,
                      BenchRegisterCommand.self, BenchRekeyCommand.self, BenchMixedCommand.self]
    )
}
