import Foundation
import Testing

/// Issue #9, crash safety: `groupkey serve --state FILE` killed with SIGKILL between two rekeys and
/// started again on the same state file, UDP port and control socket. A G-IKEv2 follower and a GDOI
/// follower that joined before the crash, and never register again, must take the next rekey with
/// the next counter (G-IKEv2 Message ID 1, RFC 9838 §4.4; GDOI SEQ 2, RFC 6407 §3.2/§5.7): nothing
/// reused, nothing refused as a replay, and they end on the server's current TEK.
@Suite("CrashRestart followers across serve kill -9", .serialized)
struct CrashRestartCommandLineTests {
    /// A `member join --follow --format json` subprocess whose stdout is collected as it comes.
    final class Follower: @unchecked Sendable {
        let process = Process()
        let output = Pipe()
        private let lock = NSLock()
        private var collected = ""

        init(server: String, id: String, protocolName: String) throws {
            process.executableURL = PolicyCommandLineTests.locateBinary()
            process.arguments = ["member", "join", "--server", server, "--group", "1001", "--id", id, "--protocol", protocolName,
                                 "--follow", "--format", "json", "--timeout", "20"]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self, !chunk.isEmpty else { return }
                self.lock.withLock { self.collected += String(decoding: chunk, as: UTF8.self) }
            }
            try process.run()
        }

        var text: String { lock.withLock { collected } }

        /// Registration documents printed (pretty-printed JSON, so counted by their key).
        var registrations: Int { text.components(separatedBy: "\"registered\" : true").count - 1 }

        /// Complete single-line JSON objects (the rekey notices), parsed.
        var objects: [[String: Any]] {
            text.split(separator: "\n", omittingEmptySubsequences: true).compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        /// Rekeys this member took. Another test's server may rekey the same demo multicast group
        /// meanwhile; those are dropped for their unknown rekey SA SPI and are not counted.
        var accepted: [[String: Any]] { objects.filter { $0["accepted"] as? Bool == true } }

        func waitForAccepted(_ count: Int, seconds: TimeInterval = 20) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if accepted.count >= count { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }
    }

    static func status(_ socket: String) throws -> [String: Any] {
        let run = try PolicyCommandLineTests.run(["status", "--control", socket, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "\(run.errorOutput)")
        let groups = try #require((object["status"] as? [String: Any])?["groups"] as? [[String: Any]])
        return try #require(groups.first { $0["name"] as? String == "demo-1001" })
    }

    static func waitForStatus(_ socket: String, seconds: TimeInterval = 20, until: ([String: Any]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let group = try? status(socket), until(group) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    @Test("kill -9 between two rekeys: both followers take the next rekey with the next counter, without registering again")
    func followersTakeTheNextRekeyAfterACrash() throws {
        let directory = "/tmp/gk-crash-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/control.sock"
        let state = directory + "/state.db"

        let first = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0", "--control", socket, "--state", state])
        defer { _ = first.stop() }
        try #require(first.waitUntilListening(), "serve did not report its address")
        let address = first.address

        let followers = [try Follower(server: address, id: "gdoi-crash", protocolName: "gdoi"),
                         try Follower(server: address, id: "ike-crash", protocolName: "gikev2")]
        defer { for follower in followers { follower.stop() } }
        try #require(Self.waitForStatus(socket) { group in
            let members = (group["membersByProtocol"] as? [String: Int]) ?? [:]
            return members["gdoi"] == 1 && members["gikev2"] == 1
        }, "both followers registered")
        // Registered is not yet joined to the multicast group: the registration document is printed
        // once the follower has joined it (MemberClient.follow, GDOIMemberClient.follow).
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !followers.allSatisfy({ $0.registrations == 1 }) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(followers.allSatisfy { $0.registrations == 1 }, "both followers listen for rekeys")

        // 1. One rekey before the crash.
        let rekey = try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket])
        try #require(rekey.status == 0, "\(rekey.output) \(rekey.errorOutput)")
        for follower in followers { #expect(follower.waitForAccepted(1), "\(follower.text)") }

        // 2. kill -9, then the same state file, port and socket.
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let second = try ServeMemberCommandLineTests.Server(["--listen", address, "--control", socket, "--state", state])
        defer { _ = second.stop() }
        try #require(second.waitUntilListening(), "restarted serve did not report its address")
        #expect(second.address == address)

        // 3. The next rekey reaches members that did not register again.
        let again = try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket])
        try #require(again.status == 0, "\(again.output) \(again.errorOutput)")
        for follower in followers { #expect(follower.waitForAccepted(2), "\(follower.text)") }

        let group = try Self.status(socket)
        let currentSPIs = Set(((group["dataSecuritySAs"] as? [[String: Any]]) ?? [])
            .filter { $0["current"] as? Bool == true }.compactMap { $0["spi"] as? String })
        #expect(!currentSPIs.isEmpty)
        for (follower, expected) in zip(followers, [[1, 2], [0, 1]]) {
            let text = follower.text
            // SEQ 1, 2 for GDOI (RFC 6407 §3.2: the first push is 1); Message ID 0, 1 for G-IKEv2.
            #expect(follower.accepted.compactMap { $0["messageID"] as? Int } == expected, "\(text)")
            #expect(follower.registrations == 1 && !text.contains("\"registered\" : false"), "registered once, never again: \(text)")
            #expect(!text.contains("reregister"), "no re-registration asked: \(text)")
            #expect(!text.contains("REPLAY"), "nothing refused as a replay: \(text)")
            let held = Set((follower.accepted.last?["dataSecuritySAs"] as? [String]) ?? [])
            #expect(!currentSPIs.isEmpty && currentSPIs.allSatisfy { spi in held.contains { $0.lowercased().contains(spi.lowercased()) } },
                    "ends on the server's current TEK \(currentSPIs): \(held)")
        }
        // Members the server still knows after the restart: the same two, from the state file.
        #expect((group["membersByProtocol"] as? [String: Int]) == ["gdoi": 1, "gikev2": 1], "\(group)")
    }
}
