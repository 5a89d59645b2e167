/// The face every protocol engine shows its transport (ARCHITECTURE.md): a datagram or a clock
/// tick in, actions out. Nothing else reaches the engine, so a test harness can stand in for
/// the network.
public protocol DatagramEngine {
    mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
    /// A `.persist` record this engine returned could not be made durable, so the transport
    /// dropped the actions that followed it. The engine forgets whatever would let the same
    /// content out later without the record (a reply cached for a retransmitted request).
    mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action]
}

extension DatagramEngine {
    /// Nothing to forget (an engine that keeps no such replies).
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] { [] }
}
