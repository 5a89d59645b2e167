import Foundation
import GroupKeyTestSupport
@testable import KeyStore
import Testing

/// `groupkey serve --state FILE` as a subprocess, killed with SIGKILL and started again: the
/// member's `--show-keys` output before and after must name the same TEK.
@Suite("KeyStore serve --state", .serialized)
struct KeyStoreServeCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func binary() throws -> URL {
        guard let url = GroupKeyBinary.locate() else { throw KeyStoreError.corrupt("groupkey binary not found beside the test bundle") }
        return url
    }

    /// Starts `groupkey serve`, returns it and the UDP address it reports.
    static func serve(_ arguments: [String]) throws -> (Process, String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--log-level", "error"] + arguments
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var text = ""
        while Date() < deadline && process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05); continue }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                return (process, String(line.dropFirst("listening on ".count)))
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw KeyStoreError.corrupt("serve did not report its address: \(text)")
    }

    /// `member join --format json --show-keys`: the first TEK's SPI and keys, and the Sender-IDs.
    static func join(_ address: String, id: String) throws -> (spi: String, keys: String, senderIDs: [Int]) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["member", "join", "--server", address, "--group", "1001", "--id", id, "--format", "json",
                             "--show-keys", "--timeout", "20"]
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let tek = try #require((object["dataSecuritySAs"] as? [[String: Any]])?.first)
        return (try #require(tek["spi"] as? String), try #require(tek["keys"] as? String), object["senderIDs"] as? [Int] ?? [])
    }

    @Test("kill -9 and restart: the member holds the same TEK; Sender-IDs are never handed out twice")
    func killNineRestart() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state.db").path

        let (first, address) = try Self.serve(["--state", state])
        let before = try Self.join(address, id: "gm1.example")
        let second = try Self.join(address, id: "gm2.example")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        let (restarted, newAddress) = try Self.serve(["--state", state])
        defer {
            restarted.terminate()
            restarted.waitUntilExit()
        }
        let after = try Self.join(newAddress, id: "gm1.example")
        #expect(after.spi == before.spi)
        #expect(after.keys == before.keys)
        #expect(Set(after.senderIDs).isDisjoint(with: before.senderIDs + second.senderIDs))
        let store = try KeyStore(path: state)
        #expect(try store.integrityCheck() == "ok")
        #expect((try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int) == 0o600)
    }

    @Test("A state file from a newer groupkey stops serve with exit 1 and a clear message")
    func newerSchema() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state.db").path
        try KeyStore(path: state).connection.execute("PRAGMA user_version=\(KeyStore.currentSchemaVersion + 5)")
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--state", state]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("KEYSTORE-NEWER-SCHEMA"), "\(message)")
    }
}
