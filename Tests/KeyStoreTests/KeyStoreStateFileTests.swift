import Foundation
import Gateway
import GroupKeyCrypto
import GroupPolicy
import GroupState
import KeyStore
import Logging
import Testing

/// Collects log lines' codes, for checking what `StateFile.restore` reports.
final class CodeCollector: LogHandler, @unchecked Sendable {
    // @unchecked: `codes` is only touched under `lock`.
    private let lock = NSLock()
    private var collected: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var codes: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: Logging.LogEvent) {
        guard case .string(let code)? = event.metadata?["code"] else { return }
        lock.lock()
        collected.append(code)
        lock.unlock()
    }
}

@Suite("KeyStore state file at start")
struct KeyStoreStateFileTests {
    @Test("New groups are created, known ones restored, changed ones logged and recorded, unserved ones kept")
    func restoreReports() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateFile.open(path: directory.appendingPathComponent("state.db").path)
        let collector = CodeCollector()
        let logger = Logger(label: "groupkey.test") { _ in collector }

        let original = try KeyStoreFixtures.state(members: ["a.example"])
        let first = try StateFile.restore(GroupDirectory(groups: [original]), from: store, random: SystemRandom(),
                                          nowMilliseconds: 1, logger: logger)
        #expect(collector.codes == ["GW-STATE-NEW-GROUP"])
        #expect(first.snapshot.first?.snapshot == original.snapshot)

        // Same policy, fresh keys from the catalog: the stored ones win.
        let fresh = try GroupState(definition: original.definition, secrets: GroupSecrets(), random: SystemRandom())
        let second = try StateFile.restore(GroupDirectory(groups: [fresh]), from: store, random: SystemRandom(),
                                           nowMilliseconds: 2, logger: logger)
        #expect(collector.codes.last == "GW-STATE-RESTORED")
        #expect(second.snapshot.first?.dataSecuritySAs.first?.keyMaterial == original.dataSecuritySAs.first?.keyMaterial)
        #expect(second.snapshot.first?.members == ["a.example"])

        // The TEK's key length changed: a new epoch, logged and in the history.
        var changed = original.definition
        changed.dataSecurity[0].keyLength = 128
        let third = try StateFile.restore(GroupDirectory(groups: [try GroupState(definition: changed, secrets: GroupSecrets(),
                                                                                 random: SystemRandom())]),
                                          from: store, random: SystemRandom(), nowMilliseconds: 3, logger: logger)
        #expect(collector.codes.contains("GW-STATE-POLICY-CHANGED"))
        #expect(third.snapshot.first?.dataSecuritySAs.first?.spi != original.dataSecuritySAs.first?.spi)
        #expect(try store.history(group: original.name).map(\.kind) == ["policy-change"])
        let stored = try #require(try store.load(group: original.name))
        #expect(try PolicyReader.decode(stored.policyXML).groups.first?.dataSecurity.first?.keyLength == 128)

        // A group no policy names any more stays in the file, unserved.
        var other = original.definition
        other.name = "another-group"
        _ = try StateFile.restore(GroupDirectory(groups: [try GroupState(definition: other, secrets: GroupSecrets(), random: SystemRandom())]),
                                  from: store, random: SystemRandom(), nowMilliseconds: 4, logger: logger)
        #expect(collector.codes.contains("GW-STATE-UNSERVED"))
        #expect(try store.groupNames() == ["another-group", original.name].sorted())
    }
}
