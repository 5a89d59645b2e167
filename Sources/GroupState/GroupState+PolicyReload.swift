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
    }
}
