import Foundation
import Testing

/// `groupkey serve` as a subprocess on loopback and `groupkey member join` against it, as an
/// operator would run them. Every step is bounded in time; nothing but 127.0.0.1 is used.
@Suite struct ServeMemberCommandLineTests {
    /// A running `groupkey serve`, stopped with SIGTERM.
    final class Server {
        let process = Process()
        let output = Pipe()
        let errors = Pipe()
        var address = ""
        var tcpAddress = ""

        init(_ arguments: [String]) throws {
            let executable = try #require(PolicyCommandLineTests.locateBinary(), "groupkey binary not found")
            process.executableURL = executable
            process.arguments = ["serve"] + arguments
            process.currentDirectoryURL = PolicyCommandLineTests.packageRoot
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        /// Reads stdout until "listening on ADDR:PORT" or 20 seconds pass.
        func waitUntilListening() -> Bool {
            let deadline = Date().addingTimeInterval(20)
            var text = ""
            let handle = output.fileHandleForReading
            while Date() < deadline && process.isRunning {
                let chunk = handle.availableData
                if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05); continue }
                text += String(decoding: chunk, as: UTF8.self)
                let lines = text.split(separator: "\n")
                if let line = lines.first(where: { $0.hasPrefix("listening on ") && !$0.hasPrefix("listening on tcp ") }) {
                    address = String(line.dropFirst("listening on ".count))
                    // With a TCP listener its line follows the UDP ones, in one write each.
                    if let tcp = lines.first(where: { $0.hasPrefix("listening on tcp ") }) {
                        tcpAddress = String(tcp.dropFirst("listening on tcp ".count))
                    }
                    if !(process.arguments ?? []).contains("--tcp-listen") || !tcpAddress.isEmpty { return true }
                }
            }
            return false
        }

