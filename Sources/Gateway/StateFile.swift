import EngineCore
import Foundation
import GroupKeyCrypto
import GroupState
import KeyStore
import Logging

/// The key server's state file at the edge: restores the groups a directory serves from a
/// `KeyStore` at start, and writes the engines' `PersistRecord`s before the sends that follow them.
public enum StateFile {
    /// The state file `serve` uses without `--state` (KeyStore.defaultPath): /var/lib/groupkey/state.db
    /// as root, else $XDG_STATE_HOME/groupkey/state.db or ~/.local/state/groupkey/state.db.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        KeyStore.defaultPath(environment: environment)
    }

    /// Opens (or creates) the state file.
    public static func open(path: String) throws(GatewayError) -> KeyStore {
        do { return try KeyStore(path: path) } catch { throw .stateFile("\(error)") }
    }

    /// The groups of `directory` (built from the policies in force, with fresh keys) as the store
    /// remembers them: a group found in the store gets its stored TEKs, rekey SA, key tree, members
    /// and counters back, as far as the policy still allows (GroupState.restoring; what changed is
    /// logged as GW-STATE-POLICY-CHANGED); a group new to the store is saved as it is. Groups in the
    /// store that no policy names stay in the file, unserved. The result is saved before it is
    /// returned, so the file always holds what will be served.
    public static func restore(_ directory: GroupDirectory, from store: KeyStore, random: some RandomSource,
                               nowMilliseconds: Int64, logger: Logger) throws(GatewayError) -> GroupDirectory {
        var groups: [GroupState] = []
        do {
            for fresh in directory.snapshot {
                guard let (state, changes) = try stored(fresh, in: store, random: random, nowMilliseconds: nowMilliseconds,
                                                        logger: logger) else {
                    try store.save(fresh, nowMilliseconds: nowMilliseconds)
                    logger.info("group created in the state file", metadata: ["code": "GW-STATE-NEW-GROUP", "group": "\(fresh.name)",
                                                                              "file": "\(store.path)"])
                    groups.append(fresh)
                    continue
                }
                try store.save(state, nowMilliseconds: nowMilliseconds, history: changes.isEmpty ? nil
                                : (kind: "policy-change", detail: changes.map(\.description).joined(separator: "; ")))
                logger.info("group restored from the state file", metadata: [
                    "code": "GW-STATE-RESTORED", "group": "\(state.name)", "members": "\(state.members.count)",
                    "teks": "\(state.dataSecuritySAs.map { GroupStateReport.hex($0.spi) }.joined(separator: " "))"])
                groups.append(state)
            }
            let served = Set(groups.map(\.name))
            for name in try store.groupNames() where !served.contains(name) {
                logger.info("group in the state file is not in the policies; kept, not served",
                            metadata: ["code": "GW-STATE-UNSERVED", "group": "\(name)"])
            }
        } catch let error as KeyStoreError {
            throw .stateFile("\(error)")
        } catch {
            throw .stateFile("group state: \(error)")
        }
        return GroupDirectory(groups: groups, memberLists: directory.memberLists)
    }

    /// The group as the state file holds it, under the policy of `fresh` (what changed in that
    /// policy since the file was written logged and returned), or nil when the file does not know
    /// the group. Nothing is written.
    static func stored(_ fresh: GroupState, in store: KeyStore, random: some RandomSource, nowMilliseconds: Int64,
                       logger: Logger) throws -> (GroupState, [GroupStateRestoreChange])? {
        guard let stored = try store.load(group: fresh.name) else { return nil }
        let (state, changes) = try GroupState.restoring(stored.snapshot, definition: fresh.definition, secrets: fresh.secrets,
                                                        random: random, nowMilliseconds: nowMilliseconds)
        for change in changes {
            logger.warning("policy changed since the state was saved", metadata: [
                "code": "GW-STATE-POLICY-CHANGED", "group": "\(fresh.name)", "change": "\(change)"])
        }
        return (state, changes)
    }

}

/// Writes the engines' durable changes to the store, reading the group's current state from the
/// directory the engines share. An admission is written alone (member, its path keys, counters);
/// every other record writes the group whole. Each call is one transaction (a batch: one for all
/// its records), committed (fsync'd, synchronous=FULL) before it returns.
public final class StatePersister: Sendable {
    public let store: KeyStore
    public let directory: GroupDirectory
    private let clock: @Sendable () -> Int64

