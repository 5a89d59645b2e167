import Metrics

/// The counters `groupkey status` reports, exported through swift-metrics so an operator's
/// backend (Prometheus, StatsD, ... whichever the process bootstraps) can scrape them. Without a
/// bootstrapped backend swift-metrics discards them at no cost.
///
/// Engines count in plain integers (they are pure values); this type turns each snapshot into
/// counter increments by the difference since the last one.
final class GatewayMetrics: @unchecked Sendable {
    // @unchecked: `last` is touched only on the server's event loop (ControlService).
    private var last = GatewayCounters()
    private var byReason: [String: Counter] = [:]

    private let factory: any MetricsFactory
    private let registrations: Counter
    private let registrationFailures: Counter
    private let rekeysSent: Counter
    private let retransmissions: Counter
    private let datagramsReceived: Counter
    private let datagramsDropped: Counter
    private let cookiesDemanded: Counter

    /// Counter names, Prometheus style (`_total` for counters).
    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        registrations = Counter(label: "groupkey_registrations_total", factory: factory)
        registrationFailures = Counter(label: "groupkey_registration_failures_total", factory: factory)
        rekeysSent = Counter(label: "groupkey_rekeys_sent_total", factory: factory)
        retransmissions = Counter(label: "groupkey_retransmissions_total", factory: factory)
        datagramsReceived = Counter(label: "groupkey_datagrams_received_total", factory: factory)
        datagramsDropped = Counter(label: "groupkey_datagrams_dropped_total", factory: factory)
        cookiesDemanded = Counter(label: "groupkey_cookies_demanded_total", factory: factory)
    }

    /// Counts the growth from the previous snapshot; counters only grow, so a smaller value (a
    /// restarted engine) starts a new base.
    func update(_ now: GatewayCounters) {
        func add(_ counter: Counter, _ new: Int, _ old: Int) {
            if new > old { counter.increment(by: new - old) }
        }
        add(registrations, now.registrations, last.registrations)
        add(registrationFailures, now.registrationFailures, last.registrationFailures)
        add(rekeysSent, now.rekeysSent, last.rekeysSent)
        add(retransmissions, now.retransmissions, last.retransmissions)
        add(datagramsReceived, now.datagramsReceived, last.datagramsReceived)
        add(datagramsDropped, now.datagramsDropped, last.datagramsDropped)
        add(cookiesDemanded, now.cookiesDemanded, last.cookiesDemanded)
        for (reason, count) in now.failuresByReason {
            let counter = byReason[reason] ?? Counter(label: "groupkey_failures_total", dimensions: [("reason", reason)], factory: factory)
            byReason[reason] = counter
            add(counter, count, last.failuresByReason[reason] ?? 0)
        }
        last = now
    }
}
