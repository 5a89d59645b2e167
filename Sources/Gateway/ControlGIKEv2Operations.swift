import EngineCore
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState

/// `GroupOperations` for the G-IKEv2 GCKS. A rekey is made by the protocol-neutral lifecycle in
/// `GroupState` (rollOverTEKs, evict) and rendered by `GSARekeyMessage`; a dry run makes the same
/// rekeys on a copy of the group and builds the same messages, so the preview's sizes and wrap
/// counts are those of the real thing, and the copy is dropped.
public struct GIKEv2GroupOperations: GroupOperations {
    public typealias Engine = GCKSResponder

    let directory: GroupDirectory
    let random: any RandomSource
    /// Unix seconds of each group's last operator rekey (status "last rekey").
    private(set) var lastRekey: [String: Int64] = [:]

    public init(directory: GroupDirectory, random: any RandomSource = SystemRandom()) {
        self.directory = directory
        self.random = random
    }

    public func groupStatus(engine: GCKSResponder, now: EngineTime) -> [GroupStatus] {
        directory.snapshot.map { group in
            GroupStateReport.status(of: group, now: now, lastRekey: lastRekey[group.name]) { member in
                group.memberProtocol(of: member)?.rawValue ?? MemberProtocol.gikev2.rawValue
            }
        }
    }

    public mutating func rekey(_ request: RekeyRequest, engine: inout GCKSResponder, now: EngineTime) throws(ControlFailure) -> RekeyOutcome {
        guard let current = directory.snapshot.first(where: { $0.name == request.group }) else {
            throw ControlFailure(.unknownGroup, "no group \(request.group) is served")
        }
        var evicting: [String] = []
        for given in request.evicting { evicting.append(try GroupStateReport.resolveMember(given, in: current)) }
        guard let rekeySA = current.rekeySA else {
            throw ControlFailure(.unsupported, "group \(current.name) has no rekey SA in its policy: members get new keys only when they re-register")
        }
        let random = self.random
        let members = evicting
        let make = { (state: inout GroupState) throws(GroupStateError) -> [GroupRekey] in
            switch request.reason {
            case .operatorRequest: return [try state.rollOverTEKs(reason: .operatorRequest, atMilliseconds: now.milliseconds, random: random)]
            case .eviction: return try state.evict(members, atMilliseconds: now.milliseconds, random: random)
            case .policyChange: return [try state.rollOverTEKsToCurrentPolicy(atMilliseconds: now.milliseconds, random: random)]
            }
        }
        var notes: [String] = []
        let unicast = rekeySA.policy.transport == .unicast
        if unicast {
            // GSA_INBAND_REKEY (RFC 9838 §2.4.2): one message per member over its registration IKE
            // SA, each protected by that SA; the preview's octets are the multicast form's.
            notes.append("unicast rekey: one GSA_INBAND_REKEY per member over its registration IKE SA")
            if request.reason == .policyChange && !request.dryRun {
                throw ControlFailure(.unsupported, "group \(current.name) rekeys in-band, and this build sends a rollover to a reloaded policy "
                                     + "only by multicast: its TEKs stay under the old policy (restart to apply)")
            }
        }
        let unsendableEviction = request.reason == .eviction && current.keyTree == nil && !unicast
        if unsendableEviction {
            // Without a key tree the new rekey SA could only travel under the old one, which the
            // evicted members hold (RFC 9838 §3.3: forward access control needs the LKH wraps or a
            // per-member delivery).
            let why = "no key tree in the policy: a multicast key update would be readable by the evicted members; "
                + "give the group an <lkh> key tree or unicast rekeys"
            guard request.dryRun else { throw ControlFailure(.unsupported, "group \(current.name): \(why); nothing changed") }
            notes.append(why)
        }
        // The preview: the same rekeys made on a copy of the group, and their messages built. The
        // wrap counts are those of the real rekey (the tree's shape decides them, not the keys).
        var copy = current
        let planned: [GroupRekey]
        do { planned = try make(&copy) } catch { throw ControlFailure(.internalError, "group \(current.name): \(error)") }
        // Messages are built (and signed) for a dry run only: a real rekey's size is that of what
        // the engine sends (below), and building it here too would double the work. An eviction
        // the engine refuses to send has no message to measure.
        let datagrams = unsendableEviction || !request.dryRun ? [] : try Self.build(planned, group: copy, random: random)
        let preview = Self.preview(request, rekeys: planned, datagrams: datagrams, after: copy, notes: notes)
        if request.dryRun { return RekeyOutcome(preview: preview, actions: []) }

        // For real: operator rekeys and evictions go through the engine's own entry points, which
        // also emit whatever the engine records before it sends; a reload's rollover to the new
        // policy has no engine entry point and is built here.
        let actions: [Action]
        switch request.reason {
        case .operatorRequest: actions = engine.rekeyNow(group: current.name, now: now)
        case .eviction: actions = engine.evict(group: current.name, members: evicting, now: now)
        case .policyChange: actions = try policyChangeRekey(current.name, engine: &engine, make: make)
        }
        let failures = actions.compactMap { action -> String? in
            if case .log(let event) = action, event.code == "GCKS-REKEY-FAILED" { return event.message }
            return nil
        }
        let sends = actions.filter { if case .send = $0 { return true }; return false }
        // Nothing sent and a failure: the group was not changed (the engine changes it only with
        // the rekeys it then sends). Otherwise what was sent stands, and the failure is reported.
        if sends.isEmpty, let failure = failures.first { throw ControlFailure(.internalError, failure) }
        var sent = preview
        sent.notes += failures.map { "failed: \($0)" }
        sent.dryRun = false
        sent.messageOctets = actions.reduce(0) { total, action in
            if case .send(let datagram, _) = action { return total + datagram.count }
            return total
        }
        if let after = directory.snapshot.first(where: { $0.name == current.name }) { sent.readers = after.members.sorted() }
        lastRekey[current.name] = now.milliseconds / 1000
        return RekeyOutcome(preview: sent, actions: actions)
    }

