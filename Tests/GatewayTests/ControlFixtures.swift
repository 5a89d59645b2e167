import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState
import Testing

/// A server with a control socket in a fresh directory, policies held in memory so a test can
/// change them and reload, and members registered over loopback.
final class ControlFixture: @unchecked Sendable {
    // @unchecked: `policyText` is read and written under `lock`.
    private let lock = NSLock()
    private var policyText: String
    let directory: URL
    let socketPath: String
    let server: GatewayServer

    /// The demo policy, with a key tree of 16 leaves when `keyTree`.
    static func demoPolicy(keyTree: Bool = true, lifetime: Int = 3600, groupName: String = "demo-1001",
                           rekeyDestination: String = "239.192.0.1", rekeyPort: UInt16 = 848) -> String {
        var text = DemoPolicyText.xml.replacingOccurrences(of: #"destination="239.192.0.1" port="848""#,
                                                           with: #"destination="\#(rekeyDestination)" port="\#(rekeyPort)""#)
        if keyTree {
            text = text.replacingOccurrences(of: #"<timing activation-delay="0" deactivation-delay="30"/>"#,
                                             with: #"<timing activation-delay="0" deactivation-delay="30"/><lkh degree="2" max-members="16"/>"#)
        }
        text = text.replacingOccurrences(of: #"<lifetime seconds="3600"/>"#, with: #"<lifetime seconds="\#(lifetime)"/>"#)
        return text.replacingOccurrences(of: #"<group name="demo-1001">"#, with: #"<group name="\#(groupName)">"#)
    }

    static func load(_ text: String) throws(GatewayError) -> GroupDirectory {
        let pem = Array(DemoSecrets.rekeySigningKeyPEM.utf8)
        let secrets = try SecretsFile.parse("demo-psk = groupkey-demo-psk\ndemo-rekey-signing-key = file:k\n", file: "secrets") { _ throws(GatewayError) in pem }
        return try GroupCatalog.load(policies: [PolicyValidator.Input(name: "policy.xml", bytes: Array(text.utf8))],
                                     secrets: secrets, environment: [:], random: SystemRandom(),
                                     nowMilliseconds: EngineTime(date: Date()).milliseconds)
    }

    init(policy: String = ControlFixture.demoPolicy(), name: String = #function) async throws {
        // Short: sockaddr_un paths are at most ~104 octets.
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("gk-ctl-\(UUID().uuidString.prefix(8))")
        socketPath = directory.appendingPathComponent("control.sock").path
        policyText = policy
        let groups = try Self.load(policy)
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: LoopbackRegistrationTests.quietLogger)
        configuration.controlSocketPath = socketPath
        let box = Box()
        configuration.policyLoader = { () throws(GatewayError) in try ControlFixture.load(box.fixture?.policy ?? "") }
        server = try await GatewayServer.start(configuration: configuration, directory: groups)
        box.fixture = self
    }

    var policy: String {
        get { lock.withLock { policyText } }
        set { lock.withLock { policyText = newValue } }
    }

    /// Registers `identity` with the demo PSK; returns what it holds.
    func join(_ identity: String, psk: SecretBytes = DemoSecrets.preSharedKey) async throws -> MemberClient.Outcome {
        var options = LoopbackRegistrationTests.options(server, psk: psk)
        options.identity = MemberClient.memberIdentification(identity)
        return try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
    }

    func send(_ request: ControlRequest) async throws -> ControlResponse {
        try await ControlClient.send(request, to: socketPath)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Lets the loader closure reach the fixture built after it.
    private final class Box: @unchecked Sendable {
        weak var fixture: ControlFixture?
    }
}

/// Hex of octets, as status prints SPIs.
func controlHex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

extension GroupStatus {
    /// The status without what the clock changes between two reads (remaining lifetimes).
    var ignoringClock: GroupStatus {
        var copy = self
        for index in copy.dataSecuritySAs.indices { copy.dataSecuritySAs[index].remainingSeconds = 0 }
        copy.rekeySA?.remainingSeconds = 0
        return copy
    }
}
