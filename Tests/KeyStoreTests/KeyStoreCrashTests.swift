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

    /// Runs the helper in `mode` until it has printed `atLeast` lines starting with `prefix`,
    /// kills it with SIGKILL, and returns those lines (without the prefix), in order.
    static func runAndKill(mode: String, path: String, prefix: String, atLeast: Int) throws -> [String] {
        let executable: URL = try #require(helper(), "KeyStoreCrashHelper not found beside the test bundle")
        let process = Process()
        process.executableURL = executable
        process.arguments = [mode, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var seen: [String] = []
        var pending = Data()
        let reader = output.fileHandleForReading
        while seen.count < atLeast {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child ended early
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if line.hasPrefix(prefix) { seen.append(String(line.dropFirst(prefix.count))) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the child was killed, not finished")
        // Whatever it printed before dying was used too.
        let rest = reader.readDataToEndOfFile()
        // A last line cut short by the kill carries no newline and is not counted.
        let text = String(decoding: pending + rest, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where line.hasPrefix(prefix) {
            seen.append(String(line.dropFirst(prefix.count)))
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
            let numbers = try Self.runAndKill(mode: "counters", path: path, prefix: "used ", atLeast: 500 * round).compactMap { UInt64($0) }
            #expect(numbers.count >= 500 * round)
            for number in numbers { #expect(used.insert(number).inserted, "number \(number) reused in round \(round)") }
            let store = try KeyStore(path: path)
            #expect(try store.integrityCheck() == "ok")
            let resume = try store.resumePoint(counter: .gdoiSequence, group: "crash-group")
            #expect(resume > used.max() ?? 0, "round \(round): resumes at \(resume), used up to \(used.max() ?? 0)")
            #expect(try store.history(group: "crash-group").count >= 1)
        }
    }

    @Test("Killed in the middle of rekeys three times: integrity ok, no SEQ reused, the last sent TEK is held")
    func killNineDuringRekeys() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var highest: UInt32 = 0
        for round in 1...3 {
            let lines = try Self.runAndKill(mode: "rekey", path: path, prefix: "sent ", atLeast: 20)
            let fields = lines.map { $0.split(separator: " ").map(String.init) }
            let sequences = fields.compactMap { $0.first.flatMap { UInt32($0) } }
            #expect(sequences.count >= 20)
            #expect(sequences.allSatisfy { $0 > highest }, "round \(round): a SEQ at or below \(highest) was sent again")
            #expect(sequences == sequences.sorted())
            let last = try #require(fields.last)
            highest = sequences.max() ?? highest

            let store = try KeyStore(path: path)
            #expect(try store.integrityCheck() == "ok")
            let stored = try #require(try store.load(group: "demo-1001"))
            let storedSequence = stored.snapshot.lifecycle.lastGDOISequence
            #expect(storedSequence >= highest, "every SEQ sent was committed first")
            if storedSequence == highest {
                let spis = stored.snapshot.teks.map { $0.spi.map { String(format: "%02x", $0) }.joined() }
                #expect(spis.contains(last[2]), "the TEK last sent is held after the crash")
            }
            highest = max(highest, storedSequence)
        }
    }
}
