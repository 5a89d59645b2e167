import GroupPolicy
import GroupState

/// What a policy reload (`groupkey reload`, SIGHUP) changes, worked out before anything changes:
/// the groups added, removed and changed, and for each change whether members need new keys.
///
/// Which changes need a rekey (a new TEK, sent through GroupOperations at once):
/// - the data-security SAs: transforms, key lengths, traffic selectors, lifetimes, mode,
///   address preservation, anti-replay, Sender-ID bits (the TEK in force was made under the old
///   policy: only a new TEK carries the new one, RFC 9838 §4.4.2.2);
/// - the rekey SA policy: transforms, key wrap, authentication, lifetime, destination (the next
///   rekey SA is made under it, RFC 9838 §4.4.2.1).
/// Applied silently (the next registration or rekey uses them): authorization lists and member
/// lists, registration proposals, pre-shared keys and trust anchors, key-server addresses, the
/// served protocols and migration state, activation/deactivation delays, lead time and
/// retransmission timers.
/// Refused (the reload fails and nothing changes; restart to apply): a group's identity or LKH
/// tree shape.
public struct ReloadPlan: Sendable {
    public struct Change: Sendable {
        public var name: String
        public var definition: GroupDefinition
        public var secrets: GroupSecrets
        /// What differs, in words, e.g. "data-security SAs", "authorization".
        public var aspects: [String]
        public var needsRekey: Bool
    }

    public var added: [GroupState]
    public var removed: [String]
    /// Every group kept, its new definition and secrets to adopt; `aspects` empty when only
    /// secrets may differ.
    public var changed: [Change]
    public var unchanged: [String]

    /// Compares the groups served now with freshly loaded ones (same names = same group).
    public static func between(current: [GroupState], loaded: [GroupState]) -> Result<ReloadPlan, ControlFailure> {
        let currentByName = Dictionary(current.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let loadedNames = Set(loaded.map(\.name))
        var plan = ReloadPlan(added: [], removed: current.map(\.name).filter { !loadedNames.contains($0) }, changed: [], unchanged: [])
        var problems: [String] = []
        for fresh in loaded {
            guard let old = currentByName[fresh.name] else {
                plan.added.append(fresh)
                continue
            }
            let before = old.definition, after = fresh.definition
            if before.identity != after.identity { problems.append("group \(fresh.name): its identity changed (restart to apply)") }
            if before.lkh != after.lkh { problems.append("group \(fresh.name): its key tree shape changed (restart to apply)") }
            var aspects: [String] = []
            var needsRekey = false
            if before.dataSecurity != after.dataSecurity {
                aspects.append("data-security SAs")
                needsRekey = true
            }
            if before.rekey.map(KeyRelevantRekeyPolicy.init) != after.rekey.map(KeyRelevantRekeyPolicy.init) {
                aspects.append("rekey SA")
                needsRekey = true
            } else if before.rekey != after.rekey {
                aspects.append("rekey timers")
            }
            if before.authorization != after.authorization { aspects.append("authorization") }
            if before.registration != after.registration { aspects.append("registration") }
            if before.keyServers != after.keyServers { aspects.append("key servers") }
            if before.protocols != after.protocols || before.migration != after.migration { aspects.append("protocols") }
            if before.timing != after.timing { aspects.append("timing") }
            if aspects.isEmpty { plan.unchanged.append(fresh.name) }
            // Secrets are always taken from the reload (a changed PSK applies silently), so an
            // unchanged policy is adopted too, with no aspect to report.
            plan.changed.append(Change(name: fresh.name, definition: after, secrets: fresh.secrets, aspects: aspects,
                                       needsRekey: needsRekey))
        }
        if !problems.isEmpty { return .failure(ControlFailure(.invalidPolicy, problems.joined(separator: "; "))) }
        return .success(plan)
    }

    /// The groups to serve after the reload, or the first refusal (nothing changes then).
    public func apply(to current: [GroupState]) -> Result<[GroupState], ControlFailure> {
        let removedSet = Set(removed)
        let changes = Dictionary(changed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var next: [GroupState] = []
        for var group in current where !removedSet.contains(group.name) {
            if let change = changes[group.name] {
                do { try group.adopt(definition: change.definition, secrets: change.secrets) } catch {
                    return .failure(ControlFailure(.invalidPolicy, "\(error)"))
                }
            }
            next.append(group)
        }
        return .success(next + added)
    }
}

/// The parts of a rekey policy that the rekey SA's keys or its members' checks depend on; the
/// rest (lead time, retransmission) are timers applied silently.
private struct KeyRelevantRekeyPolicy: Equatable {
    let policy: RekeyPolicy

    init(_ policy: RekeyPolicy) {
        var normalized = policy
        normalized.leadTimeSeconds = 0
        normalized.retransmissions = Retransmission()
        self.policy = normalized
    }
}

/// The answer to `reload`.
public struct ReloadReport: Codable, Sendable, Equatable {
    /// False when the reload was refused: nothing changed.
    public var applied: Bool
    public var added: [String]
    public var removed: [String]
    public var changed: [ReloadedGroup]
    public var unchanged: [String]
    /// Why a reload was refused, or what the operator should know.
    public var diagnostics: [String]

    public init(applied: Bool, added: [String] = [], removed: [String] = [], changed: [ReloadedGroup] = [],
                unchanged: [String] = [], diagnostics: [String] = []) {
        self.applied = applied
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchanged = unchanged
        self.diagnostics = diagnostics
    }
}

public struct ReloadedGroup: Codable, Sendable, Equatable {
    public var name: String
    public var aspects: [String]
    /// "not needed", "sent", or "needed, not sent: REASON".
    public var rekey: String

    public init(name: String, aspects: [String], rekey: String) {
        self.name = name
        self.aspects = aspects
        self.rekey = rekey
    }
}
