import GroupKeyCrypto
import GroupPolicy
import GroupState
import LKH

/// A group as the store holds it: the policy it was last saved under and its key state.
public struct StoredGroup: Sendable {
    public let name: String
    /// The native policy XML of the group when it was last saved.
    public let policyXML: String
    public let snapshot: GroupStateSnapshot
}

extension KeyStore {
    /// The protocol column of a member whose protocol no record named.
    static let unknownProtocol = "unknown"

    /// Names of the groups in the store.
    public func groupNames() throws(KeyStoreError) -> [String] {
        try locked { () throws(KeyStoreError) in try query("SELECT name FROM groups ORDER BY name") { $0.text(0) } }
    }

    /// Writes a group's whole state in one transaction: its policy, its TEKs (any stored TEK
    /// no longer held becomes a deleted epoch whose key bytes are erased), its rekey SA, its key
    /// tree, its members (protocol, Sender-IDs and registration time already recorded are kept)
    /// and its counters (which never go back).
    /// `history`, when given, is appended to the rekey history in the same transaction.
    public func save(_ state: GroupState, nowMilliseconds: Int64,
                     history: (kind: String, detail: String)? = nil) throws(KeyStoreError) {
        try transaction { () throws(KeyStoreError) in try write(state, nowMilliseconds: nowMilliseconds, history: history) }
    }

    /// Writes several groups whole, as `save` does each (with its history line, if any), in one
    /// transaction: all of them or none (a policy reload changes several groups at once).
    public func save(_ groups: [(state: GroupState, history: (kind: String, detail: String)?)],
                     nowMilliseconds: Int64) throws(KeyStoreError) {
        try transaction { () throws(KeyStoreError) in
            for group in groups { try write(group.state, nowMilliseconds: nowMilliseconds, history: group.history) }
        }
    }

    /// The body of `save`, inside the caller's transaction.
    private func write(_ state: GroupState, nowMilliseconds: Int64,
                       history: (kind: String, detail: String)?) throws(KeyStoreError) {
        let snapshot = state.snapshot
        let policyXML = PolicyWriter.write(PolicyDocument(groups: [state.definition]))
        let group = SQLValue.text(snapshot.group)
        try run("""
            INSERT INTO groups (name, policy_xml, created_ms, updated_ms) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET policy_xml = excluded.policy_xml, updated_ms = excluded.updated_ms
            """, [group, .text(policyXML), .integer(nowMilliseconds), .integer(nowMilliseconds)])
        try writeTEKs(snapshot, lifetimes: Dictionary(state.dataSecuritySAs.map { ($0.spi, $0.policy.lifetimeSeconds) },
                                                      uniquingKeysWith: { first, _ in first }))
        if snapshot.lifecycle.lastGDOISequence > 0 {
            try recordCounter(.gdoiSequence, group: snapshot.group, next: UInt64(snapshot.lifecycle.lastGDOISequence) + 1)
        }
        try writeRekeySA(snapshot)
        try writeTree(snapshot.group, snapshot.keyTree)
        try writeMembers(snapshot, nowMilliseconds: nowMilliseconds)
        if let next = snapshot.nextSenderID { try recordCounter(.senderID, group: snapshot.group, next: UInt64(next)) }
        if let rekey = snapshot.rekey {
            try recordCounter(.gikev2RekeyMessageID, group: snapshot.group, next: UInt64(rekey.nextMessageID))
        }
        if let history {
            try run("INSERT INTO rekey_history (group_name, at_ms, kind, detail) VALUES (?, ?, ?, ?)",
                    [group, .integer(nowMilliseconds), .text(history.kind), .text(history.detail)])
        }
    }

