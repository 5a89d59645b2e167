import GroupKeyCrypto
import GroupState
import LKH

extension KeyStore {
    /// Reads a group back, or nil if the store has none of that name. Counters resume past every
    /// number reserved: the rekey Message ID is the larger of the stored one and the end of the
    /// last reserved block. Rows no groupkey writes are `corrupt`.
    public func load(group name: String) throws(KeyStoreError) -> StoredGroup? {
        try locked { () throws(KeyStoreError) in
            let group = SQLValue.text(name)
            guard let policyXML = try query("SELECT policy_xml FROM groups WHERE name = ?", [group], row: { $0.text(0) }).first else {
                return nil
            }
            let teks = try query("""
                SELECT policy_name, transforms, spi, key_material, encryption_key_length, integrity_key_length, created_ms,
                    state, remove_at_ms
                FROM tek_epochs WHERE group_name = ? AND state IN ('active', 'retiring') ORDER BY position
                """, [group]) { (row) throws(KeyStoreError) in
                let spi = row.blob(2), key = row.secret(3)
                let encryption = Int(row.integer(4)), integrity = Int(row.integer(5))
                guard spi.count == 4, encryption >= 0, integrity >= 0, key.count == encryption + integrity else {
                    throw .corrupt("TEK of group \(name) has malformed SPI or key lengths")
                }
                var retiring: RetiringTEK?
                if row.text(7) == "retiring" {
                    guard let removeAt = row.optionalInteger(8) else { throw .corrupt("retiring TEK of group \(name) has no end") }
                    retiring = RetiringTEK(spi: spi, removeAtMilliseconds: removeAt)
                }
                let created = row.integer(6)
                guard Self.isPlausibleTime(created), retiring.map({ Self.isPlausibleTime($0.removeAtMilliseconds) }) ?? true else {
                    throw .corrupt("TEK of group \(name) has a time out of range")
                }
                return (GroupStateSnapshot.TEK(policyName: row.text(0), transforms: row.text(1), spi: spi, keyMaterial: key,
                                               encryptionKeyLength: encryption, integrityKeyLength: integrity,
                                               createdAtMilliseconds: created), retiring)
            }
            let reservedMessageID = try reservationStart(counter: .gikev2RekeyMessageID, group: name)
            let rekeys = try query("""
                SELECT transforms, spi, key_material, encryption_key_length, integrity_key_length, key_wrap_key_length,
                    next_message_id, created_ms FROM rekey_sas WHERE group_name = ? AND state = 'active'
                """, [group]) { (row) throws(KeyStoreError) in
                let spi = row.blob(1), key = row.secret(2)
                let lengths = (Int(row.integer(3)), Int(row.integer(4)), Int(row.integer(5)))
                let next = max(UInt64(clamping: row.integer(6)), reservedMessageID)
                guard spi.count == 16, lengths.0 >= 0, lengths.1 >= 0, lengths.2 >= 0,
                      key.count == lengths.0 + lengths.1 + lengths.2, next <= UInt64(UInt32.max), Self.isPlausibleTime(row.integer(7)) else {
                    throw .corrupt("rekey SA of group \(name) has malformed SPI, key lengths or Message ID")
                }
                return (GroupStateSnapshot.Rekey(transforms: row.text(0), spi: spi, keyMaterial: key, encryptionKeyLength: lengths.0,
                                                 integrityKeyLength: lengths.1, keyWrapKeyLength: lengths.2,
                                                 nextMessageID: UInt32(next)), row.integer(7))
            }
            guard rekeys.count <= 1 else { throw .corrupt("group \(name) has \(rekeys.count) active rekey SAs") }
            let members = try query("SELECT identity, leaf_position, protocol FROM members WHERE group_name = ? ORDER BY admission",
                                    [group]) { ($0.text(0), $0.optionalInteger(1), $0.text(2)) }
            let tree = try loadTree(name, members: members.map { ($0.0, $0.1) })
            let senderCounter = try query("SELECT 1 FROM counters WHERE group_name = ? AND name = ?",
                                          [group, .text(KeyStoreCounter.senderID.rawValue)], row: { _ in true }).isEmpty
                ? nil : try reservationStart(counter: .senderID, group: name)
            if let next = senderCounter, next > UInt64(UInt32.max) {
                throw .corrupt("Sender-ID counter of group \(name) is out of range")
            }
            var lifecycle = RekeyLifecycle(rekeySACreatedAtMilliseconds: rekeys.first?.1 ?? 0,
                                           retiringTEKs: teks.compactMap(\.1))
            for (identity, _, memberProtocol) in members {
                if let known = MemberProtocol(rawValue: memberProtocol) { lifecycle.memberProtocols[identity] = known }
            }
            let hasSequence = try !query("SELECT 1 FROM counters WHERE group_name = ? AND name = ?",
                                         [group, .text(KeyStoreCounter.gdoiSequence.rawValue)], row: { _ in true }).isEmpty
            if hasSequence {
                // The last SEQ used is below the resume point (every reserved number counts as used).
                let resume = try reservationStart(counter: .gdoiSequence, group: name)
                guard let last = UInt32(exactly: resume - 1) else { throw .corrupt("GDOI SEQ of group \(name) is out of range") }
                lifecycle.lastGDOISequence = last
            }
            let snapshot = GroupStateSnapshot(group: name, teks: teks.map(\.0), rekey: rekeys.first?.0, keyTree: tree,
                                              nextSenderID: senderCounter.map { UInt32($0) }, members: members.map(\.0),
                                              lifecycle: lifecycle)
            return StoredGroup(name: name, policyXML: policyXML, snapshot: snapshot)
        }
    }

