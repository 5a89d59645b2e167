import EngineCore
import NIOCore

/// Records handed to the committer and the actions waiting for them, in order.
///
/// An engine returns a state change (`.persist`) before the actions that depend on it: the answer
/// that hands out the keys and Sender-IDs an admission records, the rekey that uses a reserved
/// message number (EngineCore.Action). With group commit the record is written later, on the
/// committer's thread; everything performed after it (from that step and every later one, so
/// the order of all actions is kept) waits here until the record is on disk.
struct DurabilityQueue {
    struct Held {
        /// The number of the last record submitted before this action.
        let after: Int
        /// The `perform` call it came from: a record that fails drops the rest of its own call.
        let step: Int
        let action: Action
        let fromISAKMP: Bool
    }

    /// Records submitted (numbered from 1) and the highest number known to be written.
    var submitted = 0
    var durable = 0
    /// perform calls so far.
    var steps = 0
    var held: [Held] = []
    /// Index of the first action in `held` not yet released (the array is compacted now and then).
    var head = 0
    /// The step of each record not yet known to be written, the record, and which engine made it.
    var stepOfRecord: [Int: Int] = [:]
    var pendingRecords: [Int: (record: PersistRecord, fromISAKMP: Bool)] = [:]
    /// Per step, the first record of it that failed: its later actions are dropped.
    var failedFrom: [Int: Int] = [:]
    /// Callbacks waiting for every record submitted before them (control replies), with the last
    /// record submitted before their operation began.
    var waiters: [(since: Int, after: Int, body: (_ stored: Bool) -> Void)] = []
    /// The latest records that could not be written (at most 4,096, oldest dropped), for waiters.
    var failedRecords: [Int] = []

    /// Whether a record is still on its way to disk, so new actions must queue behind it.
    var isWaiting: Bool { durable < submitted }

    /// Actions held at most before new IKE SAs are refused: about a second of registrations at
    /// full speed, queued behind a disk that has stopped keeping up.
    static let maximumHeld = 20_000
    /// Whether the disk is so far behind that no new work should be taken on.
    var isBacklogged: Bool { held.count - head > Self.maximumHeld || submitted - durable > Self.maximumHeld }
}

extension EngineDriver {
    /// From now on records go through a StateCommitter writing to `persister` (group commit).
    func useGroupCommit(_ persister: StatePersister) {
        eventLoop.preconditionInEventLoop()
        let loop = eventLoop
        committer = StateCommitter(persister: persister) { [weak self] outcome in
            guard let driver = self else { return }
            loop.execute { driver.recordsWritten(outcome) }
        }
    }

    /// Hands one record to the committer.
    func submit(_ record: PersistRecord, to committer: StateCommitter, step: Int, fromISAKMP: Bool) {
        // Read into locals first: `durability` is one stored property, and reading it inside a
        // subscript assignment to it would overlap the two accesses (exclusivity).
        let sequence = durability.submitted + 1
        durability.submitted = sequence
        durability.stepOfRecord[sequence] = step
        durability.pendingRecords[sequence] = (record, fromISAKMP)
        committer.submit(.init(sequence: sequence, record: record,
                               memberProtocol: fromISAKMP || engineTakesISAKMP ? "gdoi" : "gikev2"))
    }

    /// Called on the event loop when the committer has written a batch: releases, in order, what
    /// waited for it. An action that followed a failed record in the same step is dropped, as an
    /// inline failure drops the rest of its list.
    func recordsWritten(_ outcome: StateCommitter.Outcome) {
        eventLoop.preconditionInEventLoop()
        var forget: [(record: PersistRecord, fromISAKMP: Bool)] = []
        durability.failedRecords += outcome.failed.keys.sorted()
        if durability.failedRecords.count > 4_096 { durability.failedRecords.removeFirst(durability.failedRecords.count - 4_096) }
        for (sequence, failure) in outcome.failed.sorted(by: { $0.key < $1.key }) {
            logger.error("state change not persisted; the actions after it are dropped",
                         metadata: ["code": "GW-PERSIST-FAILED", "error": "\(failure)"])
            if let step = durability.stepOfRecord[sequence], durability.failedFrom[step] == nil {
                durability.failedFrom[step] = sequence
            }
            if let pending = durability.pendingRecords[sequence] { forget.append(pending) }
        }
        let previous = durability.durable
        let durable = max(previous, outcome.through)
        durability.durable = durable
        if durable > previous {
            for sequence in (previous + 1)...durable {
                durability.stepOfRecord[sequence] = nil
                durability.pendingRecords[sequence] = nil
            }
        }
        // A send held behind a failed record may be a reply to a retransmitted request, answered
        // from a cache in a later step: it can carry what the failed record holds, so every send
        // this batch releases from the first failed record on is dropped (peers retransmit),
        // whatever its step. Sends behind later batches are judged by those batches.
        releaseHeld(droppingSendsFrom: outcome.failed.keys.min())
        // The engine that made a lost record forgets what would hand its content out anyway.
        for (record, fromISAKMP) in forget where !stopped {
            let now = clock()
            if fromISAKMP {
                perform(isakmpEngine?.recordNotPersisted(record, now: now) ?? [], fromISAKMP: true)
            } else {
                perform(engine?.recordNotPersisted(record, now: now) ?? [])
            }
        }
    }

    /// Runs `body` once every record submitted so far has been written or has failed (at once if
    /// none is pending), telling it whether all those submitted after `since` (the count of records
    /// submitted when the operation began, `durability.submitted`) are on disk: a control reply
    /// says a rekey happened only once its state would survive a crash, or says it would not.
    func whenDurable(since: Int, _ body: @escaping (_ stored: Bool) -> Void) {
        eventLoop.preconditionInEventLoop()
        let after = durability.submitted
        guard durability.isWaiting else { return body(!failed(since: since, through: after)) }
        durability.waiters.append((since, after, body))
    }

    private func failed(since: Int, through after: Int) -> Bool {
        durability.failedRecords.contains { $0 > since && $0 <= after }
    }

    private func releaseHeld(droppingSendsFrom dropSendsFrom: Int? = nil) {
        while durability.head < durability.held.count {
            let held = durability.held[durability.head]
            guard held.after <= durability.durable else { break }
            durability.head += 1
            if let failed = durability.failedFrom[held.step], held.after >= failed { continue }
            if case .send = held.action, let dropSendsFrom, held.after >= dropSendsFrom { continue }
            if !stopped { execute(held.action, fromISAKMP: held.fromISAKMP) }
        }
        if durability.head == durability.held.count {
            durability.held.removeAll(keepingCapacity: true)
            durability.head = 0
            if !durability.isWaiting { durability.failedFrom.removeAll() }
        } else {
            // Failures of steps whose actions are all released matter no more.
            let oldestHeldStep = durability.held[durability.head].step
            durability.failedFrom = durability.failedFrom.filter { $0.key >= oldestHeldStep }
        }
        if durability.head > 4_096 {
            let released = durability.head
            durability.held.removeFirst(released)
            durability.head = 0
        }
        let durable = durability.durable
        let ready = durability.waiters.filter { $0.after <= durable }
        durability.waiters.removeAll { $0.after <= durable }
        for waiter in ready { waiter.body(!failed(since: waiter.since, through: waiter.after)) }
    }
}
