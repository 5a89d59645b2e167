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
