import EngineCore
import GroupPolicy
import GroupState

/// What the control socket asks of the engines, so the control plane is written once and each
/// engine (G-IKEv2 now, GDOI or a combined engine later) is one adapter. Every method is called on
/// the engine's event loop with the engine in hand (engines are confined there, EngineDriver);
/// the actions returned are performed by the driver like any other engine output.
public protocol GroupOperations: SendableMetatype {
    associatedtype Engine

    /// Every served group as `status` shows it.
    func groupStatus(engine: Engine, now: EngineTime) -> [GroupStatus]

    /// Rekeys a group now, evicting `request.evicting` if any. A dry run changes nothing and
    /// returns no action. Unknown group or member: nothing changes.
    mutating func rekey(_ request: RekeyRequest, engine: inout Engine, now: EngineTime) throws(ControlFailure) -> RekeyOutcome

    /// A reload removed `group`: tell its members (Delete, where the engine can) and forget it.
    mutating func groupRemoved(_ group: String, engine: inout Engine, now: EngineTime) -> [Action]

    /// The engine's own counters (registrations, failures, retransmissions, drops, rekeys).
    func counters(engine: Engine) -> GatewayCounters
}

/// One operator (or reload) rekey.
public struct RekeyRequest: Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// `groupkey rekey`.
        case operatorRequest = "operator"
        /// `groupkey evict`.
        case eviction = "eviction"
        /// A reload changed what the TEKs are made of (ReloadPlan).
        case policyChange = "policy-change"
    }

    public var group: String
    public var evicting: [String]
    public var reason: Reason
    public var dryRun: Bool

    public init(group: String, evicting: [String] = [], reason: Reason, dryRun: Bool) {
        self.group = group
        self.evicting = evicting
        self.reason = reason
        self.dryRun = dryRun
    }
}

/// What a rekey carried (or would carry) and what the driver must do to send it.
public struct RekeyOutcome: Sendable {
    public var preview: RekeyPreview
    public var actions: [Action]

    public init(preview: RekeyPreview, actions: [Action]) {
        self.preview = preview
        self.actions = actions
    }
}

/// The parts of status and of rekey requests that only need the protocol-neutral `GroupState`,
/// shared by every adapter.
public enum GroupStateReport {
    /// One group's status; members' protocols come from `protocolOf` (the engine knows them).
    public static func status(of group: GroupState, now: EngineTime, lastRekey: Int64?,
                              protocolOf: (String) -> String) -> GroupStatus {
        let definition = group.definition
        let current = Set(group.currentTEKs.map(\.spi))
        let teks = group.dataSecuritySAs.map { tek in
            let lifetime = Int64(tek.policy.lifetimeSeconds)
            let ageSeconds = (now.milliseconds - tek.createdAtMilliseconds) / 1000
            return TEKStatus(name: tek.policy.name, spi: hex(tek.spi), protocol: tek.policy.securityProtocol.rawValue,
                             lifetimeSeconds: lifetime, remainingSeconds: lifetime - ageSeconds, current: current.contains(tek.spi))
        }
        var rekeySA: RekeySAStatus?
        if let rekey = group.rekeySA {
            let lifetime = Int64(rekey.policy.lifetimeSeconds)
            rekeySA = RekeySAStatus(spi: hex(rekey.spi), transport: rekey.policy.transport.rawValue,
                                    destination: destination(of: rekey.policy), nextMessageID: rekey.nextMessageID,
                                    lifetimeSeconds: lifetime,
                                    remainingSeconds: lifetime - (now.milliseconds - group.lifecycle.rekeySACreatedAtMilliseconds) / 1000)
        }
        // The next scheduled rekey: a TEK or the rekey SA reaching its lead time before expiry (the
        // lead is at most half the lifetime, as the rekey lifecycle schedules it); none without a
        // rekey SA (members then re-register).
        var nextRekey: Int64?
        if let policy = definition.rekey, let rekey = group.rekeySA {
            func due(_ created: Int64, _ lifetime: UInt32) -> Int64 {
                (created + Int64(lifetime) * 1000 - Int64(min(policy.leadTimeSeconds, lifetime / 2)) * 1000) / 1000
            }
            let times = group.currentTEKs.map { due($0.createdAtMilliseconds, $0.policy.lifetimeSeconds) }
                + [due(group.lifecycle.rekeySACreatedAtMilliseconds, rekey.policy.lifetimeSeconds)]
            nextRekey = times.min()
        }
        let tree = group.keyTree.map { tree in
            KeyTreeStatus(degree: tree.shape.degree, depth: tree.shape.depth, capacity: tree.shape.leafCount,
                          members: tree.memberCount)
        }
        return GroupStatus(name: group.name, protocols: definition.protocols.tokens,
                           members: group.members.map { MemberStatus(identity: $0, protocol: protocolOf($0)) },
                           dataSecuritySAs: teks, rekeySA: rekeySA, lastRekey: lastRekey, nextRekey: nextRekey,
                           keyTree: tree)
    }

    /// The stored member name `given` names: the stored form itself (`id2:alice`, as status shows
    /// it) or, when unambiguous, just the identity text (`alice`, as `member join --id` took it).
    public static func resolveMember(_ given: String, in group: GroupState) throws(ControlFailure) -> String {
        if group.members.contains(given) { return given }
        let matches = group.members.filter { stored in
            guard let colon = stored.firstIndex(of: ":") else { return false }
            return stored[stored.index(after: colon)...] == given
        }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw ControlFailure(.unknownMember, "\(given) is not a member of group \(group.name)")
        default: throw ControlFailure(.unknownMember, "\(given) names several members of \(group.name): \(matches.joined(separator: ", ")); give one of these")
        }
    }

    static func destination(of policy: RekeyPolicy) -> String? {
        guard let address = policy.destination else { return nil }
        let text = "\(address)"
        return text.contains(":") ? "[\(text)]:\(policy.port)" : "\(text):\(policy.port)"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
