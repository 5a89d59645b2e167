import EngineCore
import GDOI
import GDOIWire
import Gateway
import GroupKeyCrypto
import Testing

/// GDOI over real UDP sockets through the gateway: `GDOIMemberClient` (phase 1, GROUPKEY-PULL)
/// against `GatewayServer`'s GDOI key server on the demo group, with and without the non-ESP marker.
@Suite("Gateway GDOI over loopback UDP")
struct GDOIGatewayTests {
    static func options(_ server: GatewayServer, mode: Phase1Mode = .main, psk: SecretBytes = DemoSecrets.preSharedKey,
                        marker: Bool = false) -> GDOIMemberClient.Options {
        GDOIMemberClient.Options(server: server.boundAddresses[0], group: 1001,
                                 identity: GDOIMemberClient.memberIdentification("gdoi-gm.example"), preSharedKey: psk, mode: mode,
                                 nonESPMarker: marker, timeoutMilliseconds: 10_000)
    }

    @Test("A GDOI member registers (Main and Aggressive Mode, bare and marker-framed) and deletes its ISAKMP SA when done",
          arguments: [(Phase1Mode.main, false), (.aggressive, false), (.main, true)])
    func registers(mode: Phase1Mode, marker: Bool) async throws {
        let server = try await LoopbackRegistrationTests.demoServer()
        let outcome = try await GDOIMemberClient.join(Self.options(server, mode: mode, marker: marker),
                                                      logger: LoopbackRegistrationTests.quietLogger)
        guard case .registered(let phase1, let holdings) = outcome else {
            Issue.record("not registered: \(outcome)")
            await server.stop()
            return
        }
        #expect(holdings.group == 1001 && !holdings.teks.isEmpty && holdings.kek != nil)
        #expect(phase1.peerAddress == server.boundAddresses[0])
        let statistics = await server.gdoiStatistics()
        #expect(statistics.phase1Established == 1)
        // The member's Delete reaches the key server: no ISAKMP SA left.
        var remaining = await server.gdoiPhase1SAs().count
        for _ in 0..<100 where remaining > 0 {
            try await Task.sleep(for: .milliseconds(20))
            remaining = await server.gdoiPhase1SAs().count
        }
        #expect(remaining == 0)
        await server.stop()
    }

    @Test("A wrong pre-shared key gets no registration and leaves no SA")
    func wrongKey() async throws {
        let server = try await LoopbackRegistrationTests.demoServer()
        var options = Self.options(server, psk: SecretBytes(Array("wrong".utf8)))
        options.timeoutMilliseconds = 2_000
        let outcome = try await GDOIMemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        if case .registered = outcome { Issue.record("registered with a wrong key") }
        #expect(await server.gdoiPhase1SAs().isEmpty)
        #expect(await server.gdoiStatistics().phase1Failures >= 1)
        await server.stop()
    }
}
