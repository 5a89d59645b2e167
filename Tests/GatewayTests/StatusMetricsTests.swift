import Foundation
import Gateway
import GroupKeyCrypto
import MetricsTestKit
import Testing

/// The swift-metrics counters carry what `status` reports, so a backend scrapes the same numbers.
@Suite("Status counters as swift-metrics")
struct StatusMetricsTests {
    @Test("Registrations, failures by reason and datagrams reach the metrics factory")
    func countersExported() async throws {
        let metrics = TestMetrics()
        let directory = try ControlFixture.load(ControlFixture.demoPolicy())
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: LoopbackRegistrationTests.quietLogger)
        configuration.metricsFactory = metrics
        let server = try await GatewayServer.start(configuration: configuration, directory: directory)
        var options = LoopbackRegistrationTests.options(server)
        _ = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        options.preSharedKey = SecretBytes(Array("wrong".utf8))
        _ = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        let status = try #require(await server.control(.status).status)
        await server.stop()
        #expect(try metrics.expectCounter("groupkey_registrations_total").totalValue == Int64(status.counters.registrations))
        #expect(status.counters.registrations == 1)
        #expect(try metrics.expectCounter("groupkey_registration_failures_total").totalValue == 1)
        #expect(try metrics.expectCounter("groupkey_failures_total", [("reason", "GCKS-REGISTRATION-REFUSED")]).totalValue == 1)
        #expect(try metrics.expectCounter("groupkey_datagrams_received_total").totalValue == Int64(status.counters.datagramsReceived))
    }
}
