import EngineCore
import GDOI
import GIKEv2
import GroupState
import Logging

extension GatewayServer {
    /// One group, two protocols (issue 9): every rekey the GCKS made (scheduled, operator, eviction,
    /// reload) goes to the group's GDOI members as GROUPKEY-PUSH, and the members the key server
    /// gives up on (missed acknowledgements) are evicted through the GCKS, whose eviction rekeys
    /// both populations. Groups added since are primed before their first change.
    static func handOff(gcks: inout GCKSResponder, keyServer: inout GDOIKeyServer, directory: GroupDirectory,
                        now: EngineTime) -> (engine: [Action], isakmp: [Action]) {
        var engineActions: [Action] = [], isakmpActions: [Action] = []
        // An eviction's rekeys are handed over in the next round (a missed-ack eviction, then the
        // rekeys it makes); a third round is a margin, left at once when nothing is pending.
        for _ in 0..<3 {
            let evictions = keyServer.distributor?.takeEvictions() ?? []
            for eviction in evictions {
                engineActions += gcks.evict(group: eviction.group, members: eviction.members, now: now)
            }
            let performed = gcks.takePerformedRekeys()
            for batch in performed {
                isakmpActions += keyServer.distribute(batch.rekeys, group: batch.group, now: now)
            }
            if evictions.isEmpty && performed.isEmpty { break }
        }
        // Groups come and go only by reload (`replaceAll`): prime after one, not after every datagram.
        let generation = directory.generation
        if let distributor = keyServer.distributor, distributor.primedGeneration != generation {
            let unprimed = directory.snapshot.filter { $0.definition.protocols.gdoi && $0.rekeySA != nil && !distributor.isPrimed($0.name) }
            for failure in keyServer.distributor?.prime(unprimed) ?? [] {
                isakmpActions.append(.log(LogEvent(.warning, "GDOI-KEK-UNKNOWN",
                                                   "group \(failure.group): its KEK cannot be rendered for GDOI pushes: \(failure.reason)")))
            }
            keyServer.distributor?.primedGeneration = generation
        }
        return (engineActions, isakmpActions)
    }

    /// Unicast GROUPKEY-PUSH messages go to each GDOI member's registration address (RFC 6407 §4);
    /// the state file keeps it with the admission, so after a restart the members the restored
    /// groups still hold get pushes without registering again. G-IKEv2 members have no stored
    /// address: their IKE SA is gone and they re-register by design.
    /// Returns the addresses restored, which the driver learns no route to until they send.
    static func restorePushAddresses(into distributor: inout GDOIRekeyDistributor, from persister: StatePersister,
                                     logger: Logger) -> Set<EndpointAddress> {
        var restored: Set<EndpointAddress> = []
        for group in persister.directory.snapshot where group.definition.protocols.gdoi {
            let stored: [String: (octets: [UInt8], port: UInt16)]
            do {
                let read = try persister.store.pushAddresses(group: group.name)
                stored = read.addresses
                if !read.unreadable.isEmpty {
                    logger.warning("GDOI member addresses in the state file are not addresses; those members get pushes once they send again",
                                   metadata: ["code": "GW-STATE-PUSH-ADDRESSES", "group": "\(group.name)",
                                              "members": "\(read.unreadable.joined(separator: " "))"])
                }
            } catch {
                logger.warning("GDOI member addresses not read from the state file", metadata: [
                    "code": "GW-STATE-PUSH-ADDRESSES", "group": "\(group.name)", "error": "\(error)"])
                continue
            }
            for member in group.members where group.memberProtocol(of: member) == .gdoi {
                guard let address = stored[member] else { continue }
                let endpoint = EndpointAddress(addressOctets: address.octets, port: address.port)
                distributor.noteRegistration(group: group.name, member: member, address: endpoint)
                restored.insert(endpoint)
            }
        }
        return restored
    }
}