    private func loadTree(_ name: String, members: [(String, Int64?)]) throws(KeyStoreError) -> LKHTreeExport? {
        let group = SQLValue.text(name)
        let headers = try query("""
            SELECT degree, depth, key_length, last_serial, leaves_used, freed_leaves FROM lkh_trees WHERE group_name = ?
            """, [group]) { row in
            (Int(row.integer(0)), Int(row.integer(1)), Int(row.integer(2)), row.integer(3), Int(row.integer(4)), row.text(5))
        }
        guard let header = headers.first else { return nil }
        guard let lastSerial = UInt32(exactly: header.3) else { throw .corrupt("key tree of group \(name): serial out of range") }
        let nodes = try query("SELECT position, serial, node_key FROM lkh_nodes WHERE group_name = ? ORDER BY position", [group]) {
            (row) throws(KeyStoreError) in
            guard let position = UInt32(exactly: row.integer(0)), let serial = UInt32(exactly: row.integer(1)) else {
                throw .corrupt("key tree of group \(name): node out of range")
            }
            return LKHNodeKey(position: LKHPosition(position), serial: serial, key: row.secret(2))
        }
        var placements: [LKHTreeExport.Placement] = []
        for (identity, leaf) in members {
            guard let leaf else { continue }
            guard let position = UInt32(exactly: leaf) else { throw .corrupt("member \(identity) of \(name): leaf out of range") }
            placements.append(.init(member: LKHMemberID(identity), leaf: LKHPosition(position)))
        }
        let freed = header.5.split(separator: ",").compactMap { Int($0) }
        return LKHTreeExport(degree: header.0, depth: header.1, keyLength: header.2, lastSerial: lastSerial, nodes: nodes,
                             placements: placements, leavesUsed: header.4, freedLeaves: freed)
    }

    /// Whether a stored time (milliseconds since 1970) is one groupkey could have written: the
    /// lifetimes added to it later must not overflow (a damaged file would otherwise trap).
    static func isPlausibleTime(_ milliseconds: Int64) -> Bool {
        (0...(Int64(1) << 50)).contains(milliseconds)  // 2^50 ms is about year 37,600
    }
}
