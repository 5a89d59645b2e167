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
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "stop removes the socket")
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
