import Foundation
import GroupKeyTestSupport
import Testing

/// strongSwan's charon, an IKEv1 implementation nobody here wrote, completes phase 1 against
/// `groupkey serve` on loopback (scripts/interop/strongswan-ikev1-mainmode.sh): `swanctl
/// --list-sas` must show the ISAKMP SA ESTABLISHED, and again after the Quick Mode it then tries
/// has been refused; and with RSA signatures and certificates both ways
/// (scripts/interop/strongswan-ikev1-rsa.sh); and our initiator against charon as responder
/// (scripts/interop/strongswan-ikev1-responder.sh). Runs where charon, swanctl and root are available
/// (CI); skips, saying why, elsewhere.
@Suite("Phase1 strongSwan interop", .serialized)
struct Phase1StrongSwanInteropTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func locateBinary() -> URL? { GroupKeyBinary.locate() }

    /// Says why a check does not run here; where the interop checks are required (CI), that is a failure.
    static func skip(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if InteropRequirement.isRequired {
            Issue.record("required interop check cannot run: \(message)", sourceLocation: sourceLocation)
        } else {
            print(message)
        }
    }

    /// Why the check cannot run here, or nil.
    static func skipReason() -> String? {
        if getuid() != 0 { return "needs root (charon binds sockets and mounts a private /run)" }
        for tool in ["/usr/sbin/swanctl", "/usr/lib/ipsec/charon"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) not installed (apt-get install strongswan-charon strongswan-swanctl)"
        }
        if locateBinary() == nil { return "groupkey binary not built beside the tests" }
        return nil
    }

    static func run(_ script: String = "strongswan-ikev1-mainmode.sh", mode: String, port: Int) throws -> (status: Int32, output: String) {
        let binary = try #require(locateBinary())
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/interop/\(script)")
        process.arguments = [binary.path, String(port)]
        process.currentDirectoryURL = packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["MODE"] = mode
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("strongSwan IKEv1 initiator: Main and Aggressive Mode with PSK reach ESTABLISHED against groupkey serve",
          arguments: [("main", 18849), ("aggressive", 18850)])
    func establishes(mode: String, port: Int) throws {
        if let reason = Self.skipReason() {
            Self.skip("Phase1 strongSwan interop (\(mode)) skipped: \(reason)")
            return
        }
        let result = try Self.run(mode: mode, port: port)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("ESTABLISHED, IKEv1"))
        #expect(result.output.contains("NO_PROPOSAL_CHOSEN"))
    }

    @Test("strongSwan IKEv1 initiator: Main and Aggressive Mode with RSA signatures and certificates reach ESTABLISHED",
          arguments: [("main", 18851), ("aggressive", 18852)])
    func establishesWithCertificates(mode: String, port: Int) throws {
        if let reason = Self.skipReason() {
            Self.skip("Phase1 strongSwan RSA interop (\(mode)) skipped: \(reason)")
            return
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            Self.skip("Phase1 strongSwan RSA interop (\(mode)) skipped: /usr/bin/openssl not installed (it makes the test PKI)")
            return
        }
        let result = try Self.run("strongswan-ikev1-rsa.sh", mode: mode, port: port)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("authentication of 'gcks.example' with RSA_EMSA_PKCS1_NULL successful"))
        #expect(result.output.contains("ESTABLISHED, IKEv1"))
    }

    @Test("Our initiator (member join --protocol gdoi) against strongSwan as responder: established, Notify and Delete verified",
          arguments: [("main", 18860), ("aggressive", 18862)])
    func ourInitiatorAgainstCharon(mode: String, port: Int) throws {
        if let reason = Self.skipReason() {
            Self.skip("Phase1 strongSwan responder interop (\(mode)) skipped: \(reason)")
            return
        }
        let result = try Self.run("strongswan-ikev1-responder.sh", mode: mode, port: port)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("received DELETE for IKE_SA"))
    }

    @Test("tshark decrypts charon's Main Mode and our protected Notify with serve's IKEv1 key log")
    func tsharkDecryptsWithOurKeyLog() throws {
        if let reason = Self.skipReason() {
            Self.skip("Phase1 tshark key-log check skipped: \(reason)")
            return
        }
        for tool in ["/usr/bin/tshark", "/usr/bin/tcpdump"] where !FileManager.default.isExecutableFile(atPath: tool) {
            Self.skip("Phase1 tshark key-log check skipped: \(tool) not installed")
            return
        }
        let result = try Self.run("tshark-ikev1-phase1-check.sh", mode: "main", port: 18870)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("malformed: 0"))
    }
}
