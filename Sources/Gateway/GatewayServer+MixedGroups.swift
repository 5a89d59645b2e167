import EngineCore
import GDOI
import GIKEv2
import GroupState

extension GatewayServer {
    /// One group, two protocols (issue 9): every rekey the GCKS made (scheduled, operator, eviction,
    /// reload) goes to the group's GDOI members as GROUPKEY-PUSH, and the members the key server
    /// gives up on (missed acknowledgements) are evicted through the GCKS, whose eviction rekeys
    /// both populations. Groups added since are primed before their first change.
    static func handOff(gcks: inout GCKSResponder, keyServer: inout GDOIKeyServer, directory: GroupDirectory,
                        now: EngineTime) -> (engine: [Action], isakmp: [Action]) {
        var engineActions: [Action] = [], isakmpActions: [Action] = []
        // An eviction's rekeys are handed over in the next round; two rounds settle everything.
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
        if let distributor = keyServer.distributor {
            let unprimed = directory.snapshot.filter { $0.definition.protocols.gdoi && $0.rekeySA != nil && !distributor.isPrimed($0.name) }
            if !unprimed.isEmpty { keyServer.distributor?.prime(unprimed) }
        }
        return (engineActions, isakmpActions)
    }
}
