/// Times an operation the way `openssl speed` does (as many calls as fit in a time slice), several
/// times, and keeps the median: machines here are shared and noisy, and the median of a few
/// slices is stable where a single slice is not.
struct BenchmarkRunner {
    let secondsPerRun: Double
    let runs: Int

    /// Calls per second, median over `runs` slices. `body` is one operation.
    func operationsPerSecond(_ body: () throws -> Void) rethrows -> Double {
        try body()  // warm up caches and lazily fetched OpenSSL objects
        var rates: [Double] = []
        for _ in 0..<runs { rates.append(try slice(body)) }
        return Self.median(rates)
    }

    /// A figure of ours and the peer's figure for the same work, measured in alternation (ours,
    /// then the peer's, `runs` times), so both see the same load; the ratio is the median of the
    /// per-pair ratios, which is steadier on a shared machine than the ratio of two medians.
    struct Paired {
        let ours: Double
        let reference: Double?
        let ratio: Double?
    }

    func paired(scale: Double = 1, _ body: () throws -> Void, reference: (() -> Double?)?) rethrows -> Paired {
        try body()
        var ours: [Double] = [], theirs: [Double] = [], ratios: [Double] = []
        for _ in 0..<runs {
            let mine = try slice(body) * scale
            ours.append(mine)
            if let peer = reference?(), peer > 0 {
                theirs.append(peer)
                ratios.append(mine / peer)
            }
        }
        return Paired(ours: Self.median(ours), reference: theirs.isEmpty ? nil : Self.median(theirs),
                      ratio: ratios.isEmpty ? nil : Self.median(ratios))
    }

    private func slice(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var count = 0
        let start = clock.now
        let budget = Duration.milliseconds(Int64(secondsPerRun * 1000))
        var elapsed = Duration.zero
        while elapsed < budget {
            // Check the clock every 16 calls so reading it does not dominate fast operations.
            for _ in 0..<16 { try body() }
            count += 16
            elapsed = clock.now - start
        }
        return Double(count) / elapsed.seconds
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
