import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState

/// The GCKS's rekey sender: turns the rekeys GroupState makes (scheduled, operator, eviction)
/// into GSA_REKEY datagrams sent to the rekey SA's destination, the multicast address and port
/// of the group's rekey policy (RFC 9838 §2.4.1, §4.4.2).
extension GCKSResponder {
    static let rekeyTimer = TimerID("gcks-rekey")
    static let repeatTimer = TimerID("gcks-rekey-repeat")

    /// Sends the multicast repeats that are due.
    mutating func tickRekeyRepeats(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        for index in rekeyRepeats.indices where rekeyRepeats[index].next <= now {
            actions.append(.send(datagram: rekeyRepeats[index].datagram, to: rekeyRepeats[index].destination))
            rekeyRepeats[index].remaining -= 1
            rekeyRepeats[index].next = now.adding(milliseconds: rekeyRepeats[index].interval)
        }
        rekeyRepeats.removeAll { $0.remaining <= 0 }
        if let next = rekeyRepeats.map(\.next).min() { actions.append(.scheduleTimer(Self.repeatTimer, at: next)) }
        return actions
    }

    /// Performs every group's due rollovers and sends them; schedules the next.
    public mutating func performDueRekeys(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        var next: Int64?
        let random = self.random
        for group in directory.snapshot {
            do {
                let result = try directory.withGroup(named: group.name) { (state) throws(GroupStateError) -> ([GroupRekey], GroupState) in
                    let rekeys = try state.performDueRekeys(atMilliseconds: now.milliseconds, random: random)
                    return (rekeys, state)
                }
                actions += send(result.0, group: result.1, now: now)
                if let at = result.1.nextRekeyEventMilliseconds { next = min(next ?? at, at) }
            } catch {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name): \(error)")))
            }
        }
        if let next { actions.append(.scheduleTimer(Self.rekeyTimer, at: EngineTime(milliseconds: max(next, now.milliseconds)))) }
        return actions
    }

    /// Replaces the group's TEKs now (`groupkey rekey GROUP`).
    public mutating func rekeyNow(group name: String, now: EngineTime) -> [Action] {
        let random = self.random
        return change(group: name, now: now) { (state) throws(GroupStateError) in
            [try state.rollOverTEKs(reason: .operatorRequest, atMilliseconds: now.milliseconds, random: random)]
        }
    }

    /// Evicts members (registration identities as the group state records them) and sends the
    /// key update and the TEKs that follow it (`groupkey evict GROUP MEMBER`).
    /// The evicted members' registration IKE SAs are closed too, so none can register again on
    /// an SA it already authenticated.
    public mutating func evict(group name: String, members: [String], now: EngineTime) -> [Action] {
        let random = self.random
        var actions = change(group: name, now: now) { (state) throws(GroupStateError) in
            try state.evict(members, atMilliseconds: now.milliseconds, random: random)
        }
        let evicted = Set(members)
        for (spi, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard case .registered(let groups, let member) = session.state, groups.contains(name), evicted.contains(member) else { continue }
            inbandRekeys[spi] = nil
            actions += closeRegistrationSA(session)
        }
        return actions
    }

    mutating func change(group name: String, now: EngineTime,
                         _ body: (inout GroupState) throws(GroupStateError) -> [GroupRekey]) -> [Action] {
        let result: ([GroupRekey], GroupState)
        do {
            result = try directory.withGroup(named: name) { (state) throws(GroupStateError) -> ([GroupRekey], GroupState) in
                (try body(&state), state)
            }
        } catch {
            return [.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(name): \(error)"))]
        }
        return send(result.0, group: result.1, now: now)
    }

    /// Builds and addresses each rekey: GSA_REKEY to the multicast destination, or for groups
    /// whose policy says unicast, GSA_INBAND_REKEY over each member's registration IKE SA.
    mutating func send(_ rekeys: [GroupRekey], group: GroupState, now: EngineTime) -> [Action] {
        var actions: [Action] = []
        // The new keys, tree and counters are durable before any datagram carries them.
        if !rekeys.isEmpty {
            actions.append(.persist(.groupKeysChanged(group: group.name, reason: rekeys.map(\.reason.rawValue).joined(separator: ","))))
            record(rekeys, group: group)
        }
        // A GDOI-only group has no G-IKEv2 member to tell: its rekeys travel as GROUPKEY-PUSH only.
        guard group.definition.protocols.gikev2 else { return actions }
        for rekey in rekeys {
            guard let protecting = rekey.protectingRekeySA else {
                actions.append(.log(LogEvent(.warning, "GCKS-REKEY-NO-SA", "group \(group.name): \(rekey.reason.rawValue) rekey has no rekey SA")))
                continue
            }
            guard protecting.policy.transport == .multicast else {
                actions += sendInband(rekey, group: group, now: now)
                continue
            }
            guard let destination = protecting.policy.destination else {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-NO-DESTINATION", "group \(group.name): multicast rekey without a destination")))
                continue
            }
            do {
                let datagram = try GSARekeyMessage.build(rekey, group: group, random: random)
                let to = EndpointAddress(addressOctets: destination.octets, port: protecting.policy.port)
                actions.append(.send(datagram: datagram, to: to))
                // Repeated `count` times, `interval` apart: nobody acknowledges a multicast rekey;
                // members drop the copies as replays.
                let repeats = protecting.policy.retransmissions
                if repeats.count > 0 {
                    let interval = Int64(max(repeats.intervalSeconds, 1)) * 1000
                    rekeyRepeats.append(RekeyRepeat(datagram: datagram, destination: to, remaining: repeats.count,
                                                    interval: interval, next: now.adding(milliseconds: interval), group: group.name))
                    actions.append(.scheduleTimer(Self.repeatTimer, at: rekeyRepeats.map(\.next).min() ?? now))
                }
                actions.append(.log(LogEvent(.info, "GCKS-REKEY-SENT",
                                             "group \(group.name): \(rekey.reason.rawValue) Message ID \(rekey.gikev2MessageID ?? 0), "
                                             + "\(rekey.newTEKs.count) TEK(s), rekey SA \(rekey.newRekeySA == nil ? "kept" : "new"), "
                                             + "\(rekey.evictedMembers.count) evicted, \(datagram.count) octets")))
            } catch {
                // Later rekeys of the batch travel under what this one delivers: members could
                // not read them, so they are not sent either.
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name): \(error); \(rekeys.count - 1) rekey(s) "
                                             + "after it not sent; members must register again")))
                return actions
            }
        }
        return actions
    }
}

extension GCKSResponder {
    /// Notes rekeys made on the group outside the engine's own entry points (a reload's rollover),
    /// so they reach the GDOI members too.
    public mutating func record(_ rekeys: [GroupRekey], group: GroupState) {
        guard !rekeys.isEmpty else { return }
        performedRekeys.append(PerformedRekeys(rekeys: rekeys, group: group))
    }

    /// The rekeys made since the last call, oldest first; the caller renders them for the other
    /// protocol (GROUPKEY-PUSH, RFC 6407 §4) so one rekey reaches every member of the group.
    public mutating func takePerformedRekeys() -> [PerformedRekeys] {
        defer { performedRekeys.removeAll() }
        return performedRekeys
    }
}

/// Rekeys of one group made in one step, with the group state after them (the keys they carry
/// and the tree they were wrapped in).
public struct PerformedRekeys: Sendable {
    public let rekeys: [GroupRekey]
    public let group: GroupState
}

/// A GSA_REKEY to send again.
struct RekeyRepeat: Sendable {
    let datagram: [UInt8]
    let destination: EndpointAddress
    var remaining: Int
    let interval: Int64
    var next: EngineTime
    let group: String
}
