import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import Testing

/// `serve --ike-key-log`: one Wireshark `ikev2_decryption_table` line per IKE SA.
@Suite("Debug IKE key log")
struct IKEKeyLogTests {
    @Test("Each registration IKE SA appends one 8-field line naming AES-GCM-256 and no integrity", .timeLimit(.minutes(1)))
    func writesOneLinePerSA() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("groupkey-ike-keys-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await LoadFixtures.server(authorized: 2, keyLog: try IKEKeyLogFile(path: path))
        for member in 0..<2 {
            let outcome = try await MemberClient.join(LoadFixtures.options(to: server.boundAddresses[0], member: member),
                                                      logger: LoopbackRegistrationTests.quietLogger)
            guard case .registered = outcome else { Issue.record("registration failed: \(outcome)"); break }
        }
        await server.stop()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "key material is readable by its owner only")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 8)
            #expect(fields[0].count == 16 && fields[1].count == 16, "SPIs as 8 octets in hex")
            // RFC 5282 §7.1: SK_e of AES-GCM-256 is the 32-octet key and the 4-octet salt.
            #expect(fields[2].count == 72 && fields[3].count == 72 && fields[2] != fields[3])
            #expect(fields[4] == "\"AES-GCM-256 with 16 octet ICV [RFC5282]\"", "enumerations quoted, as the UAT file has them")
            #expect(fields[5].isEmpty && fields[6].isEmpty && fields[7] == "\"NONE [RFC4306]\"")
        }
    }

    @Test("The key log cannot be switched on with the demo secrets off loopback")
    func refusedOffLoopbackWithDemo() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("groupkey-ike-keys-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keyLog = try IKEKeyLogFile(path: path)
        await #expect(throws: GatewayError.demoSecretOffLoopback("0.0.0.0:0")) {
            _ = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "0.0.0.0:0")], ikeKeyLog: keyLog),
                                              directory: try GroupCatalog.demo(random: SystemRandom()))
        }
    }
}
