import Foundation
import GroupKeyCrypto

/// A `RandomSource` for tests: a fixed queue of octets first (to inject a nonce or IV a vector
/// names), then a counter-based stream, so runs are reproducible. Never use outside tests.
public final class DeterministicRandom: RandomSource, @unchecked Sendable {
    private let lock = NSLock()
    private var queued: [UInt8]
    private var counter: UInt8

    public init(queued: [UInt8] = [], seed: UInt8 = 1) {
        self.queued = queued
        self.counter = seed
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        lock.lock()
        defer { lock.unlock() }
        for index in 0..<buffer.count {
            if !queued.isEmpty {
                buffer[index] = queued.removeFirst()
            } else {
                buffer[index] = counter
                counter &+= 1
            }
        }
    }
}
