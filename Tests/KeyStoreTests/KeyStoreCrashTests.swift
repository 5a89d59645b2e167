import Foundation
import KeyStore
import Testing

/// A child process writes to the store and is killed with SIGKILL mid-way; the store must open
/// cleanly and resume every counter past each number the child handed out.
@Suite("KeyStore crash")
struct KeyStoreCrashTests {
    /// The helper executable sits beside the test bundle in the build directory.
    static func helper() -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("KeyStoreCrashHelper")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs the helper until it has printed `atLeast` numbers, kills it, returns the numbers seen.
    static func runAndKill(path: String, atLeast: Int) throws -> [UInt64] {
        let executable: URL = try #require(helper(), "KeyStoreCrashHelper not found beside the test bundle")
        let process = Process()
        process.executableURL = executable
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var seen: [UInt64] = []
        var pending = Data()
        let reader = output.fileHandleForReading
        while seen.count < atLeast {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child ended early
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if line.hasPrefix("used "), let number = UInt64(line.dropFirst(5)) { seen.append(number) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the child was killed, not finished")
        // Whatever it printed before dying was used too.
        let rest = reader.readDataToEndOfFile()
        for line in String(decoding: pending + rest, as: UTF8.self).split(separator: "\n") where line.hasPrefix("used ") {
            if let number = UInt64(line.dropFirst(5)) { seen.append(number) }
        }
        return seen
    }

    @Test("Killed mid-write three times: integrity ok, and counters resume past every number used")
    func killNine() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var used = Set<UInt64>()
        for round in 1...3 {
            let numbers = try Self.runAndKill(path: path, atLeast: 500 * round)
            #expect(numbers.count >= 500 * round)
            for number in numbers { #expect(used.insert(number).inserted, "number \(number) reused in round \(round)") }
            let store = try KeyStore(path: path)
            #expect(try store.integrityCheck() == "ok")
            let resume = try store.resumePoint(counter: .gdoiSequence, group: "crash-group")
            #expect(resume > used.max() ?? 0, "round \(round): resumes at \(resume), used up to \(used.max() ?? 0)")
            #expect(try store.history(group: "crash-group").count >= 1)
        }
    }
}
