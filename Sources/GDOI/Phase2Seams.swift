import EngineCore
import GDOIWire

/// A phase-2 exchange family run by the key server under established phase-1 SAs (GROUPKEY-PULL).
public protocol Phase2Responder: Sendable {
    /// One datagram of exchange `header.exchangeType` under `sa` (still encrypted; the header parsed).
    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA, now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
    /// A record it returned could not be stored (DatagramEngine.recordNotPersisted).
    mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action]
}

extension Phase2Responder {
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] { [] }
}

/// The member's phase-2 side: starts its exchange once phase 1 is up, then takes the answers and
/// any GROUPKEY-PUSH datagrams (which arrive under the group's KEK cookies, not a phase-1 SA).
public protocol Phase2Initiator: Sendable {
    mutating func phase1Established(_ sa: Phase1SA, now: EngineTime) -> [Action]
    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA?, from peer: EndpointAddress,
                         now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
    /// True when the member holds what it came for (or failed for good): the CLI stops there.
    var isFinished: Bool { get }
}