    /// Rolls the group over to TEKs made under its (reloaded) policy and addresses the GSA_REKEY.
    private func policyChangeRekey(_ name: String, engine: inout GCKSResponder,
                                   make: (inout GroupState) throws(GroupStateError) -> [GroupRekey]) throws(ControlFailure) -> [Action] {
        let rekeys: [GroupRekey], after: GroupState
        do {
            (rekeys, after) = try directory.withGroup(named: name) { (state) throws(GroupStateError) -> ([GroupRekey], GroupState) in
                (try make(&state), state)
            }
        } catch { throw ControlFailure(.internalError, "group \(name): \(error)") }
        engine.record(rekeys, group: after)
        var actions: [Action] = []
        // The new TEKs are durable before any datagram carries them (as the engine's own rekeys).
        if !rekeys.isEmpty {
            actions.append(.persist(.groupKeysChanged(group: name, reason: rekeys.map(\.reason.rawValue).joined(separator: ","))))
        }
        for rekey in rekeys {
            guard let protecting = rekey.protectingRekeySA, let destination = protecting.policy.destination else { continue }
            do {
                let datagram = try GSARekeyMessage.build(rekey, group: after, random: random)
                actions.append(.send(datagram: datagram, to: EndpointAddress(addressOctets: destination.octets, port: protecting.policy.port)))
                actions.append(.log(LogEvent(.info, "GCKS-REKEY-SENT",
                                             "group \(name): policy change, Message ID \(rekey.gikev2MessageID ?? 0), "
                                             + "\(rekey.newTEKs.count) TEK(s), \(datagram.count) octets")))
            } catch {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(name): \(error)")))
            }
        }
        return actions
    }

    public mutating func groupRemoved(_ group: String, engine: inout GCKSResponder, now: EngineTime) -> [Action] {
        // Members keep the removed group's SAs until they expire: a GSA_REKEY Delete of a group no
        // longer served is not built by the engine.
        [.log(LogEvent(.info, "GW-GROUP-REMOVED", "group \(group) no longer served; its members keep their SAs until they expire"))]
    }

    public func counters(engine: GCKSResponder) -> GatewayCounters {
        let statistics = engine.statistics
        return GatewayCounters(registrations: statistics.registrations, registrationFailures: statistics.registrationFailures,
                               retransmissions: statistics.retransmissionsAnswered,
                               datagramsReceived: statistics.datagramsReceived, datagramsDropped: statistics.datagramsDropped,
                               cookiesDemanded: statistics.cookiesDemanded)
    }

    static func build(_ rekeys: [GroupRekey], group: GroupState, random: any RandomSource) throws(ControlFailure) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        for rekey in rekeys {
            do { datagrams.append(try GSARekeyMessage.build(rekey, group: group, random: random)) } catch {
                throw ControlFailure(.internalError, "group \(group.name): cannot build the GSA_REKEY: \(error)")
            }
        }
        return datagrams
    }

    /// What the rekeys carry: TEKs, wrapped keys (LKH path keys, TEK KEYMAT, a new rekey SA's
    /// KEYMAT), the octets sent, and who can read them.
    static func preview(_ request: RekeyRequest, rekeys: [GroupRekey], datagrams: [[UInt8]], after: GroupState,
                        notes: [String]) -> RekeyPreview {
        let newTEKs = rekeys.reduce(0) { $0 + $1.newTEKs.count }
        let wraps = rekeys.reduce(0) { $0 + $1.newTEKs.count + ($1.keyTreeUpdate?.wraps.count ?? 0) + ($1.newRekeySA == nil ? 0 : 1) }
        var destination = "nowhere (no rekey SA)"
        if let policy = rekeys.first?.protectingRekeySA?.policy {
            switch policy.transport {
            case .multicast: destination = "multicast " + (GroupStateReport.destination(of: policy) ?? "(no destination)")
            case .unicast: destination = "unicast to \(after.members.count) member(s)"
            }
        }
        var notes = notes
        if rekeys.count > 1 { notes.append("\(rekeys.count) messages: the key update, then the TEKs under the new rekey SA") }
        return RekeyPreview(group: after.name, reason: request.reason.rawValue, dryRun: request.dryRun, newTEKs: newTEKs,
                            wrappedKeys: wraps, messageOctets: datagrams.reduce(0) { $0 + $1.count }, sizeIsEstimate: false,
                            readers: after.members.sorted(), evicted: rekeys.flatMap(\.evictedMembers).sorted(),
                            destination: destination, notes: notes)
    }
}