    /// Records one admission: the member row (protocol, Sender-IDs, leaf), the keys on its path
    /// that a join may have created, the tree's counters and the Sender-ID counter, in one
    /// transaction. Cheaper than `save` for the common case, with the same result.
    public func recordAdmission(of member: String, protocol memberProtocol: String, senderIDs: [UInt32],
                                in state: GroupState, pushAddress: (octets: [UInt8], port: UInt16)? = nil,
                                nowMilliseconds: Int64) throws(KeyStoreError) {
        let group = SQLValue.text(state.name)
        try transaction { () throws(KeyStoreError) in
            guard try !query("SELECT 1 FROM groups WHERE name = ?", [group], row: { _ in true }).isEmpty else {
                throw .corrupt("group \(state.name) was never saved")
            }
            var leaf: Int64?
            if let tree = state.keyTree {
                let memberID = LKHMemberID(member)
                if tree.contains(memberID), let path = try? tree.path(of: memberID) {
                    leaf = path.first.map { Int64($0.position.rawValue) }
                    for node in path { try writeNode(state.name, node) }
                }
                // The header only: exporting the whole tree per admission would cost O(members).
                try writeTreeHeader(state.name, degree: tree.shape.degree, depth: tree.shape.depth, keyLength: tree.keyLength,
                                    lastSerial: tree.lastSerial, leavesUsed: tree.leavesEverUsed, freedLeaves: tree.freedLeafIndexes)
            }
            let order = try query("SELECT coalesce(max(admission), -1) + 1 FROM members WHERE group_name = ?", [group]) {
                $0.integer(0)
            }.first ?? 0
            try run("""
                INSERT INTO members (group_name, identity, protocol, leaf_position, sender_ids, registered_ms, admission,
                                     push_address, push_port)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (group_name, identity) DO UPDATE SET protocol = excluded.protocol,
                    leaf_position = excluded.leaf_position, push_address = excluded.push_address, push_port = excluded.push_port,
                    sender_ids = CASE WHEN members.sender_ids = '' THEN excluded.sender_ids
                                      WHEN excluded.sender_ids = '' THEN members.sender_ids
                                      ELSE members.sender_ids || ',' || excluded.sender_ids END
                """, [group, .text(member), .text(state.memberProtocol(of: member)?.rawValue ?? memberProtocol),
                      leaf.map(SQLValue.integer) ?? .null,
                      .text(senderIDs.map(String.init).joined(separator: ",")), .integer(nowMilliseconds), .integer(order),
                      pushAddress.map { SQLValue.blob($0.octets) } ?? .null, pushAddress.map { SQLValue.integer(Int64($0.port)) } ?? .null])
            if let next = state.senderIDs?.next { try recordCounter(.senderID, group: state.name, next: UInt64(next)) }
        }
    }

    /// Where each member of `group` that registered over GDOI did so from (address octets, UDP
    /// port): the destinations of its unicast GROUPKEY-PUSH messages (RFC 6407 §4) after a restart.
    /// Rows whose address is not 4 or 16 octets or whose port is out of range are no address; their
    /// members are listed in `unreadable` for the caller to report (no groupkey writes such rows).
    public func pushAddresses(group: String) throws(KeyStoreError)
        -> (addresses: [String: (octets: [UInt8], port: UInt16)], unreadable: [String]) {
        try locked { () throws(KeyStoreError) in
            let rows = try query("SELECT identity, push_address, push_port FROM members WHERE group_name = ? AND push_address IS NOT NULL",
                                 [.text(group)]) { row in (row.text(0), row.blob(1), row.optionalInteger(2)) }
            var addresses: [String: (octets: [UInt8], port: UInt16)] = [:]
            var unreadable: [String] = []
            for (identity, octets, port) in rows {
                guard octets.count == 4 || octets.count == 16, let port, let value = UInt16(exactly: port) else {
                    unreadable.append(identity)
                    continue
                }
                addresses[identity] = (octets, value)
            }
            return (addresses, unreadable)
        }
    }

    /// A member's stored protocol and Sender-IDs, for status and tests.
    public func member(_ identity: String, group: String) throws(KeyStoreError) -> (protocol: String, senderIDs: [UInt32], leaf: Int?)? {
        try locked { () throws(KeyStoreError) in
            try query("SELECT protocol, sender_ids, leaf_position FROM members WHERE group_name = ? AND identity = ?",
                      [.text(group), .text(identity)]) { row in
                (row.text(0), row.text(1).split(separator: ",").compactMap { UInt32($0) }, row.optionalInteger(2).map { Int($0) })
            }.first
        }
    }

    /// Appends a line to the group's rekey history.
    public func appendHistory(group: String, kind: String, detail: String, nowMilliseconds: Int64) throws(KeyStoreError) {
        try transaction { () throws(KeyStoreError) in
            try run("INSERT INTO rekey_history (group_name, at_ms, kind, detail) VALUES (?, ?, ?, ?)",
                    [.text(group), .integer(nowMilliseconds), .text(kind), .text(detail)])
        }
    }

    /// The group's rekey history, oldest first.
    public func history(group: String) throws(KeyStoreError) -> [(atMilliseconds: Int64, kind: String, detail: String)] {
        try locked { () throws(KeyStoreError) in
            try query("SELECT at_ms, kind, detail FROM rekey_history WHERE group_name = ? ORDER BY id", [.text(group)]) {
                ($0.integer(0), $0.text(1), $0.text(2))
            }
        }
    }

    // MARK: writing parts