    public init(store: KeyStore, directory: GroupDirectory,
                clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }) {
        self.store = store
        self.directory = directory
        self.clock = clock
    }

    /// Writes one record. `memberProtocol` names the engine that made it ("gikev2", "gdoi"),
    /// stored with the member for status.
    public func persist(_ record: PersistRecord, memberProtocol: String) throws(GatewayError) {
        if let failure = persist(batch: [(record, memberProtocol)])[0] { throw failure }
    }

    /// Writes several records in one transaction and one commit (StateCommitter's group commit).
    /// Returns the failures by index; when the batch as a whole fails, each record is written again
    /// alone, so one bad record costs only its own change.
    public func persist(batch records: [(record: PersistRecord, memberProtocol: String)]) -> [Int: GatewayError] {
        var failures: [Int: GatewayError] = [:]
        let snapshot = directory.snapshot
        var writable: [(index: Int, record: PersistRecord, state: GroupState, memberProtocol: String)] = []
        for (index, entry) in records.enumerated() {
            guard let state = snapshot.first(where: { $0.name == entry.record.group }) else {
                failures[index] = .stateFile("a change to group \(entry.record.group), which is not served")
                continue
            }
            writable.append((index, entry.record, state, entry.memberProtocol))
        }
        do {
            try store.batch { () throws(KeyStoreError) in
                for entry in writable { try write(entry.record, state: entry.state, memberProtocol: entry.memberProtocol) }
            }
        } catch {
            // One at a time only helps when a record is at fault; when the file is (busy, full,
            // failing), every record would fail again, each after SQLite's busy wait.
            guard writable.count > 1, !Self.isStoreWide(error) else {
                for entry in writable { failures[entry.index] = .stateFile("\(error)") }
                return failures
            }
            for entry in writable {
                do { try store.batch { () throws(KeyStoreError) in try write(entry.record, state: entry.state, memberProtocol: entry.memberProtocol) } }
                catch { failures[entry.index] = .stateFile("\(error)") }
            }
        }
        return failures
    }

    /// Whether a failed write says something about the file rather than about the records:
    /// SQLITE_BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB (primary result
    /// codes, https://sqlite.org/rescode.html).
    static func isStoreWide(_ error: KeyStoreError) -> Bool {
        guard case .sqlite(let code, _) = error else { return false }
        return [5, 6, 8, 10, 11, 13, 14, 26].contains(code & 0xFF)
    }

    /// One record's rows; the caller holds the transaction. `state` is the group as it stands
    /// now, which includes the change (and perhaps later ones: never less than was sent).
    private func write(_ record: PersistRecord, state: GroupState, memberProtocol: String) throws(KeyStoreError) {
        let group = record.group
        switch record {
        case .memberRegistered(_, let member, let senderIDs, _, let address):
            try store.recordAdmission(of: member, protocol: memberProtocol, senderIDs: senderIDs, in: state,
                                      pushAddress: address.map { (octets: $0.addressOctets, port: $0.port) },
                                      nowMilliseconds: clock())
        case .senderIDCounter(_, let next):
            try store.commitReservation(counter: .senderID, group: group, end: UInt64(next))
        case .groupKeysChanged(_, let reason):
            try store.save(state, nowMilliseconds: clock(), history: (kind: "keys-changed", detail: reason))
        case .counterReserved(_, let counter, let end):
            try store.commitReservation(counter: KeyStoreCounter(counter), group: group, end: end)
        }
    }

    /// Writes what a policy reload changed, before it takes effect: each group whole (the policy
    /// now in force and the state adopted with it), in one transaction, so the next start compares
    /// the policies with the ones last served. Groups the reload removed are left as they are:
    /// kept in the file, unserved, as at start.
    public func persistReload(added: [GroupState], changed: [(state: GroupState, aspects: [String])]) throws(GatewayError) {
        let groups = added.map { (state: $0, history: Optional((kind: "policy-reload", detail: "group added"))) }
            + changed.map { (state: $0.state, history: Optional((kind: "policy-reload", detail: $0.aspects.joined(separator: ", ")))) }
        guard !groups.isEmpty else { return }
        do { try store.save(groups, nowMilliseconds: clock()) } catch { throw .stateFile("\(error)") }
    }
}

extension PersistRecord {
    /// The group the change belongs to.
    var group: String {
        switch self {
        case .memberRegistered(let group, _, _, _, _), .senderIDCounter(let group, _), .groupKeysChanged(let group, _),
             .counterReserved(let group, _, _):
            return group
        }
    }
}

extension KeyStoreCounter {
    init(_ counter: PersistedCounter) {
        switch counter {
        case .gikev2RekeyMessageID: self = .gikev2RekeyMessageID
        case .gdoiSequence: self = .gdoiSequence
        }
    }
}
