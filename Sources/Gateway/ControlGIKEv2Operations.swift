import EngineCore
import GIKEv2
import GroupState

/// `GroupOperations` for the G-IKEv2 GCKS: status and previews from the shared `GroupDirectory`;
/// a real rekey needs the engine's GSA_REKEY sender, which this adapter calls once the engine
/// has one (until then a real rekey is refused with CTL-UNSUPPORTED and nothing changes).
public struct GIKEv2GroupOperations: GroupOperations {
    public typealias Engine = GCKSResponder

    let directory: GroupDirectory
    /// Unix seconds of each group's last rekey sent (status "last rekey").
    private(set) var lastRekey: [String: Int64] = [:]

    public init(directory: GroupDirectory) {
        self.directory = directory
    }

    public func groupStatus(engine: GCKSResponder, now: EngineTime) -> [GroupStatus] {
        directory.snapshot.map { group in
            // Every member of this engine registered over G-IKEv2.
            GroupStateReport.status(of: group, now: now, lastRekey: lastRekey[group.name]) { _ in "gikev2" }
        }
    }

    public mutating func rekey(_ request: RekeyRequest, engine: inout GCKSResponder, now: EngineTime) throws(ControlFailure) -> RekeyOutcome {
        guard let group = directory.snapshot.first(where: { $0.name == request.group }) else {
            throw ControlFailure(.unknownGroup, "no group \(request.group) is served")
        }
        let preview = try GroupStateReport.preview(request, group: group)
        if request.dryRun { return RekeyOutcome(preview: preview, actions: []) }
        throw ControlFailure(.unsupported, "the G-IKEv2 engine of this build does not send GSA_REKEY yet; nothing changed")
    }

    public mutating func groupRemoved(_ group: String, engine: inout GCKSResponder, now: EngineTime) -> [Action] {
        // The members' registration SAs end with their lifetime; a GSA_REKEY Delete of the group's
        // SAs (RFC 9838 §2.4.1) comes with the engine's rekey sender.
        [.log(LogEvent(.info, "GW-GROUP-REMOVED", "group \(group) no longer served; its members keep their SAs until they expire"))]
    }

    public func counters(engine: GCKSResponder) -> GatewayCounters {
        let statistics = engine.statistics
        return GatewayCounters(registrations: statistics.registrations, registrationFailures: statistics.registrationFailures,
                               retransmissions: statistics.retransmissionsAnswered,
                               datagramsReceived: statistics.datagramsReceived, datagramsDropped: statistics.datagramsDropped,
                               cookiesDemanded: statistics.cookiesDemanded)
    }
}
