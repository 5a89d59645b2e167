import EngineCore
import Foundation

/// Group commit for the state file: makes the engines' persist records durable on a thread of its
/// own, many records per transaction and fsync.
///
/// The driver hands each record over as the engine produces it, numbered in order; the thread
/// takes everything queued so far, writes it in one transaction (StatePersister.persist(batch:)),
/// and reports up to which number the records are on disk. What a record protects (the answer
/// that hands out the keys or Sender-IDs it records, the rekey that uses the number it reserves)
/// is held by the driver until then, so "on disk before anyone sees it" still holds; but the
/// event loop no longer waits on the disk, and under load one fsync covers every admission that
/// arrived while the previous one was being written.
///
/// `@unchecked Sendable`: the queue and flags are only touched under `condition`.
final class StateCommitter: @unchecked Sendable {
    struct Entry {
        let sequence: Int
        let record: PersistRecord
        let memberProtocol: String
    }

    /// One written batch: every record numbered up to `through` has been attempted, and those
    /// in `failed` are not on disk.
    struct Outcome: Sendable {
        let through: Int
        let failed: [Int: GatewayError]
        let records: Int
    }

    private let persister: StatePersister
    /// Called on the committer's thread after each batch (the driver hops to its event loop).
    private let completion: @Sendable (Outcome) -> Void
    private let condition = NSCondition()
    private var queue: [Entry] = []
    private var stopping = false
    private var finished = false
    /// Batches written and records in them, for the benchmark and tests.
    private(set) var statistics = (batches: 0, records: 0)

    init(persister: StatePersister, completion: @escaping @Sendable (Outcome) -> Void) {
        self.persister = persister
        self.completion = completion
        let thread = Thread { [self] in run() }
        thread.name = "groupkey-state-commit"
        thread.start()
    }

    /// Queues one record; records are written in the order submitted.
    func submit(_ entry: Entry) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!stopping, "record submitted after the committer stopped")
        queue.append(entry)
        condition.signal()
    }

    /// Writes what is queued, then ends the thread; returns once everything submitted is written.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    var counts: (batches: Int, records: Int) {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {  // stopping, and nothing left
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()

            let failures = persister.persist(batch: batch.map { (record: $0.record, memberProtocol: $0.memberProtocol) })
            var failed: [Int: GatewayError] = [:]
            for (index, failure) in failures { failed[batch[index].sequence] = failure }
            condition.lock()
            statistics.batches += 1
            statistics.records += batch.count
            condition.unlock()
            completion(Outcome(through: batch[batch.count - 1].sequence, failed: failed, records: batch.count))
        }
    }
}
