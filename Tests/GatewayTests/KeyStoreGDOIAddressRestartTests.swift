import EngineCore
import Foundation
import GDOI
import GroupKeyCrypto
import Gateway
import GroupState
import KeyStore
import Testing

/// Unicast GROUPKEY-PUSH goes to each GDOI member's registration address (RFC 6407 §4). The
/// state file keeps that address with the admission, so a key server restarted from its state
/// file pushes to the members it had without their registering again.
@Suite("KeyStoreGDOIAddress: unicast GDOI members get pushes after a restart", .serialized)
struct KeyStoreGDOIAddressRestartTests {
    /// Serves the unicast mixed-group policy from the state file at `statePath`, as `serve --state` does.
    static func start(statePath: String, socketPath: String, port: UInt16 = 0) async throws -> (GatewayServer, GroupDirectory, KeyStore) {
        let store = try StateFile.open(path: statePath)
        let directory = try StateFile.restore(try ControlFixture.load(MixedGroupUnicastTests.unicastPolicy), from: store,
                                              random: SystemRandom(), nowMilliseconds: EngineTime(date: Date()).milliseconds,
                                              logger: LoopbackRegistrationTests.quietLogger)
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:\(port)")],
                                                        logger: LoopbackRegistrationTests.quietLogger)
        configuration.controlSocketPath = socketPath
        configuration.persister = StatePersister(store: store, directory: directory)
        return (try await GatewayServer.start(configuration: configuration, directory: directory), directory, store)
    }

    @Test("A GDOI member registered before a restart receives the operator rekey's push after it, without registering again")
    func pushReachesMemberAfterRestart() async throws {
        let folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("gk-gdoiaddr-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let statePath = folder.appendingPathComponent("state.db").path
        let group = MixedGroupFixture.group

        let (first, _, _) = try await Self.start(statePath: statePath, socketPath: folder.appendingPathComponent("a.sock").path)
        let registrations = Counter(), pushes = PushLog()
        let options = GDOIMemberClient.Options(server: first.boundAddresses[0], group: 1001,
                                               identity: GDOIMemberClient.memberIdentification("r-gdoi"),
                                               preSharedKey: DemoSecrets.preSharedKey, timeoutMilliseconds: 60_000)
        let follower = Task {
            _ = try? await GDOIMemberClient.follow(options, logger: LoopbackRegistrationTests.quietLogger,
                                                   onRegistered: { _, _ in registrations.add() },
                                                   onPush: { notice, held in pushes.append(notice.accepted, held) })
        }
        defer { follower.cancel() }
        #expect(await Self.wait { registrations.value == 1 })
        // Before the restart the push reaches it: the harness delivers.
        let before = try await ControlClient.send(.rekey(group: group, dryRun: false), to: folder.appendingPathComponent("a.sock").path)
        #expect(before.ok)
        #expect(await Self.wait(seconds: 10) { pushes.all.count == 1 })
        await first.stop()

        let secondSocket = folder.appendingPathComponent("b.sock").path
        // Restarted on the port it served, as `serve --state` is: the member's socket hears that address.
        let (second, directory, _) = try await Self.start(statePath: statePath, socketPath: secondSocket, port: first.boundAddresses[0].port)
        #expect(directory.snapshot.first { $0.name == group }?.members == ["id2:r-gdoi"], "the member was restored")
        let rekey = try await ControlClient.send(.rekey(group: group, dryRun: false), to: secondSocket)
        #expect(rekey.ok, "\(String(describing: rekey.error))")
        let tek = try #require(directory.snapshot.first { $0.name == group }?.dataSecuritySAs.last)
        let received = await Self.wait(seconds: 10) { pushes.accepted.contains { $0.teks.contains { $0.spi == tek.spi } } }
        var counters = try await ControlClient.send(.status, to: secondSocket).status?.counters.gdoi
        for _ in 0..<100 where received && (counters?.acksReceived ?? 0) < 1 {
            try await Task.sleep(for: .milliseconds(50))
            counters = try await ControlClient.send(.status, to: secondSocket).status?.counters.gdoi
        }
        await second.stop()
        follower.cancel()
        await follower.value
        #expect(received, "the restarted server pushed the new TEK to the member's stored address")
        #expect(registrations.value == 1, "the member did not register again")
        #expect(counters?.pulls == 0 && counters?.acksReceived == 1, "no GROUPKEY-PULL after the restart; the push acknowledged: \(String(describing: counters))")
    }

    static func wait(seconds: Int = 60, _ condition: @escaping @Sendable () -> Bool) async -> Bool {
        for _ in 0..<(seconds * 20) {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}

private final class Counter: @unchecked Sendable {
    // @unchecked: `count` is read and written under `lock`.
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

private final class PushLog: @unchecked Sendable {
    // @unchecked: `held` and `notices` are read and written under `lock`.
    private let lock = NSLock()
    private var held: [GDOIMemberHoldings] = []
    private var notices: [Bool] = []
    func append(_ accepted: Bool, _ holdings: GDOIMemberHoldings?) {
        lock.withLock { notices.append(accepted) }
        guard accepted, let holdings else { return }
        lock.withLock { held.append(holdings) }
    }
    var accepted: [GDOIMemberHoldings] { lock.withLock { held } }
    /// Every push the member took in or refused: accepted or not.
    var all: [Bool] { lock.withLock { notices } }
}
