import EngineCore

/// A clock a test moves by hand.
public struct ManualClock: Sendable {
    public private(set) var now: EngineTime
    public init(start: EngineTime = .zero) { now = start }
    public mutating func advance(milliseconds: Int64) { now = now.adding(milliseconds: milliseconds) }
}

/// Two engines wired back to back in memory, no sockets: every `.send` of one is handed to the
/// other, in order, until both are quiet. `network` may drop, duplicate or alter datagrams in
/// flight; every datagram and every action is recorded for the test to inspect.
public struct BackToBackHarness<Left: DatagramEngine, Right: DatagramEngine> {
    public var left: Left
    public var right: Right
    public let leftAddress: EndpointAddress
    public let rightAddress: EndpointAddress
    public var clock = ManualClock()
    /// Datagrams in flight: (from, to, bytes) -> what arrives (empty to drop, twice to duplicate).
    public var network: (EndpointAddress, EndpointAddress, [UInt8]) -> [[UInt8]] = { _, _, bytes in [bytes] }
    public private(set) var delivered: [(from: EndpointAddress, to: EndpointAddress, bytes: [UInt8])] = []
    public private(set) var leftActions: [Action] = []
    public private(set) var rightActions: [Action] = []
    /// Bound on deliveries per pump, so a ping-pong bug fails the test instead of hanging it.
    public var maximumDeliveries = 1_000

    public init(left: Left, leftAddress: EndpointAddress, right: Right, rightAddress: EndpointAddress) {
        self.left = left
        self.right = right
        self.leftAddress = leftAddress
        self.rightAddress = rightAddress
    }

    /// Performs actions the left engine produced outside `handle` (e.g. a GM's `start`).
    public mutating func pumpFromLeft(_ actions: [Action]) { pump([(true, actions)]) }
    public mutating func pumpFromRight(_ actions: [Action]) { pump([(false, actions)]) }

    /// Moves the clock and ticks both engines, delivering whatever they send.
    public mutating func advance(milliseconds: Int64) {
        clock.advance(milliseconds: milliseconds)
        let l = left.tick(now: clock.now)
        let r = right.tick(now: clock.now)
        pump([(true, l), (false, r)])
    }

    private mutating func pump(_ initial: [(fromLeft: Bool, actions: [Action])]) {
        var queue: [(toLeft: Bool, from: EndpointAddress, bytes: [UInt8])] = []
        func enqueue(_ fromLeft: Bool, _ actions: [Action], into queue: inout [(toLeft: Bool, from: EndpointAddress, bytes: [UInt8])]) {
            for action in actions {
                guard case .send(let datagram, let to) = action else { continue }
                let from = fromLeft ? leftAddress : rightAddress
                let expected = fromLeft ? rightAddress : leftAddress
                guard to == expected else { continue }  // addressed elsewhere: lost
                for bytes in network(from, to, datagram) { queue.append((!fromLeft, from, bytes)) }
            }
        }
        for (fromLeft, actions) in initial {
            if fromLeft { leftActions += actions } else { rightActions += actions }
            enqueue(fromLeft, actions, into: &queue)
        }
        var count = 0
        while !queue.isEmpty && count < maximumDeliveries {
            count += 1
            let item = queue.removeFirst()
            delivered.append((item.from, item.toLeft ? leftAddress : rightAddress, item.bytes))
            if item.toLeft {
                let actions = left.handle(datagram: item.bytes, from: item.from, now: clock.now)
                leftActions += actions
                enqueue(true, actions, into: &queue)
            } else {
                let actions = right.handle(datagram: item.bytes, from: item.from, now: clock.now)
                rightActions += actions
                enqueue(false, actions, into: &queue)
            }
        }
    }
}
