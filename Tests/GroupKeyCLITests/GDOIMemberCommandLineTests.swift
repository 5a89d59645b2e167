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

        var followers: [(Process, Pipe)] = []
        for (name, protocolName) in [("gdoi-follower", "gdoi"), ("ike-follower", "gikev2")] {
            let follower = Process()
            let output = Pipe()
            follower.executableURL = PolicyCommandLineTests.locateBinary()
            follower.arguments = ["member", "join", "--server", server.address, "--group", "1001", "--id", name, "--protocol", protocolName,
                                  "--follow", "--format", "json", "--timeout", "20"]
            follower.standardOutput = output
            follower.standardError = FileHandle.nullDevice
            try follower.run()
            followers.append((follower, output))
        }
        defer { for (follower, _) in followers where follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let status = try PolicyCommandLineTests.run(["status", "--control", socket])
            if status.output.contains("id2:gdoi-follower (gdoi)") && status.output.contains("id2:ike-follower (gikev2)") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 0.5)
        for _ in 0..<2 { #expect(try PolicyCommandLineTests.run(["rekey", "demo-1001", "--control", socket]).status == 0) }
        Thread.sleep(forTimeInterval: 1)
        var tekSets: [Set<String>] = []
        for (follower, output) in followers {
            follower.terminate()
            follower.waitUntilExit()
            #expect(follower.terminationStatus == 0, "SIGTERM ends --follow cleanly")
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Other tests' servers may rekey the same demo group address: theirs are refused.
            let accepted = try text.split(separator: "\n").filter { $0.hasPrefix("{\"accepted\":true") }.map { try Self.json(String($0)) }
            let counters = accepted.compactMap { $0["messageID"] as? Int }
            // SEQ 1, 2 for GDOI (RFC 6407 §3.2: the first push is 1); Message ID 0, 1 for G-IKEv2.
            #expect(counters == (followers.first?.0 === follower ? [1, 2] : [0, 1]), "\(text)")
            tekSets.append(Set(accepted.last?["dataSecuritySAs"] as? [String] ?? []))
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