    private func writeTEKs(_ snapshot: GroupStateSnapshot, lifetimes: [[UInt8]: UInt32]) throws(KeyStoreError) {
        let group = SQLValue.text(snapshot.group)
        // Epochs not held any more are deleted, their keys erased (secure_delete overwrites the bytes).
        let held = Set(snapshot.teks.map(\.spi))
        let stored = try query("SELECT spi FROM tek_epochs WHERE group_name = ? AND state != 'deleted'", [group]) { $0.blob(0) }
        for spi in stored where !held.contains(spi) {
            try run("UPDATE tek_epochs SET state = 'deleted', key_material = x'' WHERE group_name = ? AND spi = ?", [group, .blob(spi)])
        }
        let retiring = Dictionary(snapshot.lifecycle.retiringTEKs.map { ($0.spi, $0.removeAtMilliseconds) },
                                  uniquingKeysWith: { first, _ in first })
        for (position, tek) in snapshot.teks.enumerated() {
            let removeAt = retiring[tek.spi]
            try run("""
                INSERT INTO tek_epochs (group_name, spi, policy_name, transforms, key_material, encryption_key_length,
                    integrity_key_length, created_ms, lifetime_seconds, state, position, remove_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (group_name, spi) DO UPDATE SET policy_name = excluded.policy_name, transforms = excluded.transforms,
                    key_material = excluded.key_material, encryption_key_length = excluded.encryption_key_length,
                    integrity_key_length = excluded.integrity_key_length, created_ms = excluded.created_ms,
                    lifetime_seconds = excluded.lifetime_seconds, state = excluded.state, position = excluded.position,
                    remove_at_ms = excluded.remove_at_ms
                """, [group, .blob(tek.spi), .text(tek.policyName), .text(tek.transforms), .secret(tek.keyMaterial),
                      .integer(Int64(tek.encryptionKeyLength)), .integer(Int64(tek.integrityKeyLength)),
                      .integer(tek.createdAtMilliseconds), .integer(Int64(lifetimes[tek.spi] ?? 0)),
                      .text(removeAt == nil ? "active" : "retiring"), .integer(Int64(position)),
                      removeAt.map(SQLValue.integer) ?? .null])
        }
    }

    private func writeRekeySA(_ snapshot: GroupStateSnapshot) throws(KeyStoreError) {
        let group = SQLValue.text(snapshot.group)
        let current = snapshot.rekey?.spi
        let stored = try query("SELECT spi FROM rekey_sas WHERE group_name = ? AND state != 'deleted'", [group]) { $0.blob(0) }
        for spi in stored where spi != current {
            try run("UPDATE rekey_sas SET state = 'deleted', key_material = x'' WHERE group_name = ? AND spi = ?", [group, .blob(spi)])
        }
        // Message IDs count per rekey SA (RFC 9838 §2.4.1.3): a new SA starts its own count.
        if !stored.isEmpty && !stored.contains(where: { $0 == current }) {
            try run("DELETE FROM counters WHERE group_name = ? AND name = ?", [group, .text(KeyStoreCounter.gikev2RekeyMessageID.rawValue)])
        }
        guard let rekey = snapshot.rekey else { return }
        try run("""
            INSERT INTO rekey_sas (group_name, spi, transforms, key_material, encryption_key_length, integrity_key_length,
                key_wrap_key_length, next_message_id, state, created_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)
            ON CONFLICT (group_name, spi) DO UPDATE SET transforms = excluded.transforms, key_material = excluded.key_material,
                next_message_id = max(rekey_sas.next_message_id, excluded.next_message_id), state = 'active',
                created_ms = excluded.created_ms
            """, [group, .blob(rekey.spi), .text(rekey.transforms), .secret(rekey.keyMaterial),
                  .integer(Int64(rekey.encryptionKeyLength)), .integer(Int64(rekey.integrityKeyLength)),
                  .integer(Int64(rekey.keyWrapKeyLength)), .integer(Int64(rekey.nextMessageID)),
                  .integer(snapshot.lifecycle.rekeySACreatedAtMilliseconds)])
    }

    /// Writes only the nodes that changed (serial or key; a new tree restarts serials) and
    /// removes emptied ones, so a rekey of a large tree rewrites its changed paths, not the tree.
    private func writeTree(_ group: String, _ tree: LKHTreeExport?) throws(KeyStoreError) {
        guard let tree else {
            try run("DELETE FROM lkh_nodes WHERE group_name = ?", [.text(group)])
            try run("DELETE FROM lkh_trees WHERE group_name = ?", [.text(group)])
            return
        }
        let stored = Dictionary(try query("SELECT position, serial, node_key FROM lkh_nodes WHERE group_name = ?", [.text(group)]) {
            ($0.integer(0), ($0.integer(1), $0.secret(2)))
        }, uniquingKeysWith: { first, _ in first })
        let live = Set(tree.nodes.map { Int64($0.position.rawValue) })
        for position in stored.keys where !live.contains(position) {
            try run("DELETE FROM lkh_nodes WHERE group_name = ? AND position = ?", [.text(group), .integer(position)])
        }
        try writeTreeHeader(group, tree)
        for node in tree.nodes {
            // SecretBytes == compares in constant time.
            if let old = stored[Int64(node.position.rawValue)], old.0 == Int64(node.serial), old.1 == node.key { continue }
            try writeNode(group, node)
        }
    }

