import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
import KeyStore
import Logging
import Testing

/// The gateway with a state file, restarted over loopback: a member registered before the
/// restart holds the same SAs after it.
@Suite("KeyStore restart over loopback", .serialized)
struct KeyStoreRestartTests {
    static var quietLogger: Logger {
        var logger = Logger(label: "groupkey.test")
        logger.logLevel = .error
        return logger
    }

    /// A new state file in `directory` holding the demo group, the group as restored from it, and
    /// a persister writing that group to it.
    static func demoState(in directory: URL) throws -> (KeyStore, GroupDirectory, StatePersister) {
        let store = try StateFile.open(path: directory.appendingPathComponent("state.db").path)
        let groups = try StateFile.restore(try GroupCatalog.demo(random: SystemRandom()), from: store, random: SystemRandom(),
                                           nowMilliseconds: 0, logger: quietLogger)
        return (store, groups, StatePersister(store: store, directory: groups))
    }

    /// Starts the demo group on 127.0.0.1 (port chosen by the system), restored from `path`.
    static func server(statePath path: String) async throws -> (GatewayServer, KeyStore) {
        let store = try StateFile.open(path: path)
        let directory = try StateFile.restore(try GroupCatalog.demo(random: SystemRandom()), from: store, random: SystemRandom(),
                                              nowMilliseconds: 0, logger: quietLogger)
        let server = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                        logger: quietLogger,
                                                                        persister: StatePersister(store: store, directory: directory)),
                                                   directory: directory)
        return (server, store)
    }

    static func join(_ server: GatewayServer, as member: String) async throws -> GroupMemberHoldings {
        let outcome = try await MemberClient.join(MemberClient.Options(
            server: server.boundAddresses[0], groupID: MemberClient.groupIdentification("1001"),
            identity: MemberClient.memberIdentification(member), preSharedKey: DemoSecrets.preSharedKey, timeoutMilliseconds: 15_000),
                                                  logger: quietLogger)
        guard case .registered(let holdings) = outcome else { throw KeyStoreError.corrupt("registration failed: \(outcome)") }
        return holdings
    }

    @Test("A member registered before a restart holds the same TEK SPI and key after it; Sender-IDs go on")
    func sameKeysAfterRestart() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path

        // The GCKS names members by ID type and data ("id2:" is ID_FQDN, GCKSResponder.memberDescription).
        let (first, firstStore) = try await Self.server(statePath: path)
        let before = try await Self.join(first, as: "gm1.example")
        let other = try await Self.join(first, as: "gm2.example")
        await first.stop()
        #expect(try firstStore.member("id2:gm1.example", group: "demo-1001")?.protocol == "gikev2", "written before the answer was sent")

        let (second, secondStore) = try await Self.server(statePath: path)
        let after = try await Self.join(second, as: "gm1.example")
        await second.stop()

        let tekBefore = try #require(before.dataSecuritySAs.first), tekAfter = try #require(after.dataSecuritySAs.first)
        #expect(tekAfter.spi == tekBefore.spi)
        #expect(tekAfter.keyMaterial == tekBefore.keyMaterial, "same TEK key octets (constant-time comparison)")
        #expect(after.rekeySA?.spi == before.rekeySA?.spi)
        #expect(before.senderIDs.count == 1 && other.senderIDs.count == 1)
        let handedOut = Set(before.senderIDs + other.senderIDs)
        #expect(after.senderIDs.allSatisfy { !handedOut.contains($0) }, "no Sender-ID handed out twice across the restart")
        let group = try #require(try secondStore.groupNames().first)
        let stored = try #require(try secondStore.member("id2:gm2.example", group: group))
        #expect(stored.protocol == "gikev2" && stored.senderIDs == other.senderIDs)

        // Without the state file, a restart would have made new keys: the comparison above can fail.
        let stateless = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                           logger: Self.quietLogger),
                                                      directory: try GroupCatalog.demo(random: SystemRandom()))
        let fresh = try await Self.join(stateless, as: "gm1.example")
        await stateless.stop()
        #expect(fresh.dataSecuritySAs.first?.spi != tekBefore.spi)
    }

    @Test("A persister for another directory than the one served is refused")
    func mismatchedPersister() async throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateFile.open(path: directory.appendingPathComponent("state.db").path)
        let persister = StatePersister(store: store, directory: try GroupCatalog.demo(random: SystemRandom()))
        await #expect(throws: GatewayError.self) {
            _ = try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                                   logger: Self.quietLogger, persister: persister),
                                              directory: try GroupCatalog.demo(random: SystemRandom()))
        }
    }
}
