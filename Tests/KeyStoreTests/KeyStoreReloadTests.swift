import Foundation
import Gateway
import GroupKeyCrypto
import GroupPolicy
import GroupState
import KeyStore
import Logging
import Testing

/// A policy reload reaches the state file: after a restart on the reloaded policies the groups
/// come back as they were served, with no policy change reported and no new keys.
@Suite("KeyStoreReload: a reload is written to the state file", .serialized)
struct KeyStoreReloadTests {
    typealias Edit = @Sendable (inout GroupDefinition) -> Void

    /// The demo group's policy, changed by `edit`, as group states with the demo secrets and fresh keys.
    static func groups(_ edits: [Edit]) throws -> GroupDirectory {
        let base = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
        var states: [GroupState] = []
        for edit in edits {
            var definition = base
            edit(&definition)
            states.append(try GroupState(definition: definition, secrets: try DemoSecrets.secrets(), random: SystemRandom(),
                                         nowMilliseconds: 0))
        }
        return GroupDirectory(groups: states)
    }

    static let unchanged: Edit = { _ in }
    static let authorizesGM1: Edit = {
        $0.authorization = [.member(MemberIdentity(kind: .fqdn, value: "gm1.example"))]
    }
    static let shorterTEKLifetime: Edit = { $0.dataSecurity[0].lifetimeSeconds = 1_800 }
    /// A second group beside the demo one: its own name and identities.
    static let group1002: Edit = {
        $0.name = "demo-1002"
        $0.identity = GroupIdentity(gdoiID: 1002, idg: nil)
    }

