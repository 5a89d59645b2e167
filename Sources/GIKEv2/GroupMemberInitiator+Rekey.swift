import EngineCore
import GIKEv2Wire

/// GSA_REKEY on the member: the initiator owns a `GroupRekeyReceiver` from registration on, hands
/// it every GSA_REKEY datagram (they come from the rekey SA's destination, not on the IKE SA) and
/// its timers, and mirrors what it holds into `holdings`.
extension GroupMemberInitiator {
    mutating func handleRekey(_ datagram: [UInt8], now: EngineTime) -> [Action] {
        guard case .registered(var context) = state, var receiver = rekeyReceiver else {
            return ignore("GSA_REKEY before registration")
        }
        let actions = receiver.receive(datagram, now: now)
        context.holdings = receiver.holdings
        rekeyReceiver = receiver
        state = .registered(context)
        return actions
    }

    mutating func tickRekeyReceiver(now: EngineTime) -> [Action] {
        guard case .registered(var context) = state, var receiver = rekeyReceiver else { return [] }
        let actions = receiver.tick(now: now)
        context.holdings = receiver.holdings
        rekeyReceiver = receiver
        state = .registered(context)
        return actions
    }

    /// The GSA_REKEY side of the member: counters, outbound SPIs, and whether a missed rekey was
    /// detected (the owner then registers again).
    public var rekeyStatus: GroupRekeyReceiver? { rekeyReceiver }

    /// Set when the member has missed a rekey or was excluded and should register again.
    public var needsReregistration: GroupRekeyReceiver.ReregistrationReason? { rekeyReceiver?.reregistration }
}