    private func writeTreeHeader(_ group: String, _ tree: LKHTreeExport) throws(KeyStoreError) {
        try writeTreeHeader(group, degree: tree.degree, depth: tree.depth, keyLength: tree.keyLength, lastSerial: tree.lastSerial,
                            leavesUsed: tree.leavesUsed, freedLeaves: tree.freedLeaves)
    }

    private func writeTreeHeader(_ group: String, degree: Int, depth: Int, keyLength: Int, lastSerial: UInt32, leavesUsed: Int,
                                 freedLeaves: [Int]) throws(KeyStoreError) {
        try run("""
            INSERT INTO lkh_trees (group_name, degree, depth, key_length, last_serial, leaves_used, freed_leaves)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (group_name) DO UPDATE SET degree = excluded.degree, depth = excluded.depth,
                key_length = excluded.key_length, last_serial = excluded.last_serial,
                leaves_used = excluded.leaves_used, freed_leaves = excluded.freed_leaves
            """, [.text(group), .integer(Int64(degree)), .integer(Int64(depth)), .integer(Int64(keyLength)),
                  .integer(Int64(lastSerial)), .integer(Int64(leavesUsed)), .text(freedLeaves.map(String.init).joined(separator: ","))])
    }

    private func writeNode(_ group: String, _ node: LKHNodeKey) throws(KeyStoreError) {
        try run("""
            INSERT INTO lkh_nodes (group_name, position, serial, node_key) VALUES (?, ?, ?, ?)
            ON CONFLICT (group_name, position) DO UPDATE SET serial = excluded.serial, node_key = excluded.node_key
            """, [.text(group), .integer(Int64(node.position.rawValue)), .integer(Int64(node.serial)), .secret(node.key)])
    }

    private func writeMembers(_ snapshot: GroupStateSnapshot, nowMilliseconds: Int64) throws(KeyStoreError) {
        let group = SQLValue.text(snapshot.group)
        let leaves = Dictionary((snapshot.keyTree?.placements ?? []).map { ($0.member.value, Int64($0.leaf.rawValue)) },
                                uniquingKeysWith: { first, _ in first })
        let held = Set(snapshot.members)
        // What is stored: a row whose leaf, place and protocol are unchanged is not rewritten.
        let stored = Dictionary(try query("SELECT identity, leaf_position, admission, protocol FROM members WHERE group_name = ?",
                                          [group]) { ($0.text(0), ($0.optionalInteger(1), $0.integer(2), $0.text(3))) },
                                uniquingKeysWith: { first, _ in first })
        for identity in stored.keys where !held.contains(identity) {
            try run("DELETE FROM members WHERE group_name = ? AND identity = ?", [group, .text(identity)])
        }
        // Admission numbers only grow: members are appended and removed, never reordered, so
        // existing rows keep theirs and new members follow the highest.
        var nextAdmission = (stored.values.map(\.1).max() ?? -1) + 1
        for identity in snapshot.members {
            let memberProtocol = snapshot.lifecycle.memberProtocols[identity]?.rawValue ?? Self.unknownProtocol
            let order: Int64
            if let row = stored[identity] {
                if row.0 == leaves[identity], memberProtocol == Self.unknownProtocol || row.2 == memberProtocol { continue }
                order = row.1
            } else {
                order = nextAdmission
                nextAdmission += 1
            }
            try run("""
                INSERT INTO members (group_name, identity, protocol, leaf_position, sender_ids, registered_ms, admission)
                VALUES (?, ?, ?, ?, '', ?, ?)
                ON CONFLICT (group_name, identity) DO UPDATE SET leaf_position = excluded.leaf_position,
                    admission = excluded.admission,
                    protocol = CASE WHEN excluded.protocol = 'unknown' THEN members.protocol ELSE excluded.protocol END
                """, [group, .text(identity), .text(memberProtocol), leaves[identity].map(SQLValue.integer) ?? .null,
                      .integer(nowMilliseconds), .integer(order)])
        }
    }
}
