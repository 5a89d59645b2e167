import EngineCore
import Foundation
import GroupKeyTestSupport
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import Testing

/// Our IKEv2 core against strongSwan 5.9 (an independent implementation), both directions, over
/// real loopback sockets with the non-ESP marker strongSwan uses off port 500. Runs when root,
/// charon, swanctl and openssl are present (CI installs them); otherwise skipped with the reason.
@Suite("strongSwan IKEv2 interop", .serialized,
       // Where the interop checks are required (CI), the suite runs regardless and fails on what is missing.
       .enabled(if: StrongSwanAvailability.missing == nil || InteropRequirement.isRequired,
                "strongSwan interop skipped: \(StrongSwanAvailability.missing ?? "")"))
struct StrongSwanInteropTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let scripts = packageRoot.appendingPathComponent("scripts/interop")

    struct Run {
        var status: Int32
        var output: String
    }

    static func run(_ script: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scripts.appendingPathComponent(script).path] + arguments
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func groupkeyBinary() -> URL? { GroupKeyBinary.locate() }

    @Test("strongSwan initiates to groupkey serve: our encrypted IKE_AUTH answers parse, our PSK AUTH verifies")
    func strongSwanInitiates() throws {
        let binary = try #require(Self.groupkeyBinary(), "groupkey binary not found beside the test bundle")
        let run = try Self.run("strongswan-ikev2-initiator.sh", [binary.path, "28848"])
        print(run.output)
        #expect(run.status == 0)
        // Childless: charon parsed SK{IDr, AUTH}, verified our AUTH, established the IKE SA.
        #expect(run.output.contains("check childless: pass"))
        // With a Child SA asked for: IKE SA up, Child SA refused with NO_PROPOSAL_CHOSEN.
        #expect(run.output.contains("check child: pass"))
        // A PSK no group holds: charon parsed SK{N(AUTHENTICATION_FAILED)}.
        #expect(run.output.contains("check wrongpsk: pass"))
    }

    @Test("Our childless IKE_AUTH initiator against a strongSwan responder: PSK (two suites) and certificates")
    func weInitiate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("groupkey-sswan-\(UUID().uuidString)")
        let port: UInt16 = 28860
        let start = try Self.run("strongswan-ikev2-responder.sh", ["start", directory.path, String(port)])
        defer {
            _ = try? Self.run("strongswan-ikev2-responder.sh", ["stop", directory.path])
            try? FileManager.default.removeItem(at: directory)
        }
        try #require(start.status == 0, "responder did not start: \(start.output)")
        let server = EndpointAddress.ipv4(127, 0, 0, 1, port: port)
        func options(_ identity: String, psk: SecretBytes?, proposal: IKEProposal) -> MemberClient.Options {
            MemberClient.Options(server: server, groupID: MemberClient.groupIdentification("1001"),
                                 identity: MemberClient.memberIdentification(identity), preSharedKey: psk,
                                 proposals: [proposal], senderIDsRequested: nil, nonESPMarker: true, timeoutMilliseconds: 15_000)
        }
        let psk = SecretBytes(Array("interop-psk-0123456789".utf8))
        // X25519, AES-GCM-16-256, PRF-HMAC-SHA2-256: the benchmark's suite.
        let gcm = IKEProposal(encryption: 20, keyBits: 256, integrity: nil, prf: 5, keyExchange: 31)
        for proposal in [IKEProposal.demo, gcm] {
            let outcome = try await MemberClient.establishChildlessIKESA(options("gm-psk.example", psk: psk, proposal: proposal))
            guard case .established(let sa) = outcome else {
                Issue.record("PSK with \(proposal): \(outcome)")
                continue
            }
            #expect(sa.responderIdentity.data == Array("sswan-psk.example".utf8))
            #expect(sa.responderAuthMethod == AuthenticationPayload.sharedKeyMIC)
            #expect(sa.encryption == proposal.encryption && sa.keyExchange == proposal.keyExchange)
        }
        // A wrong PSK: strongSwan refuses our AUTH.
        let wrong = try await MemberClient.establishChildlessIKESA(options("gm-psk.example", psk: SecretBytes(Array("wrong".utf8)),
                                                                           proposal: .demo))
        guard case .failed(.peerRefused(let notify)) = wrong else {
            Issue.record("a wrong PSK should be refused: \(wrong)")
            return
        }
        #expect(notify == IKEv2NotifyType.authenticationFailed)

        // Certificates: our ECDSA P-256 leaf signs by RFC 7427; strongSwan's RSA leaf answers.
        var certificate = options("gm-cert.example", psk: nil, proposal: gcm)
        certificate.credential = try CredentialFiles.credential(
            certificatePEM: CredentialFiles.read(directory.appendingPathComponent("gm.pem").path),
            keyPEM: CredentialFiles.read(directory.appendingPathComponent("gm.key").path), name: "gm")
        certificate.trustAnchors = try CredentialFiles.trustStore(pem: CredentialFiles.read(directory.appendingPathComponent("ca.pem").path),
                                                                  name: "ca")
        let signed = try await MemberClient.establishChildlessIKESA(certificate)
        if case .established(let sa) = signed {
            #expect(sa.responderIdentity.data == Array("sswan.example".utf8))
            #expect(sa.responderAuthMethod == 14, "strongSwan signs by RFC 7427 after our SIGNATURE_HASH_ALGORITHMS")
        } else {
            Issue.record("certificate: \(signed)")
        }

        // strongSwan's own account: it verified each AUTH we computed.
        _ = try Self.run("strongswan-ikev2-responder.sh", ["stop", directory.path])
        let log = try String(contentsOf: directory.appendingPathComponent("charon.log"), encoding: .utf8)
        let pskVerified = log.components(separatedBy: "authentication of 'gm-psk.example' with pre-shared key successful").count - 1
        #expect(pskVerified == 2, "strongSwan verified our PSK AUTH for both suites")
        #expect(log.contains("authentication of 'gm-cert.example' with ") && log.range(of: "gm-cert.example' with [A-Z0-9_]+ successful",
                                                                                         options: .regularExpression) != nil)
        #expect(log.contains("IKE_AUTH request 1 [ IDi AUTH ]") || log.contains("IKE_AUTH request 1 [ IDi CERT AUTH ]"))
    }
}

enum StrongSwanAvailability {
    /// Why the strongSwan suites cannot run here, or nil.
    static let missing: String? = {
        guard getuid() == 0 else { return "needs root (charon binds sockets and a private mount namespace)" }
        for tool in ["/usr/lib/ipsec/charon", "/usr/sbin/swanctl", "/usr/bin/openssl", "/usr/bin/unshare"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is not installed (apt: strongswan-charon strongswan-swanctl openssl util-linux)"
        }
        return nil
    }()
}
