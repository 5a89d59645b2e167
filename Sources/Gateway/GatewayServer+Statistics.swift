#if canImport(Glibc)
import Glibc
#endif
import EngineCore
import GDOI
import GIKEv2

/// Counters of a running server, each read on the engine's event loop.
extension GatewayServer {
    /// The GCKS's counters, read on its event loop.
    public func statistics() async -> GCKSStatistics {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.engine?.statistics ?? GCKSStatistics() }.get()) ?? GCKSStatistics()
    }

    /// IKE SAs the GCKS holds (half-open and established).
    public func sessionCount() async -> Int {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.engine?.sessionCount ?? 0 }.get()) ?? 0
    }

    /// The GDOI key server's counters, read on its event loop.
    public func gdoiStatistics() async -> GDOIKeyServerStatistics {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.isakmpEngine?.statistics ?? GDOIKeyServerStatistics() }.get())
            ?? GDOIKeyServerStatistics()
    }

    /// The ISAKMP SAs the GDOI key server holds.
    public func gdoiPhase1SAs() async -> [Phase1SA] {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.isakmpEngine?.phase1SAs ?? [] }.get()) ?? []
    }

    /// IKEv1 datagrams dropped for want of a GDOI engine.
    public func ikev1Dropped() async -> Int {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.ikev1Dropped }.get()) ?? 0
    }

    /// Datagrams and stream messages dropped before the engine: not IKE at all, malformed
    /// framing, ESP or NAT-keepalives on an IKE port (EngineDriver).
    public func unclassifiedDropped() async -> Int {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.unclassifiedDropped }.get()) ?? 0
    }

    /// State-file commits so far and the records they wrote (group commit, StateCommitter): the
    /// ratio is how many changes one fsync covered. (0, 0) without a state file.
    public func stateCommits() async -> (commits: Int, records: Int) {
        let driver = self.driver
        let committer = try? await driver.eventLoop.submit { driver.committer }.get()
        return committer?.counts ?? (0, 0)
    }

    /// CPU time the engine's event-loop thread has used, in seconds (CLOCK_THREAD_CPUTIME_ID, read
    /// on that thread): the serial part of the server, whatever the helper threads add.
    public func eventLoopThreadCPUSeconds() async -> Double {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { () -> Double in
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }.get()) ?? 0
    }

    /// IKE_SA_INIT requests whose key agreement was made on a helper thread (keyAgreementThreads).
    public func keyAgreementsPreparedAhead() async -> Int {
        let driver = self.driver
        return (try? await driver.eventLoop.submit { driver.preparedAhead }.get()) ?? 0
    }
}