    /// Serves `initial` restored from the state file at `path`; `reloaded` is what a reload reads.
    static func server(statePath path: String, initial: GroupDirectory,
                       reloaded: @escaping @Sendable () throws(GatewayError) -> GroupDirectory) async throws
        -> (GatewayServer, GroupDirectory, KeyStore) {
        let store = try StateFile.open(path: path)
        let directory = try StateFile.restore(initial, from: store, random: SystemRandom(), nowMilliseconds: 0,
                                              logger: KeyStoreRestartTests.quietLogger)
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: KeyStoreRestartTests.quietLogger,
                                                        persister: StatePersister(store: store, directory: directory))
        configuration.policyLoader = reloaded
        return (try await GatewayServer.start(configuration: configuration, directory: directory), directory, store)
    }

    /// Restores `policies` from the file at `path` as the next start would, with the codes it logged.
    static func restart(statePath path: String, policies: GroupDirectory) throws -> (GroupDirectory, [String]) {
        let collector = CodeCollector()
        let logger = Logger(label: "groupkey.test") { _ in collector }
        let store = try StateFile.open(path: path)
        let restored = try StateFile.restore(policies, from: store, random: SystemRandom(), nowMilliseconds: 0, logger: logger)
        return (restored, collector.codes)
    }

    static func tek(_ directory: GroupDirectory, _ name: String) throws -> DataSecuritySA {
        try #require(directory.snapshot.first { $0.name == name }?.dataSecuritySAs.last)
    }

    @Test("A reload that changes the authorization list or the TEK lifetime: a restart reports no policy change and keeps the TEK",
          arguments: ["authorization", "lifetime"])
    func changedGroup(aspect: String) async throws {
        let folder = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.db").path
        let edit = aspect == "authorization" ? Self.authorizesGM1 : Self.shorterTEKLifetime
        let (server, directory, store) = try await Self.server(statePath: path, initial: try Self.groups([Self.unchanged]),
                                                               reloaded: { () throws(GatewayError) in
            do { return try Self.groups([edit]) } catch { throw .policy("\(error)") }
        })
        let report = await server.reload()
        let served = try Self.tek(directory, "demo-1001")
        await server.stop()
        #expect(report.applied)
        #expect(report.changed.map(\.name) == ["demo-1001"])
        let inForce = try #require(directory.snapshot.first).definition
        #expect(try store.load(group: "demo-1001")?.policyXML == PolicyWriter.write(PolicyDocument(groups: [inForce])),
                "the file holds the reloaded policy text")

        let (restored, codes) = try Self.restart(statePath: path, policies: try Self.groups([edit]))
        #expect(!codes.contains("GW-STATE-POLICY-CHANGED"), "the file holds the policy in force after the reload")
        #expect(codes.contains("GW-STATE-RESTORED"))
        let after = try Self.tek(restored, "demo-1001")
        #expect(after.spi == served.spi)
        #expect(after.keyMaterial == served.keyMaterial, "same TEK key octets (constant-time comparison)")
    }

    @Test("A group added by a reload is in the file: a restart restores it with the same keys; a removed one stays unserved")
    func addedGroup() async throws {
        let folder = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.db").path
        let (server, directory, _) = try await Self.server(statePath: path, initial: try Self.groups([Self.unchanged]),
                                                           reloaded: { () throws(GatewayError) in
            do { return try Self.groups([Self.group1002]) } catch { throw .policy("\(error)") }
        })
        let report = await server.reload()
        let served = try Self.tek(directory, "demo-1002")
        let servedRekey = try #require(directory.snapshot.first { $0.name == "demo-1002" }?.rekeySA)
        await server.stop()
        #expect(report.applied && report.added == ["demo-1002"] && report.removed == ["demo-1001"])

        let (restored, codes) = try Self.restart(statePath: path, policies: try Self.groups([Self.group1002]))
        #expect(!codes.contains("GW-STATE-NEW-GROUP"), "the added group was written at the reload")
        #expect(!codes.contains("GW-STATE-POLICY-CHANGED"))
        #expect(codes.contains("GW-STATE-UNSERVED"), "the removed group is kept in the file")
        let after = try Self.tek(restored, "demo-1002")
        #expect(after.spi == served.spi)
        #expect(after.keyMaterial == served.keyMaterial)
        #expect(restored.snapshot.first?.rekeySA?.spi == servedRekey.spi)
    }

    @Test("A group a reload removes and a later reload adds again comes back from the state file, not as a new group")
    func removedThenAddedAgain() async throws {
        let folder = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.db").path
        let both = try Self.groups([Self.unchanged, Self.group1002]), only1001 = try Self.groups([Self.unchanged])
        let withBoth = try Self.groups([Self.unchanged, Self.group1002])
        let reloads = ReloadSequence([only1001, withBoth])
        let (server, directory, _) = try await Self.server(statePath: path, initial: both,
                                                           reloaded: { () throws(GatewayError) in reloads.next() })
        let beforeRekey = try #require(directory.snapshot.first { $0.name == "demo-1002" }?.rekeySA)
        let removed = await server.reload()
        let added = await server.reload()
        let afterRekey = try #require(directory.snapshot.first { $0.name == "demo-1002" }?.rekeySA)
        await server.stop()
        #expect(removed.applied && removed.removed == ["demo-1002"])
        #expect(added.applied && added.added == ["demo-1002"])
        // The rekey SA is the one the file kept (a new group state would have made a new one). The
        // TEK may be new: these test groups were made at time 0, so at the wall-clock time of the
        // reload the stored TEK is past its lifetime and restoring replaces it, as a restart would.
        #expect(afterRekey.spi == beforeRekey.spi && afterRekey.keyMaterial == beforeRekey.keyMaterial, "the rekey SA the state file kept")
    }

    @Test("A failed reload (policies unreadable, or a refused change) writes nothing")
    func failedReload() async throws {
        let folder = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.db").path
        let attempts = Attempts()
        let (server, _, store) = try await Self.server(statePath: path, initial: try Self.groups([Self.unchanged]),
                                                       reloaded: { () throws(GatewayError) in
            // First unreadable, then a new group beside an identity change (refused as a whole).
            guard attempts.next() > 1 else { throw .policy("unreadable") }
            do {
                return try Self.groups([{ Self.authorizesGM1(&$0); $0.identity = GroupIdentity(gdoiID: 1003, idg: nil) },
                                        Self.group1002])
            } catch { throw .policy("\(error)") }
        })
        let before = try #require(try store.load(group: "demo-1001"))
        let historyBefore = try store.history(group: "demo-1001").count
        let unreadable = await server.reload()
        let refused = await server.reload()
        await server.stop()
        #expect(!unreadable.applied && !refused.applied)
        #expect(try store.groupNames() == ["demo-1001"])
        #expect(try store.load(group: "demo-1001")?.policyXML == before.policyXML)
        #expect(try store.history(group: "demo-1001").count == historyBefore)
    }
}

/// Counts calls to a loader that runs off the test's task.
private final class Attempts: @unchecked Sendable {
    // @unchecked: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}

/// The directories successive reloads read, in order (the last one again when they run out).
final class ReloadSequence: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: [GroupDirectory]

    init(_ directories: [GroupDirectory]) { remaining = directories }

    func next() -> GroupDirectory {
        lock.withLock { remaining.count > 1 ? remaining.removeFirst() : remaining[0] }
    }
}
