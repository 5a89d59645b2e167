import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import GroupState

/// The GCKS's rekey sender: turns the rekeys GroupState makes (scheduled, operator, eviction)
/// into GSA_REKEY datagrams sent to the rekey SA's destination, the multicast address and port
/// of the group's rekey policy (RFC 9838 §2.4.1, §4.4.2).
extension GCKSResponder {
    static let rekeyTimer = TimerID("gcks-rekey")

    /// Performs every group's due rollovers and sends them; schedules the next.
    public func performDueRekeys(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        var next: Int64?
        for group in directory.snapshot {
            do {
                let result = try directory.withGroup(named: group.name) { (state) throws(GroupStateError) -> ([GroupRekey], GroupState) in
                    let rekeys = try state.performDueRekeys(atMilliseconds: now.milliseconds, random: random)
                    return (rekeys, state)
                }
                actions += send(result.0, group: result.1)
                if let at = result.1.nextRekeyEventMilliseconds { next = min(next ?? at, at) }
            } catch {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name): \(error)")))
            }
        }
        if let next { actions.append(.scheduleTimer(Self.rekeyTimer, at: EngineTime(milliseconds: max(next, now.milliseconds)))) }
        return actions
    }

    /// Replaces the group's TEKs now (`groupkey rekey GROUP`).
    public func rekeyNow(group name: String, now: EngineTime) -> [Action] {
        change(group: name) { (state) throws(GroupStateError) in
            [try state.rollOverTEKs(reason: .operatorRequest, atMilliseconds: now.milliseconds, random: random)]
        }
    }

    /// Evicts members (registration identities as the group state records them) and sends the
    /// key update and the TEKs that follow it (`groupkey evict GROUP MEMBER`).
    public func evict(group name: String, members: [String], now: EngineTime) -> [Action] {
        change(group: name) { (state) throws(GroupStateError) in
            try state.evict(members, atMilliseconds: now.milliseconds, random: random)
        }
    }

    func change(group name: String, _ body: (inout GroupState) throws(GroupStateError) -> [GroupRekey]) -> [Action] {
        do {
            let (rekeys, state) = try directory.withGroup(named: name) { (state) throws(GroupStateError) -> ([GroupRekey], GroupState) in
                (try body(&state), state)
            }
            return send(rekeys, group: state)
        } catch {
            return [.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(name): \(error)"))]
        }
    }

    /// Builds and addresses each rekey. In-band (unicast) groups are not served here.
    func send(_ rekeys: [GroupRekey], group: GroupState) -> [Action] {
        var actions: [Action] = []
        for rekey in rekeys {
            guard let protecting = rekey.protectingRekeySA else {
                actions.append(.log(LogEvent(.warning, "GCKS-REKEY-NO-SA", "group \(group.name): \(rekey.reason.rawValue) rekey has no rekey SA")))
                continue
            }
            guard protecting.policy.transport == .multicast, let destination = protecting.policy.destination else {
                actions.append(.log(LogEvent(.warning, "GCKS-REKEY-INBAND-UNSUPPORTED",
                                             "group \(group.name): unicast (GSA_INBAND_REKEY) delivery is not implemented")))
                continue
            }
            do {
                let datagram = try GSARekeyMessage.build(rekey, group: group, random: random)
                actions.append(.send(datagram: datagram, to: EndpointAddress(addressOctets: destination.octets, port: protecting.policy.port)))
                actions.append(.log(LogEvent(.info, "GCKS-REKEY-SENT",
                                             "group \(group.name): \(rekey.reason.rawValue) Message ID \(rekey.gikev2MessageID ?? 0), "
                                             + "\(rekey.newTEKs.count) TEK(s), rekey SA \(rekey.newRekeySA == nil ? "kept" : "new"), "
                                             + "\(rekey.evictedMembers.count) evicted, \(datagram.count) octets")))
            } catch {
                actions.append(.log(LogEvent(.error, "GCKS-REKEY-FAILED", "group \(group.name): \(error)")))
            }
        }
        return actions
    }
}
