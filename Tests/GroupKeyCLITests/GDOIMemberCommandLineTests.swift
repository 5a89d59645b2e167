import Foundation
import Testing

/// `groupkey member join --protocol gdoi` against `groupkey serve` on loopback: IKEv1 phase 1
/// and GROUPKEY-PULL over real UDP, and a G-IKEv2 member of the same group holding the same TEK.
@Suite struct GDOIMemberCommandLineTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("A GDOI member (Main and Aggressive Mode) and a G-IKEv2 member of the demo group hold the same TEK")
    func gdoiAndGIKEv2MembersShareTheTEK() throws {
        let server = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0"])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")

        var teks: [[String: Any]] = []
        for mode in ["main", "aggressive"] {
            let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                       "--protocol", "gdoi", "--phase1-mode", mode, "--id", "gdoi-\(mode).example",
                                                       "--format", "json", "--show-keys", "--timeout", "20"])
            #expect(join.status == 0, "\(join.output) \(join.errorOutput)")
            let object = try Self.json(join.output)
            #expect(object["registered"] as? Bool == true)
            #expect(object["protocol"] as? String == "gdoi")
            let phase1 = try #require(object["phase1"] as? [String: Any])
            #expect(phase1["cipher"] as? String == "AES-CBC-256")
            teks.append(try #require((object["dataSecuritySAs"] as? [[String: Any]])?.first))
            #expect(object["rekeySA"] != nil)
        }
        let gikev2 = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                     "--id", "gikev2.example", "--format", "json", "--show-keys", "--timeout", "20"])
        #expect(gikev2.status == 0, "\(gikev2.output) \(gikev2.errorOutput)")
        teks.append(try #require((try Self.json(gikev2.output)["dataSecuritySAs"] as? [[String: Any]])?.first))
        let spis = Set(teks.compactMap { $0["spi"] as? String })
        let keys = Set(teks.compactMap { $0["keys"] as? String })
        #expect(spis.count == 1, "one group, one TEK: \(spis)")
        #expect(keys.count == 1, "the same key bytes through both protocols")
    }

    /// `member join --protocol gdoi --follow --format json`: the registration, then one JSON object
    /// per GROUPKEY-PUSH with its SEQ, as the G-IKEv2 follower prints its rekeys; a G-IKEv2 follower
    /// of the same group takes the same rekeys.
    @Test func gdoiFollowPrintsOneJSONLinePerPush() throws {
        let directory = "/tmp/gk-cli-\(UUID().uuidString.prefix(8))"
        let socket = directory + "/control.sock"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0", "--control", socket])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")

        let followers = try [("gdoi-follower", "gdoi"), ("ike-follower", "gikev2")].map { name, protocolName in
            try CrashRestartCommandLineTests.Follower(server: server.address, id: name, protocolName: protocolName)
        }
        defer { for follower in followers { follower.stop() } }
        // The registration document is printed once the follower has joined the rekey group.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !followers.allSatisfy({ $0.registrations == 1 }) { Thread.sleep(forTimeInterval: 0.05) }
        try #require(followers.allSatisfy { $0.registrations == 1 }, "both followers listen for rekeys")
        for _ in 0..<2 { #expect(try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket]).status == 0) }
        for follower in followers { #expect(follower.waitForAccepted(2), "\(follower.text)") }
        var tekSets: [Set<String>] = []
        for (index, follower) in followers.enumerated() {
            follower.process.terminate()
            follower.process.waitUntilExit()
            #expect(follower.process.terminationStatus == 0, "SIGTERM ends --follow cleanly")
            // Other tests' servers may rekey the same demo group address: theirs are refused.
            let counters = follower.accepted.compactMap { $0["messageID"] as? Int }
            // SEQ 1, 2 for GDOI (RFC 6407 §3.2: the first push is 1); Message ID 0, 1 for G-IKEv2.
            #expect(counters == (index == 0 ? [1, 2] : [0, 1]), "\(follower.text)")
            tekSets.append(Set(follower.accepted.last?["dataSecuritySAs"] as? [String] ?? []))
        }
        #expect(tekSets.count == 2 && !tekSets[0].isEmpty && tekSets[0] == tekSets[1], "both followers hold the same TEKs: \(tekSets)")
    }

    @Test("A wrong pre-shared key: no registration, exit 1, the failure printed")
    func wrongKey() throws {
        let server = try ServeMemberCommandLineTests.Server(["--listen", "127.0.0.1:0"])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gdoi-wrong-psk-\(UUID().uuidString)")
        try Data("not-the-demo-key".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                   "--protocol", "gdoi", "--psk-file", file.path, "--timeout", "3"])
        #expect(join.status == 1)
        #expect(join.output.contains("failed"))
    }

    @Test("--protocol gdoi refuses what it cannot do")
    func usage() throws {
        let byName = try PolicyCommandLineTests.run(["member", "join", "--server", "127.0.0.1:848", "--group", "demo.example",
                                                     "--protocol", "gdoi"])
        #expect(byName.status == 2)
        let overTCP = try PolicyCommandLineTests.run(["member", "join", "--server", "127.0.0.1:848", "--group", "1001",
                                                      "--protocol", "gdoi", "--transport", "tcp"])
        #expect(overTCP.status == 2)
    }
}
