/// The face every protocol engine shows its transport (ARCHITECTURE.md): a datagram or a clock
/// tick in, actions out. Nothing else reaches the engine, so a test harness can stand in for
/// the network.
public protocol DatagramEngine {
    mutating func handle(datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action]
    mutating func tick(now: EngineTime) -> [Action]
}
