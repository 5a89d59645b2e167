import EngineCore
import Foundation
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupState
import Logging
import NIOCore
import NIOPosix
import Testing

/// End to end over loopback sockets: the gateway on an ephemeral port in this process, the
/// member engine over its own UDP socket.
@Suite("Gateway over loopback UDP")
struct LoopbackRegistrationTests {
    static let demoGroup = MemberClient.groupIdentification("1001")

    /// Errors only: the registrations these tests run are expected, and their info lines are noise.
    static var quietLogger: Logger {
        var logger = Logger(label: "groupkey.test")
        logger.logLevel = .error
        return logger
    }

    /// Starts the demo server on 127.0.0.1, port chosen by the system.
    static func demoServer() async throws -> GatewayServer {
        let directory = try GroupCatalog.demo(random: SystemRandom())
        return try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                                  logger: quietLogger),
                                             directory: directory)
    }

    static func options(_ server: GatewayServer, group: IdentificationPayload = demoGroup,
                        psk: SecretBytes = DemoSecrets.preSharedKey, marker: Bool = false) -> MemberClient.Options {
        MemberClient.Options(server: server.boundAddresses[0], groupID: group,
                             identity: MemberClient.memberIdentification("gm1.example"), preSharedKey: psk,
                             nonESPMarker: marker, timeoutMilliseconds: 10_000)
    }

    @Test("A member registers to the demo group and holds its TEK, rekey SA and a Sender-ID")
    func registersToDemoGroup() async throws {
        let server = try await Self.demoServer()
        #expect(server.boundAddresses[0].port != 0)
        let outcome = try await MemberClient.join(Self.options(server), logger: Self.quietLogger)
        guard case .registered(let holdings) = outcome else {
            Issue.record("registration failed: \(outcome)")
            await server.stop()
            return
        }
        #expect(holdings.group == [0x00, 0x00, 0x03, 0xE9])
        #expect(holdings.dataSecuritySAs.count == 1)
        let tek = try #require(holdings.dataSecuritySAs.first)
        #expect(tek.protocolID == 3 && tek.spi.count == 4)
        #expect(tek.encryption == 20 && tek.keyBits == 256, "AES-GCM-16-256 as the demo policy says")
        #expect(tek.keyMaterial.count == 36, "32-octet key + 4-octet salt (RFC 4106 §8.1)")
        #expect(holdings.rekeySA?.keyWrap == 3, "KW-5649-256")
        #expect(holdings.senderIDs.count == 1)
        let statistics = await server.statistics()
        #expect(statistics.registrations == 1)
        await server.stop()
    }

    @Test("The key agreement is made on a helper thread when there are helpers, by the engine when there are none",
          arguments: [0, 2])
    func keyAgreementHelpers(threads: Int) async throws {
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")], logger: Self.quietLogger)
        configuration.keyAgreementThreads = threads
        let server = try await GatewayServer.start(configuration: configuration, directory: try GroupCatalog.demo(random: SystemRandom()))
        let outcome = try await MemberClient.join(Self.options(server), logger: Self.quietLogger)
        let prepared = await server.keyAgreementsPreparedAhead()
        await server.stop()
        guard case .registered = outcome else {
            Issue.record("registration failed: \(outcome)")
            return
        }
        #expect(prepared == (threads == 0 ? 0 : 1), "one IKE_SA_INIT, prepared ahead only with helper threads")
    }

    @Test("No key agreement is prepared for a request the GCKS refuses (a proposal no group takes)")
    func noKeyAgreementForARefusedRequest() async throws {
        let server = try await Self.demoServer()
        var options = Self.options(server)
        options.proposals = [IKEProposal(encryption: 12, keyBits: 256, integrity: 12, prf: 5, keyExchange: 20)]
        options.timeoutMilliseconds = 3_000
        let outcome = try await MemberClient.join(options, logger: Self.quietLogger)
        let prepared = await server.keyAgreementsPreparedAhead()
        await server.stop()
        if case .registered = outcome { Issue.record("an ECP-384 proposal registered to the MODP-2048 demo group") }
        #expect(prepared == 0, "the refused IKE_SA_INIT cost no Diffie-Hellman work")
    }

    @Test("An unknown group is refused with INVALID_GROUP_ID")
    func unknownGroup() async throws {
        let server = try await Self.demoServer()
        let outcome = try await MemberClient.join(Self.options(server, group: MemberClient.groupIdentification("1002")),
                                                  logger: Self.quietLogger)
        await server.stop()
        guard case .failed(let error) = outcome else { Issue.record("joined an unknown group"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.invalidGroupID))
    }

    @Test("A wrong PSK is refused with AUTHENTICATION_FAILED")
    func wrongPSK() async throws {
        let server = try await Self.demoServer()
        let outcome = try await MemberClient.join(Self.options(server, psk: SecretBytes(Array("not-the-demo-psk".utf8))),
                                                  logger: Self.quietLogger)
        let statistics = await server.statistics()
        await server.stop()
        guard case .failed(let error) = outcome else { Issue.record("joined with a wrong PSK"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
        #expect(statistics.registrations == 0 && statistics.registrationFailures == 1)
    }

    @Test("A member that puts the non-ESP marker before IKE gets answers with the marker, and registers")
    func markerFramingBothWays() async throws {
        let server = try await Self.demoServer()
        let outcome = try await MemberClient.join(Self.options(server, marker: true), logger: Self.quietLogger)
        await server.stop()
        guard case .registered = outcome else { Issue.record("registration with marker failed: \(outcome)"); return }
    }

    /// Linux lists ::1 in /proc/net/if_inet6 when IPv6 loopback is up; elsewhere the test is skipped.
    static var hasIPv6Loopback: Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/net/if_inet6") else { return false }
        return String(decoding: data, as: UTF8.self).contains("00000000000000000000000000000001")
    }

    @Test("A member registers over IPv6 loopback", .enabled(if: hasIPv6Loopback))
    func registersOverIPv6() async throws {
        let server = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "[::1]:0")],
                                                                        logger: Self.quietLogger),
                                                   directory: try GroupCatalog.demo(random: SystemRandom()))
        #expect(server.boundAddresses[0].isIPv6)
        let outcome = try await MemberClient.join(Self.options(server), logger: Self.quietLogger)
        await server.stop()
        guard case .registered = outcome else { Issue.record("IPv6 registration failed: \(outcome)"); return }
    }

    @Test("The demo secrets are refused off loopback")
    func demoSecretsStayOnLoopback() async throws {
        let directory = try GroupCatalog.demo(random: SystemRandom())
        await #expect(throws: GatewayError.demoSecretOffLoopback("0.0.0.0:0")) {
            _ = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "0.0.0.0:0")]),
                                              directory: directory)
        }
    }
}
