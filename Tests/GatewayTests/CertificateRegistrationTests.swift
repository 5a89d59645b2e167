import EngineCore
import Foundation
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupPolicy
import Testing

/// Certificate authentication (RFC 7427) over real sockets: the GSA_AUTH request carrying a
/// certificate goes as RFC 7383 fragments through the gateway. The test PKI is the engine tests'
/// (scripts/gen_gikev2_cert_vectors.py): root CA, ECDSA P-256 member gm1.example, RSA GCKS.
@Suite("Gateway with certificate authentication")
struct CertificateRegistrationTests {
    static func vector(_ name: String) throws -> [UInt8] {
        try CredentialFiles.read(PolicyCatalogTests.repositoryRoot.appendingPathComponent("Tests/GIKEv2Tests/Vectors/\(name)").path)
    }

    /// The demo policy turned into a certificate group: members certified by `root`, declared in
    /// the policy file and read from beside it.
    static func certificatePolicyDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("groupkey-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var text = String(decoding: try PolicyCatalogTests.demoPolicy().bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "<psk secret-ref=\"secrets:demo-psk\"/>", with: "<certificate trust-anchor=\"root\"/>")
        text = text.replacingOccurrences(of: "<group name=", with: "<trust-anchor name=\"root\" file=\"anchors/root.pem\"/>\n  <group name=")
        try Data(text.utf8).write(to: directory.appendingPathComponent("group.xml"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("anchors"), withIntermediateDirectories: true)
        try Data(try vector("engine-root.pem")).write(to: directory.appendingPathComponent("anchors/root.pem"))
        return directory
    }

    @Test("A certificate member registers to a group whose trust anchor a policy file declares")
    func certificateMemberRegisters() async throws {
        let directory = try Self.certificatePolicyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policyPath = directory.appendingPathComponent("group.xml").path
        let input = PolicyValidator.Input(name: policyPath, bytes: try CredentialFiles.read(policyPath))
        let pem = try Self.vector("engine-gcks-rsa-key.pem")
        let secrets = try SecretsFile.parse("demo-rekey-signing-key = file:k\n", file: "s") { _ throws(GatewayError) in pem }
        let groups = try GroupCatalog.load(policies: [input], secrets: secrets, environment: [:], random: SystemRandom())
        #expect(groups.snapshot.first?.secrets.memberTrustAnchors != nil)

        let gcksCredential = try CredentialFiles.credential(certificatePEM: try Self.vector("engine-gcks-rsa.pem"),
                                                            keyPEM: try Self.vector("engine-gcks-rsa-key.pem"), name: "gcks")
        // IDr names what the certificate certifies (RFC 4945 §3.1), or the member refuses it.
        let server = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                        identity: MemberClient.memberIdentification("gcks.example"),
                                                                        logger: LoopbackRegistrationTests.quietLogger,
                                                                        credential: gcksCredential),
                                                   directory: groups)
        let memberCredential = try CredentialFiles.credential(certificatePEM: try Self.vector("engine-gm1-ecdsa.pem"),
                                                              keyPEM: try Self.vector("engine-gm1-ecdsa-key.pem"), name: "gm1")
        let options = MemberClient.Options(server: server.boundAddresses[0], groupID: LoopbackRegistrationTests.demoGroup,
                                           identity: MemberClient.memberIdentification("gm1.example"), preSharedKey: nil,
                                           credential: memberCredential,
                                           trustAnchors: try CredentialFiles.trustStore(pem: try Self.vector("engine-root.pem"), name: "root"),
                                           timeoutMilliseconds: 10_000)
        let outcome = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        var psk = options
        psk.credential = nil
        psk.preSharedKey = DemoSecrets.preSharedKey
        let pskOutcome = try await MemberClient.join(psk, logger: LoopbackRegistrationTests.quietLogger)
        await server.stop()
        guard case .registered(let holdings) = outcome else { Issue.record("certificate registration failed: \(outcome)"); return }
        #expect(holdings.dataSecuritySAs.count == 1)
        guard case .failed(let error) = pskOutcome else { Issue.record("a PSK member joined a certificate-only group"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }

    @Test("A group naming an undeclared trust anchor does not load")
    func undeclaredAnchor() throws {
        var text = String(decoding: try PolicyCatalogTests.demoPolicy().bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "<psk secret-ref=\"secrets:demo-psk\"/>", with: "<certificate trust-anchor=\"nowhere\"/>")
        let pem = try Self.vector("engine-gcks-rsa-key.pem")
        let secrets = try SecretsFile.parse("demo-rekey-signing-key = file:k\n", file: "s") { _ throws(GatewayError) in pem }
        #expect(throws: GatewayError.self) {
            _ = try GroupCatalog.load(policies: [PolicyValidator.Input(name: "g.xml", bytes: Array(text.utf8))], secrets: secrets,
                                      environment: [:], random: SystemRandom())
        }
    }
}
