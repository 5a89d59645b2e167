/// The state file's tables, versioned with `PRAGMA user_version` and migrated forward only:
/// migration N takes a file from version N-1 to N inside one transaction. A file with a version
/// above `current` was written by a newer groupkey and is refused (KeyStoreError.newerSchema),
/// never opened half-understood. Add a migration at the end; never edit a shipped one.
enum KeyStoreSchema {
    static var current: Int { migrations.count }

    static let migrations: [[String]] = [
        // 1: the first schema.
        [
            // The policy in force for each group, as the native XML the policy writer gives.
            """
            CREATE TABLE groups (
                name TEXT PRIMARY KEY NOT NULL,
                policy_xml TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL
            ) STRICT
            """,
            // TEK epochs: key_material is encryption key (with salt) then integrity key; emptied
            // when the epoch is deleted.
            """
            CREATE TABLE tek_epochs (
                group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
                spi BLOB NOT NULL CHECK (length(spi) = 4),
                policy_name TEXT NOT NULL,
                transforms TEXT NOT NULL,
                key_material BLOB NOT NULL,
                encryption_key_length INTEGER NOT NULL,
                integrity_key_length INTEGER NOT NULL,
                created_ms INTEGER NOT NULL,
                lifetime_seconds INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'deleted')),
                position INTEGER NOT NULL,
                PRIMARY KEY (group_name, spi)
            ) STRICT
            """,
            // Rekey SAs (GDOI KEK / G-IKEv2 GIKE_UPDATE SA): KEYMAT = GSK_e | GSK_a | GSK_w.
            """
            CREATE TABLE rekey_sas (
                group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
                spi BLOB NOT NULL CHECK (length(spi) = 16),
                transforms TEXT NOT NULL,
                key_material BLOB NOT NULL,
                encryption_key_length INTEGER NOT NULL,
                integrity_key_length INTEGER NOT NULL,
                key_wrap_key_length INTEGER NOT NULL,
                next_message_id INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'deleted')),
                PRIMARY KEY (group_name, spi)
            ) STRICT
            """,
            """
            CREATE TABLE lkh_trees (
                group_name TEXT PRIMARY KEY NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
                degree INTEGER NOT NULL,
                depth INTEGER NOT NULL,
                key_length INTEGER NOT NULL,
                last_serial INTEGER NOT NULL,
                leaves_used INTEGER NOT NULL,
                freed_leaves TEXT NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE lkh_nodes (
                group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                serial INTEGER NOT NULL,
                node_key BLOB NOT NULL,
                PRIMARY KEY (group_name, position)
            ) STRICT
            """,
            """
            CREATE TABLE members (
                group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
                identity TEXT NOT NULL,
                protocol TEXT NOT NULL,
                leaf_position INTEGER,
                sender_ids TEXT NOT NULL,
                registered_ms INTEGER NOT NULL,
                admission INTEGER NOT NULL,
                PRIMARY KEY (group_name, identity)
            ) STRICT
            """,
            // Counters: `next` is the next value in use; `reserved_end` is the end (exclusive) of
            // the last block reserved, committed before any number of the block is used.
            """
            CREATE TABLE counters (
                group_name TEXT NOT NULL,
                name TEXT NOT NULL,
                next INTEGER NOT NULL,
                reserved_end INTEGER NOT NULL,
                PRIMARY KEY (group_name, name)
            ) STRICT
            """,
            """
            CREATE TABLE rekey_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                group_name TEXT NOT NULL,
                at_ms INTEGER NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            ) STRICT
            """,
        ],
        // 2: the rekey lifecycle (when a retiring TEK is forgotten, when the rekey SA was made);
        // admission order indexed, so an admission finds its place without a scan.
        [
            "ALTER TABLE tek_epochs ADD COLUMN remove_at_ms INTEGER",
            "ALTER TABLE rekey_sas ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX members_by_admission ON members (group_name, admission)",
        ],
        // 3: where each GDOI member registered from (address octets and UDP port), so unicast
        // GROUPKEY-PUSH delivery (RFC 6407 §4) resumes after a restart; NULL for G-IKEv2 members.
        [
            "ALTER TABLE members ADD COLUMN push_address BLOB",
            "ALTER TABLE members ADD COLUMN push_port INTEGER",
        ],
    ]
}
