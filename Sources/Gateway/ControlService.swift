import EngineCore
import Foundation
import GDOI
import GroupKeyCrypto
import GroupState
import Logging
import NIOCore

/// Reads and validates the policies again for a reload; called off the event loop (it reads files
/// and generates keys for new groups).
public typealias GatewayPolicyLoader = @Sendable () throws(GatewayError) -> GroupDirectory

/// Answers control requests (ControlProtocol) for one running server. Lives on the engine's event
/// loop like the engine itself: every request is carried out there, between datagrams, so the
/// engine and the group state never see two writers.
///
/// `@unchecked Sendable`: confined to `driver.eventLoop`; every entry point asserts it.
final class ControlService<Operations: GroupOperations>: @unchecked Sendable
where Operations.Engine: DatagramEngine & Sendable {
    typealias PolicyLoader = GatewayPolicyLoader

    let driver: EngineDriver<Operations.Engine>
    private var operations: Operations
    private let directory: GroupDirectory
    private let loader: PolicyLoader?
    private let listening: [String]
    private let startedAt: EngineTime
    private let metrics: GatewayMetrics
    /// The state file, when there is one: a reload is written to it before it takes effect.
    private let persister: StatePersister?
    /// A reload in progress: a second one waits its turn rather than interleave with it.
    private var reloading = false

    init(driver: EngineDriver<Operations.Engine>, operations: Operations, directory: GroupDirectory,
         loader: PolicyLoader?, listening: [String], metrics: GatewayMetrics, persister: StatePersister? = nil) {
        self.driver = driver
        self.persister = persister
        self.operations = operations
        self.directory = directory
        self.loader = loader
        self.listening = listening
        self.metrics = metrics
        startedAt = driver.clock()
    }

    /// Answers one request line; `reply` is called once, on the event loop.
    func handle(line: [UInt8], reply: @escaping @Sendable (ControlResponse) -> Void) {
        switch ControlProtocol.decodeRequest(line) {
        case .failure(let failure):
            driver.eventLoop.preconditionInEventLoop()
            reply(ControlResponse(error: failure))
        case .success(let request):
            handle(request, reply: reply)
        }
    }

    /// Carries out one decoded request; `reply` is called once, on the event loop.
    func handle(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        driver.eventLoop.preconditionInEventLoop()
        switch request {
        case .status:
            reply(ControlResponse(status: status()))
        case .rekey(let group, let dryRun):
            // The answer goes once the rekey's state is on disk (group commit, EngineDriver+Durability).
            let since = driver.durability.submitted
            let response = rekey(RekeyRequest(group: group, reason: .operatorRequest, dryRun: dryRun))
            driver.whenDurable(since: since) { stored in reply(Self.unlessUnstored(response, stored: stored)) }
        case .evict(let group, let members, let dryRun):
            let since = driver.durability.submitted
            let response = rekey(RekeyRequest(group: group, evicting: members, reason: .eviction, dryRun: dryRun))
            driver.whenDurable(since: since) { stored in reply(Self.unlessUnstored(response, stored: stored)) }
        case .reload:
            reload(reply: reply)
        }
    }

    /// `response`, or CTL-NOT-STORED when a state change the operation made could not be written.
    static func unlessUnstored(_ response: ControlResponse, stored: Bool) -> ControlResponse {
        guard !stored else { return response }
        return ControlResponse(error: ControlFailure(.notStored, "carried out, but the state file could not take the change "
                                                     + "(server log: GW-PERSIST-FAILED); a restart would not know it"))
    }

    func status() -> ServerStatus {
        driver.eventLoop.preconditionInEventLoop()
        let now = driver.clock()
        // Read only: the engine is looked at, not run (no `operate`, whose step also hands rekeys over).
        var groups: [GroupStatus] = []
        var counters = GatewayCounters()
        if let engine = driver.engine {
            groups = operations.groupStatus(engine: engine, now: now)
            counters = operations.counters(engine: engine)
        }
        counters = withDriverCounters(counters)
        metrics.update(counters)
        return ServerStatus(uptimeSeconds: now.milliseconds(since: startedAt) / 1000, listening: listening,
                            groups: groups, counters: counters)
    }

    /// Brings the swift-metrics counters up to date (called periodically; cheap: no group walk).
    func refreshMetrics() {
        driver.eventLoop.preconditionInEventLoop()
        let counters = driver.engine.map { operations.counters(engine: $0) } ?? GatewayCounters()
        metrics.update(withDriverCounters(counters))
    }

    /// Adds what the driver counts before and around the engine.
    private func withDriverCounters(_ engineCounters: GatewayCounters) -> GatewayCounters {
        var counters = engineCounters
        counters.failuresByReason.merge(driver.warningsByCode, uniquingKeysWith: +)
        counters.datagramsDropped += driver.ikev1Dropped + driver.unclassifiedDropped + driver.refusedWhileStoring
        counters.rekeysSent += driver.rekeysSent
        if let keyServer = driver.isakmpEngine {
            let phase1 = keyServer.statistics
            let push = keyServer.distributor?.statistics ?? GDOIRekeyDistributor.Statistics()
            counters.gdoi = GDOICounters(phase1SAs: keyServer.establishedCount, phase1Established: phase1.phase1Established,
                                         phase1Failures: phase1.phase1Failures, pulls: driver.gdoiRegistrations,
                                         pushesSent: push.pushesSent, pushRetransmissions: push.pushRetransmissions,
                                         acksReceived: push.acksReceived, acksMissed: push.acksMissed,
                                         membersEvictedForMissedAcks: push.membersEvictedForMissedAcks,
                                         datagramsReceived: phase1.datagramsReceived, datagramsDropped: phase1.datagramsDropped)
        }
        return counters
    }

    private func rekey(_ request: RekeyRequest) -> ControlResponse {
        do {
            let preview = try driver.operate { (engine, now) throws(ControlFailure) in
                let outcome = try operations.rekey(request, engine: &engine, now: now)
                return (outcome.preview, outcome.actions)
            }
            guard let preview else { return ControlResponse(error: ControlFailure(.internalError, "the server is stopping")) }
            if !request.dryRun {
                driver.logger.notice("operator rekey", metadata: ["code": "GW-OPERATOR-REKEY", "group": "\(request.group)",
                                                                  "evicted": "\(preview.evicted.joined(separator: " "))"])
            }
            return ControlResponse(rekey: preview)
        } catch {
            return ControlResponse(error: error)
        }
    }

    /// Loads the policies off the loop, then applies them here; a reload that fails validation
    /// changes nothing.
    func reload(reply: @escaping @Sendable (ControlResponse) -> Void) {
        driver.eventLoop.preconditionInEventLoop()
        guard let loader else {
            reply(ControlResponse(reload: ReloadReport(applied: false, diagnostics: ["this server was started without a policy source to reload"])))
            return
        }
        guard !reloading else {
            reply(ControlResponse(error: ControlFailure(.unsupported, "a reload is already in progress; try again")))
            return
        }
        reloading = true
        let loop = driver.eventLoop
        Task.detached { [self] in
            let loaded: Result<GroupDirectory, GatewayError>
            do throws(GatewayError) { loaded = .success(try loader()) } catch { loaded = .failure(error) }
            loop.execute { [self] in
                reloading = false
                let since = driver.durability.submitted
                let report = apply(loaded)
                driver.whenDurable(since: since) { stored in reply(Self.unlessUnstored(ControlResponse(reload: report), stored: stored)) }
            }
        }
    }

    private func apply(_ loaded: Result<GroupDirectory, GatewayError>) -> ReloadReport {
        driver.eventLoop.preconditionInEventLoop()
        let fresh: GroupDirectory
        switch loaded {
        case .failure(let error):
            driver.logger.warning("reload refused", metadata: ["code": "GW-RELOAD-REFUSED", "reason": "\(error)"])
            return ReloadReport(applied: false, diagnostics: ["\(error)"])
        case .success(let directory): fresh = directory
        }
        let current = directory.snapshot
        let plan: ReloadPlan
        var next: [GroupState]
        switch ReloadPlan.between(current: current, loaded: fresh.snapshot).flatMap({ plan in plan.apply(to: current).map { (plan, $0) } }) {
        case .failure(let failure):
            driver.logger.warning("reload refused", metadata: ["code": "GW-RELOAD-REFUSED", "reason": "\(failure.message)"])
            return ReloadReport(applied: false, diagnostics: [failure.message])
        case .success(let (computed, groups)):
            plan = computed
            next = groups
        }
        // A group the reload adds may be one the state file kept while it was not served: it comes
        // back with its stored keys, tree and members, as a restart would bring it (StateFile).
        if let persister, !plan.added.isEmpty {
            let addedNames = Set(plan.added.map(\.name))
            do {
                next = try next.map { group in
                    guard addedNames.contains(group.name),
                          let (stored, _) = try StateFile.stored(group, in: persister.store, random: SystemRandom(),
                                                                 nowMilliseconds: driver.clock().milliseconds, logger: driver.logger)
                    else { return group }
                    driver.logger.info("group back from the state file", metadata: ["code": "GW-STATE-RESTORED", "group": "\(group.name)"])
                    return stored
                }
            } catch {
                driver.logger.error("reload refused: the state file could not be read", metadata: [
                    "code": "GW-RELOAD-REFUSED", "reason": "\(error)"])
                return ReloadReport(applied: false, diagnostics: ["\(error)"])
            }
        }
        // The state file first, in one transaction, so it never lags the policies served (the next
        // start compares them with the stored ones) and precedes any rekey sent below; if it cannot
        // be written the reload is refused and nothing changes.
        if let persister {
            let changedNames = Dictionary(plan.changed.filter { !$0.aspects.isEmpty }.map { ($0.name, $0.aspects) },
                                          uniquingKeysWith: { first, _ in first })
            let addedNames = Set(plan.added.map(\.name))
            do throws(GatewayError) {
                try persister.persistReload(added: next.filter { addedNames.contains($0.name) },
                                            changed: next.compactMap { group in changedNames[group.name].map { (group, $0) } })
            } catch {
                driver.logger.error("reload refused: the state file was not written", metadata: [
                    "code": "GW-RELOAD-REFUSED", "reason": "\(error)"])
                return ReloadReport(applied: false, diagnostics: ["\(error)"])
            }
        }
        directory.replaceAll { _, _ in (next, fresh.memberLists) }
        var report = ReloadReport(applied: true, added: plan.added.map(\.name), removed: plan.removed,
                                  unchanged: plan.unchanged)
        for name in plan.removed {
            _ = try? driver.operate { (engine, now) throws(ControlFailure) in ((), operations.groupRemoved(name, engine: &engine, now: now)) }
        }
        for change in plan.changed where !change.aspects.isEmpty {
            var rekey = "not needed"
            if change.needsRekey {
                switch self.rekey(RekeyRequest(group: change.name, reason: .policyChange, dryRun: false)) {
                case let response where response.ok: rekey = "sent"
                case let response: rekey = "needed, not sent: \(response.error?.message ?? "unknown")"
                }
            }
            report.changed.append(ReloadedGroup(name: change.name, aspects: change.aspects, rekey: rekey))
        }
        driver.logger.notice("policies reloaded", metadata: [
            "code": "GW-RELOADED", "added": "\(report.added.joined(separator: " "))", "removed": "\(report.removed.joined(separator: " "))",
            "changed": "\(report.changed.map(\.name).joined(separator: " "))"])
        return report
    }
}
