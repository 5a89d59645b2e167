import EngineCore
import GDOIWire

// Stand-in for the phase-2 seams the phase-1 engines dispatch through (Phase2Seams.swift). These are
// the agreed shapes; this file goes away when the file that owns them is merged.

/// The key-server side of an exchange that runs under an established ISAKMP SA (GROUPKEY-PULL).
public protocol Phase2Responder: Sendable {
    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA, now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
}

/// The member side: starts once phase 1 is up, then handles the answers (and later pushes, which
/// arrive under no phase-1 SA).
public protocol Phase2Initiator: Sendable {
    mutating func phase1Established(_ sa: Phase1SA, now: EngineTime) -> [Action]
    mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA?, from peer: EndpointAddress,
                         now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
    var isFinished: Bool { get }
}
