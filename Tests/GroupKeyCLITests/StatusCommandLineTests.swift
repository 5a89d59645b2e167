import Foundation
import Testing

/// `groupkey status|rekey|evict|reload` against a `groupkey serve` subprocess, through a control
/// socket in a fresh directory: output, JSON, and the exit codes of the contract.
@Suite struct StatusCommandLineTests {
    @Test func operatorCommandsAgainstARunningServer() throws {
        let directory = "/tmp/gk-cli-\(UUID().uuidString.prefix(8))"
        let socket = directory + "/control.sock"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0", "--control", socket])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")
        let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                   "--id", "alice", "--timeout", "20"])
        #expect(join.status == 0, "\(join.errorOutput)")

        let status = try PolicyCommandLineTests.run(["status", "--control", socket])
        #expect(status.status == 0, "\(status.errorOutput)")
        #expect(status.output.contains("group demo-1001 (gdoi gikev2): 1 member(s) [gikev2 1]"))
        #expect(status.output.contains("rekey SA SPI ") && status.output.contains("multicast to 239.192.0.1:848"))
        #expect(status.output.contains("registrations 1"))

        let json = try PolicyCommandLineTests.run(["status", "--control", socket, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let groups = try #require((object["status"] as? [String: Any])?["groups"] as? [[String: Any]])
        #expect((groups.first?["membersByProtocol"] as? [String: Int]) == ["gikev2": 1])

        let preview = try PolicyCommandLineTests.run(["evict", "demo-1001", "alice", "--dry-run", "--control", socket])
        #expect(preview.status == 0, "\(preview.errorOutput)")
        #expect(preview.output.contains("evicted (cannot read it): id2:alice") && preview.output.contains("dry run: nothing changed"))
        let rekey = try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket])
        #expect(rekey.status == 0 && rekey.output.contains("operator rekey of demo-1001 carried: 1 new TEK(s)"), "\(rekey.errorOutput)")
        let unknown = try PolicyCommandLineTests.run(["rekey", "no-such-group", "--control", socket])
        #expect(unknown.status == 1 && unknown.errorOutput.contains("CTL-UNKNOWN-GROUP"))
        let reload = try PolicyCommandLineTests.run(["reload", "--control", socket])
        #expect(reload.status == 0 && reload.output.contains("unchanged: demo-1001"), "\(reload.output)\(reload.errorOutput)")
        // SIGHUP reloads too; its default action (terminate) must not apply.
        kill(server.process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(server.process.isRunning, "SIGHUP stopped the server")
        #expect(try PolicyCommandLineTests.run(["status", "--control", socket]).status == 0)
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "stop removes the socket")
    }

    /// `member join --follow --format json` prints the registration, then one JSON object per rekey.
    @Test func followPrintsOneJSONLinePerRekey() throws {
        let directory = "/tmp/gk-cli-\(UUID().uuidString.prefix(8))"
        let socket = directory + "/control.sock"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0", "--control", socket])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")

        let follower = try CrashRestartCommandLineTests.Follower(server: server.address, id: "follower", protocolName: "gikev2")
        defer { follower.stop() }
        // The registration document is printed once the follower has joined the rekey group.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && follower.registrations < 1 { Thread.sleep(forTimeInterval: 0.05) }
        try #require(follower.registrations == 1, "the follower listens for rekeys: \(follower.text)")
        for _ in 0..<2 { #expect(try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket]).status == 0) }
        #expect(follower.waitForAccepted(2), "\(follower.text)")
        follower.process.terminate()
        follower.process.waitUntilExit()
        #expect(follower.process.terminationStatus == 0, "SIGTERM ends --follow cleanly")
        let text = follower.text
        let notices = follower.objects.filter { $0["accepted"] != nil }
        // Another test's server may rekey the same demo group address meanwhile: its messages
        // arrive too and are dropped for their unknown rekey SA SPI.
        let accepted = notices.filter { $0["accepted"] as? Bool == true }
        #expect(accepted.map { $0["messageID"] as? Int } == [0, 1], "\(text)")
        #expect(notices.filter { $0["accepted"] as? Bool != true }.allSatisfy { $0["rejection"] as? String == "GM-REKEY-WRONG-SPI" })
    }

    @Test func unreachableServerExitsOneNamingTheSocketAndUsageExitsTwo() throws {
        let socket = "/tmp/gk-cli-absent-\(UUID().uuidString.prefix(8)).sock"
        for arguments in [["status"], ["rekey", "g"], ["evict", "g", "m"], ["reload"]] {
            let run = try PolicyCommandLineTests.run(arguments + ["--control", socket])
            #expect(run.status == 1, "\(arguments)")
            #expect(run.errorOutput.contains(socket), "\(arguments): \(run.errorOutput)")
        }
        for arguments in [["status", "--format", "yaml"], ["evict", "g"], ["rekey"], ["status", "extra"]] {
            #expect(try PolicyCommandLineTests.run(arguments).status == 2, "\(arguments)")
        }
    }
}
