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

    private let registrations = Counter(label: "groupkey_registrations_total")
    private let registrationFailures = Counter(label: "groupkey_registration_failures_total")
    private let rekeysSent = Counter(label: "groupkey_rekeys_sent_total")
    private let retransmissions = Counter(label: "groupkey_retransmissions_total")
    private let datagramsReceived = Counter(label: "groupkey_datagrams_received_total")
    private let datagramsDropped = Counter(label: "groupkey_datagrams_dropped_total")
    private let cookiesDemanded = Counter(label: "groupkey_cookies_demanded_total")

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
            let counter = byReason[reason] ?? Counter(label: "groupkey_failures_total", dimensions: [("reason", reason)])
            byReason[reason] = counter
            add(counter, count, last.failuresByReason[reason] ?? 0)
        }
        last = now
    }
}
