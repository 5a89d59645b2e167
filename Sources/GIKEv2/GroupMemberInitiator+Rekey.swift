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
        return actions + reregisterIfNeeded(now: now)
    }

    mutating func tickRekeyReceiver(now: EngineTime) -> [Action] {
        guard case .registered(var context) = state, var receiver = rekeyReceiver else { return [] }
        let actions = receiver.tick(now: now)
        context.holdings = receiver.holdings
        rekeyReceiver = receiver
        state = .registered(context)
        return actions + reregisterIfNeeded(now: now)
    }

    /// A missed rekey (RFC 9838 §2.4.1.4: Message ID gap, or an SA nearing its end with no
    /// replacement): register again with GSA_REGISTRATION while the registration
    /// IKE SA is open; its answer replaces the holdings and starts a new receiver. With the SA
    /// closed, `needsReregistration` tells the host to start a new registration.
    mutating func reregisterIfNeeded(now: EngineTime) -> [Action] {
        // An excluded member does not knock again by itself: the GCKS removed it on purpose.
        guard let reason = rekeyReceiver?.reregistration, reason != .excluded, rekeyReceiver?.reregistrationRequested == false,
              case .registered(let context) = state, context.ikeSAOpen, pending == nil, context.pendingRegistration == nil else {
            return []
        }
        rekeyReceiver?.reregistrationRequested = true
        return register(group: configuration.groupID, senderIDsRequested: configuration.senderIDsRequested, now: now)
            + [.log(LogEvent(.info, "GM-REREGISTER", "registering again: \(reason.rawValue)"))]
    }

    /// The GSA_REKEY side of the member: counters, outbound SPIs, and whether a missed rekey was
    /// detected (the owner then registers again).
    public var rekeyStatus: GroupRekeyReceiver? { rekeyReceiver }

    /// Set when the member has missed a rekey or was excluded and should register again.
    public var needsReregistration: GroupRekeyReceiver.ReregistrationReason? { rekeyReceiver?.reregistration }
}