        /// SIGTERM, then up to 10 seconds for a clean exit (SIGKILL after that).
        func stop() -> Int32? {
            if process.isRunning { process.terminate() }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }
    }

    @Test func memberJoinsTheDemoServerAndPrintsJSON() throws {
        let server = try Server(["--listen", "127.0.0.1:0", "--tcp-listen", "127.0.0.1:0"])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")
        try #require(server.tcpAddress.hasPrefix("127.0.0.1:"), "serve did not report its TCP address")
        #expect(server.address.hasPrefix("127.0.0.1:"))

        let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                   "--id", "cli.example", "--format", "json", "--timeout", "20"])
        #expect(join.status == 0, "\(join.output) \(join.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(join.output.utf8)) as? [String: Any])
        #expect(object["registered"] as? Bool == true)
        #expect(object["protocol"] as? String == "gikev2")
        #expect(object["idg"] as? String == "000003e9")
        let tek = try #require((object["dataSecuritySAs"] as? [[String: Any]])?.first)
        #expect(tek["protocol"] as? String == "esp")
        #expect(tek["encryption"] as? Int == 20 && tek["keyBits"] as? Int == 256)
        #expect(tek["source"] != nil && tek["destination"] != nil && tek["lifetimeSeconds"] as? Int == 3600)
        #expect(tek["keys"] == nil, "no keys without --show-keys")
        let rekey = try #require(object["rekeySA"] as? [String: Any])
        #expect(rekey["keyWrap"] as? Int == 3)
        #expect(tek["transforms"] as? [String] == ["ENCR_AES_GCM_16-256"])
        #expect(rekey["transforms"] as? [String] == ["ENCR_AES_CBC-256", "AUTH_HMAC_SHA2_256_128", "KW_5649_256"])
        #expect((object["senderIDs"] as? [Int])?.count == 1)

        let keys = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                   "--format", "json", "--show-keys", "--non-esp-marker", "--timeout", "20"])
        #expect(keys.status == 0, "\(keys.errorOutput)")
        let withKeys = try #require(try JSONSerialization.jsonObject(with: Data(keys.output.utf8)) as? [String: Any])
        let keyedTEK = try #require((withKeys["dataSecuritySAs"] as? [[String: Any]])?.first)
        #expect((keyedTEK["keys"] as? String)?.count == 72, "36 octets of AES-GCM-256 key and salt, in hex")

        let overTCP = try PolicyCommandLineTests.run(["member", "join", "--server", server.tcpAddress, "--group", "1001",
                                                      "--transport", "tcp", "--timeout", "20"])
        #expect(overTCP.status == 0, "\(overTCP.output) \(overTCP.errorOutput)")
        #expect(overTCP.output.contains("registered to group 1001"))

        let unknown = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "4242",
                                                      "--timeout", "20"])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("INVALID_GROUP_ID"))

        #expect(server.stop() == 0, "SIGTERM stops serve cleanly")
    }

    @Test func servesPoliciesWithASecretsFileAndTheMemberReadsAPSKFile() throws {
        let manager = FileManager.default
        let directory = manager.temporaryDirectory.appendingPathComponent("groupkey-serve-\(UUID().uuidString)")
        try manager.createDirectory(at: directory.appendingPathComponent("policies"), withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: directory) }
        let root = PolicyCommandLineTests.packageRoot
        try manager.copyItem(at: root.appendingPathComponent("Policies/demo-group-1001.xml"),
                             to: directory.appendingPathComponent("policies/demo.xml"))
        // An RSA key of the engine tests' PKI signs the rekeys; the PSK is the site's own.
        try manager.copyItem(at: root.appendingPathComponent("Tests/GIKEv2Tests/Vectors/engine-gcks-rsa-key.pem"),
                             to: directory.appendingPathComponent("rekey.pem"))
        try Data("# test secrets\ndemo-psk = site-psk-cli\ndemo-rekey-signing-key = file:rekey.pem\n".utf8)
            .write(to: directory.appendingPathComponent("secrets"))
        try Data("site-psk-cli\n".utf8).write(to: directory.appendingPathComponent("psk"))

        let server = try Server(["--policies", directory.appendingPathComponent("policies").path,
                                 "--secrets", directory.appendingPathComponent("secrets").path, "--listen", "127.0.0.1:0"])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")
        let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                   "--psk-file", directory.appendingPathComponent("psk").path, "--timeout", "20"])
        #expect(join.status == 0, "\(join.output) \(join.errorOutput)")
        #expect(join.output.contains("registered to group 1001"))
        #expect(join.output.contains("esp SA SPI"))
        let demo = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001", "--timeout", "20"])
        #expect(demo.status == 1)
        #expect(demo.output.contains("AUTHENTICATION_FAILED"))
        #expect(server.stop() == 0)

        let noSecrets = try PolicyCommandLineTests.run(["serve", "--policies", directory.appendingPathComponent("policies").path,
                                                        "--listen", "127.0.0.1:0"])
        #expect(noSecrets.status == 2)
        #expect(noSecrets.errorOutput.contains("GW-SECRETS"))
    }

    @Test func certificateMemberJoinsACertificateGroup() throws {
        let manager = FileManager.default
        let directory = manager.temporaryDirectory.appendingPathComponent("groupkey-cert-cli-\(UUID().uuidString)")
        try manager.createDirectory(at: directory.appendingPathComponent("policies/anchors"), withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: directory) }
        let root = PolicyCommandLineTests.packageRoot
        let vectors = root.appendingPathComponent("Tests/GIKEv2Tests/Vectors")
        // The demo group turned into a certificate group (test PKI of scripts/gen_gikev2_cert_vectors.py).
        var policy = try String(contentsOf: root.appendingPathComponent("Policies/demo-group-1001.xml"), encoding: .utf8)
        policy = policy.replacingOccurrences(of: "<psk secret-ref=\"secrets:demo-psk\"/>", with: "<certificate trust-anchor=\"root\"/>")
        policy = policy.replacingOccurrences(of: "<group name=", with: "<trust-anchor name=\"root\" file=\"anchors/root.pem\"/>\n  <group name=")
        try Data(policy.utf8).write(to: directory.appendingPathComponent("policies/group.xml"))
        try manager.copyItem(at: vectors.appendingPathComponent("engine-root.pem"), to: directory.appendingPathComponent("policies/anchors/root.pem"))
        try Data("demo-rekey-signing-key = file:\(vectors.appendingPathComponent("engine-gcks-rsa-key.pem").path)\n".utf8)
            .write(to: directory.appendingPathComponent("secrets"))

        let server = try Server(["--policies", directory.appendingPathComponent("policies").path,
                                 "--secrets", directory.appendingPathComponent("secrets").path, "--listen", "127.0.0.1:0",
                                 "--id", "gcks.example", "--cert", vectors.appendingPathComponent("engine-gcks-rsa.pem").path,
                                 "--key", vectors.appendingPathComponent("engine-gcks-rsa-key.pem").path])
        defer { _ = server.stop() }
        try #require(server.waitUntilListening(), "serve did not report its address")
        let join = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001", "--id", "gm1.example",
                                                   "--cert", vectors.appendingPathComponent("engine-gm1-ecdsa.pem").path,
                                                   "--key", vectors.appendingPathComponent("engine-gm1-ecdsa-key.pem").path,
                                                   "--ca", vectors.appendingPathComponent("engine-root.pem").path, "--timeout", "20"])
        #expect(join.status == 0, "\(join.output) \(join.errorOutput)")
        #expect(join.output.contains("registered to group 1001"))
        let halfGiven = try PolicyCommandLineTests.run(["member", "join", "--server", server.address, "--group", "1001",
                                                        "--cert", vectors.appendingPathComponent("engine-gm1-ecdsa.pem").path])
        #expect(halfGiven.status == 2, "--cert without --key is a usage error")
        #expect(server.stop() == 0)
    }

    @Test func serveRefusesDemoSecretsOffLoopbackAndBadArguments() throws {
        let open = try PolicyCommandLineTests.run(["serve", "--listen", "0.0.0.0:0"])
        #expect(open.status == 2)
        #expect(open.errorOutput.contains("GW-DEMO-OFF-LOOPBACK"))
        let bad = try PolicyCommandLineTests.run(["member", "join", "--server", "nowhere", "--group", "1001"])
        #expect(bad.status == 2)
        let missing = try PolicyCommandLineTests.run(["member", "join", "--group", "1001"])
        #expect(missing.status == 2)
    }
}
