/// Times an operation the way `openssl speed` does (as many calls as fit in a time slice), several
/// times, and keeps the median: machines here are shared and noisy, and the median of a few
/// slices is stable where a single slice is not.
struct BenchmarkRunner {
    let secondsPerRun: Double
    let runs: Int

    /// Calls per second, median over `runs` slices. `body` is one operation.
    func operationsPerSecond(_ body: () throws -> Void) rethrows -> Double {
        var rates: [Double] = []
        let clock = ContinuousClock()
        try body()  // warm up caches and lazily fetched OpenSSL objects
        for _ in 0..<runs {
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
            rates.append(Double(count) / elapsed.seconds)
        }
        return Self.median(rates)
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
