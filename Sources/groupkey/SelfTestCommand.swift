import ArgumentParser
import GroupKeyCrypto

struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Run the built-in known-answer tests of the cryptographic layer."
    )

    func run() throws {
        let results = CryptoSelfTest.run()
        for result in results {
            print("\(result.passed ? "PASS" : "FAIL")  \(result.name)")
        }
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
