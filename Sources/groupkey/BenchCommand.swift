import ArgumentParser

/// `groupkey bench` groups the benchmarks; each area adds its own subcommand.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure groupkey's own performance.",
        subcommands: [BenchPolicyCommand.self]
    )
}
