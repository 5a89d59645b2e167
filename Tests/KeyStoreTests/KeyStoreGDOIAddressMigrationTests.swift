import Foundation
@testable import KeyStore
import Testing

/// Schema 3 adds where each GDOI member registered from to the members table (unicast
/// GROUPKEY-PUSH destinations, RFC 6407 §4). A file written by the previous schema must keep its rows.
@Suite("KeyStoreGDOIAddress: the members table migration")
struct KeyStoreGDOIAddressMigrationTests {
    @Test("A version-2 file is migrated to the current version; its members keep their rows and have no push address")
    func migrationKeepsRows() throws {
        let directory = try KeyStoreFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        do {
            // The file as groupkey wrote it before the push address existed: schema 1 and 2 only.
            let connection = try SQLiteConnection(path: path)
            for statement in KeyStoreSchema.migrations[0] + KeyStoreSchema.migrations[1] { try connection.execute(statement) }
            try connection.execute("PRAGMA user_version=2")
            try connection.run("INSERT INTO groups (name, policy_xml, created_ms, updated_ms) VALUES ('g', '<x/>', 1, 1)")
            try connection.run("""
                INSERT INTO members (group_name, identity, protocol, leaf_position, sender_ids, registered_ms, admission)
                VALUES ('g', 'id2:old-gdoi', 'gdoi', 7, '', 5, 0), ('g', 'id2:old-ike', 'gikev2', NULL, '3,4', 6, 1)
                """)
        }
        let store = try KeyStore(path: path)
        #expect(try store.schemaVersion == 3 && KeyStore.currentSchemaVersion == 3)
        #expect(try store.member("id2:old-gdoi", group: "g")?.protocol == "gdoi")
        #expect(try store.member("id2:old-gdoi", group: "g")?.leaf == 7)
        #expect(try store.member("id2:old-ike", group: "g")?.senderIDs == [3, 4])
        #expect(try store.pushAddresses(group: "g").addresses.isEmpty, "rows from before the migration have no address")
        let columns = try store.locked { () throws(KeyStoreError) in
            try store.query("SELECT name FROM pragma_table_info('members') ORDER BY cid") { $0.text(0) }
        }
        #expect(columns.suffix(2) == ["push_address", "push_port"])

        // The new columns take an address; malformed ones are not trusted but reported.
        try store.locked { () throws(KeyStoreError) in
            try store.connection.run("UPDATE members SET push_address = ?, push_port = ? WHERE identity = 'id2:old-gdoi'",
                                     [.blob([192, 0, 2, 9]), .integer(40_000)])
            try store.connection.run("UPDATE members SET push_address = ?, push_port = ? WHERE identity = 'id2:old-ike'",
                                     [.blob([1, 2, 3]), .integer(500)])
        }
        let (addresses, unreadable) = try store.pushAddresses(group: "g")
        #expect(addresses.count == 1 && addresses["id2:old-gdoi"]?.octets == [192, 0, 2, 9] && addresses["id2:old-gdoi"]?.port == 40_000)
        #expect(unreadable == ["id2:old-ike"], "the malformed row is reported, for the caller to log")
    }
}
