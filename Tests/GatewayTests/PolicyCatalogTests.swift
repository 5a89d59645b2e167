import EngineCore
import Foundation
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupPolicy
import NIOCore
import NIOPosix
import Testing

/// `serve --policies DIR --secrets FILE`: policies from files, the secrets they name from the
/// secrets file, served over loopback.
@Suite("Policies and secrets served")
struct PolicyCatalogTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func demoPolicy() throws -> PolicyValidator.Input {
        let path = repositoryRoot.appendingPathComponent("Policies/demo-group-1001.xml").path
        let data = try #require(FileManager.default.contents(atPath: path))
        return PolicyValidator.Input(name: "demo-group-1001.xml", bytes: Array(data))
    }

    /// A PEM RSA key from the engine tests' test PKI (scripts/gen_gikev2_cert_vectors.py).
    static func rekeyKeyPEM() throws -> [UInt8] {
        let path = repositoryRoot.appendingPathComponent("Tests/GIKEv2Tests/Vectors/engine-gcks-rsa-key.pem").path
        return Array(try #require(FileManager.default.contents(atPath: path)))
    }

    static func secrets(psk: String) throws -> SecretsFile {
        let pem = try rekeyKeyPEM()
        return try SecretsFile.parse("demo-psk = \(psk)\ndemo-rekey-signing-key = file:rekey.pem\n", file: "secrets") { _ throws(GatewayError) in pem }
    }

    @Test("A group from a policy file with its own PSK admits that PSK and refuses the demo one")
    func servesPolicyWithOwnSecrets() async throws {
        let directory = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: try Self.secrets(psk: "site-psk-0123"),
                                              environment: [:], random: SystemRandom())
        #expect(directory.snapshot.map(\.name) == ["demo-1001"])
        let server = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                        logger: LoopbackRegistrationTests.quietLogger),
                                                   directory: directory)
        var options = LoopbackRegistrationTests.options(server, psk: SecretBytes(Array("site-psk-0123".utf8)))
        let joined = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        options.preSharedKey = DemoSecrets.preSharedKey
        let refused = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        await server.stop()
        guard case .registered = joined else { Issue.record("own PSK refused: \(joined)"); return }
        guard case .failed(let error) = refused else { Issue.record("demo PSK admitted"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }

    @Test("The demo PSK is refused off loopback even when a secrets file supplies it")
    func demoPSKFromSecretsFileStaysOnLoopback() async throws {
        let directory = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: try Self.secrets(psk: "groupkey-demo-psk"),
                                              environment: [:], random: SystemRandom())
        await #expect(throws: GatewayError.demoSecretOffLoopback("0.0.0.0:0")) {
            _ = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0"),
                                                                            try ListenAddress(parsing: "0.0.0.0:0")]),
                                              directory: directory)
        }
    }

    @Test("The demo rekey-signing key is refused off loopback even beside a site PSK")
    func demoSigningKeyStaysOnLoopback() async throws {
        let pem = Array(DemoSecrets.rekeySigningKeyPEM.utf8)
        let secrets = try SecretsFile.parse("demo-psk = site-psk\ndemo-rekey-signing-key = file:k\n", file: "s") { _ throws(GatewayError) in pem }
        let directory = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: secrets, environment: [:], random: SystemRandom())
        await #expect(throws: GatewayError.demoSecretOffLoopback("0.0.0.0:0")) {
            _ = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "0.0.0.0:0")]),
                                              directory: directory)
        }
        let own = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: try Self.secrets(psk: "site-psk"),
                                        environment: [:], random: SystemRandom())
        #expect(!own.snapshot.contains(where: DemoSecrets.isUsed(by:)), "a site PSK and a site key are no demo secrets")
    }

    @Test("A secret the policy names but nobody supplies, or an invalid policy, refuses to start")
    func missingSecretsAndBadPolicies() throws {
        let psksOnly = try SecretsFile.parse("demo-psk = x\n", file: "s") { _ throws(GatewayError) in [] }
        #expect {
            _ = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: psksOnly, environment: [:], random: SystemRandom())
        } throws: { error in
            guard case GatewayError.secrets(let text) = error else { return false }
            return text.contains("secrets:demo-rekey-signing-key")
        }
        let notAKey = try SecretsFile.parse("demo-psk = x\ndemo-rekey-signing-key = hex:0102\n", file: "s") { _ throws(GatewayError) in [] }
        #expect(throws: GatewayError.self) {
            _ = try GroupCatalog.load(policies: [try Self.demoPolicy()], secrets: notAKey, environment: [:], random: SystemRandom())
        }
        let broken = PolicyValidator.Input(name: "broken.xml", bytes: Array("<policies xmlns=\"urn:groupkey:policy:1\"><group/></policies>".utf8))
        #expect {
            _ = try GroupCatalog.load(policies: [broken], secrets: try Self.secrets(psk: "p"), environment: [:], random: SystemRandom())
        } throws: { error in
            guard case GatewayError.policy = error else { return false }
            return true
        }
    }
}
