import Foundation
@testable import KeyStore
import Testing

@Suite("KeyStore schema")
struct KeyStoreSchemaTests {
    @Test("A new file gets the current schema, WAL, mode 0600, and an integrity check that passes")
    func creation() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sub/state.db").path
        let store = try KeyStore(path: path)
        #expect(try store.schemaVersion == KeyStore.currentSchemaVersion)
        #expect(try store.integrityCheck() == "ok")
        let tables = try store.locked { () throws(KeyStoreError) in
            try store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") { $0.text(0) }
        }
        #expect(tables == ["counters", "groups", "lkh_nodes", "lkh_trees", "members", "rekey_history", "rekey_sas", "tek_epochs"])
        let journal = try store.locked { () throws(KeyStoreError) in try store.query("PRAGMA journal_mode") { $0.text(0) } }
        #expect(journal == ["wal"])
        let synchronous = try store.locked { () throws(KeyStoreError) in try store.query("PRAGMA synchronous") { $0.integer(0) } }
        #expect(synchronous == [2], "FULL")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let parent = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("sub").path)
        #expect((parent[.posixPermissions] as? Int) == 0o700)
        // SQLite gives the WAL and shared-memory files the database file's mode.
        _ = try store.reserve(counter: .senderID, group: "g")
        for suffix in ["-wal", "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path + suffix)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(suffix)")
        }
    }

    @Test("Releasing the store closes the database: SQLite checkpoints and removes the WAL file")
    func releaseClosesTheDatabase() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        do {
            let store = try KeyStore(path: path)
            _ = try store.reserve(counter: .gdoiSequence, group: "g", count: 4)  // cached statements in use
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        // The last connection's close checkpoints the WAL into the file and deletes it; a
        // connection kept alive (by its own cached statements) would leave it there.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(try KeyStore(path: path).reserve(counter: .gdoiSequence, group: "g", count: 1).lowerBound >= 5)
    }

    @Test("A second holder of the same file is detected, and the first one's release is seen")
    func sharedHolderDetected() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        var first: KeyStore? = try KeyStore(path: path)
        #expect(first?.isSharedWithAnotherHolder == false)
        #expect(try KeyStore(path: path).isSharedWithAnotherHolder == true)
        first = nil
        #expect(try KeyStore(path: path).isSharedWithAnotherHolder == false)
    }

    @Test("An existing file readable by others is made private when opened")
    func tightensMode() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        _ = try KeyStore(path: path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
    }

    @Test("Reopening migrates nothing twice; a version-0 file is migrated forward")
    func migration() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        do {
            let store = try KeyStore(path: path)
            _ = try store.reserve(counter: .gdoiSequence, group: "g")
        }
        let again = try KeyStore(path: path)
        #expect(try again.schemaVersion == KeyStore.currentSchemaVersion)
        #expect(try again.resumePoint(counter: .gdoiSequence, group: "g") == 65, "the data survived the reopen")
    }

    @Test("A file from a newer groupkey is refused with a clear error, and left untouched")
    func newerSchemaRefused() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        do {
            let store = try KeyStore(path: path)
            try store.connection.execute("PRAGMA user_version=\(KeyStore.currentSchemaVersion + 1)")
        }
        #expect(throws: KeyStoreError.newerSchema(found: KeyStore.currentSchemaVersion + 1, supported: KeyStore.currentSchemaVersion)) {
            try KeyStore(path: path)
        }
        let error = KeyStoreError.newerSchema(found: 9, supported: 1)
        #expect(error.code == "KEYSTORE-NEWER-SCHEMA" && error.description.contains("schema version 9"))
    }

    @Test("A file that cannot be created is a typed error")
    func cannotOpen() {
        #expect {
            try KeyStore(path: "/proc/groupkey-cannot-exist/state.db")
        } throws: { error in
            (error as? KeyStoreError)?.code == "KEYSTORE-OPEN"
        }
    }

    @Test("The default path follows root, XDG_STATE_HOME, then HOME")
    func defaultPath() {
        #expect(KeyStore.defaultPath(environment: [:], userID: 0) == "/var/lib/groupkey/state.db")
        #expect(KeyStore.defaultPath(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/home/u"], userID: 1000)
                == "/x/state/groupkey/state.db")
        #expect(KeyStore.defaultPath(environment: ["XDG_STATE_HOME": "relative", "HOME": "/home/u"], userID: 1000)
                == "/home/u/.local/state/groupkey/state.db", "a relative XDG_STATE_HOME is ignored, as the spec says")
    }
}
