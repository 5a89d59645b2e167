import GroupKeyCrypto
import GroupPolicy

extension GroupState {
    /// A reloaded policy for this group, keeping every key, member and counter. The TEKs and the
    /// rekey SA carry the policy they were made under (DataSecuritySA.policy, RekeySA.policy), so
    /// they stay self-consistent; the new definition shapes the next TEK and the next rekey SA.
    /// Changes that need new keys at once are the caller's to trigger (a rekey after adopting).
    /// The identity and the LKH shape cannot change on a live group.
    public mutating func adopt(definition newDefinition: GroupDefinition, secrets newSecrets: GroupSecrets) throws(GroupStateError) {
        guard newDefinition.identity == definition.identity, newDefinition.name == definition.name else {
            throw .incompletePolicy("group \(name): its name and identity cannot change while it is served")
        }
        guard newDefinition.lkh == definition.lkh else {
            throw .incompletePolicy("group \(name): the key tree's shape cannot change while it is served")
        }
        definition = newDefinition
        secrets = newSecrets
        // The delays come from the policy; the Sender-ID width stays that of the allocator the
        // group already hands IDs from.
        groupWide = GroupWideValues(activationDelay: newDefinition.timing.activationDelay.map { UInt16(clamping: $0) },
                                    deactivationDelay: newDefinition.timing.deactivationDelay.map { UInt16(clamping: $0) },
                                    senderIDBits: groupWide.senderIDBits)
    }
}

extension GroupState {
    /// After `adopt(definition:secrets:)` changed the data-security policies: one new TEK per
    /// policy of the new definition, every current TEK retired (kept for the deactivation delay,
    /// as in a rollover, RFC 5374 §4.2.1), so members move to SAs made under the new policy
    /// (RFC 9838 §4.4.2.2: an SA's transforms and selectors are fixed when it is made). A TEK
    /// whose policy was removed is retired without a successor.
    public mutating func rollOverTEKsToCurrentPolicy(atMilliseconds now: Int64, random: some RandomSource) throws(GroupStateError) -> GroupRekey {
        let replaced = currentTEKs
        var fresh: [DataSecuritySA] = []
        var used = dataSecuritySAs.map(\.spi)
        for policy in definition.dataSecurity {
            let tek = try Self.makeTEK(policy, random: random, avoiding: used, nowMilliseconds: now)
            used.append(tek.spi)
            fresh.append(tek)
        }
        return applyTEKs(replacing: replaced, with: fresh, reason: .operatorRequest, now: now)
    }
}
