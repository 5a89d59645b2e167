import Foundation

/// Runs `openssl speed` for the same algorithms in the same process run, so each figure of ours
/// stands beside the library's own figure measured under the same load. Ours calls the same
/// library, so a ratio well under 1 is overhead of ours to explain.
enum OpenSSLSpeed {
    /// Bytes per second for `-evp CIPHER -bytes N` (or `-hmac DIGEST` when `hmac` is set).
    static func throughput(evp cipher: String? = nil, hmac digest: String? = nil, bytes: Int, seconds: Int) -> Double? {
        var arguments = ["speed", "-seconds", String(seconds), "-bytes", String(bytes)]
        if let cipher { arguments += ["-evp", cipher] }
        if let digest { arguments += ["-hmac", digest] }
        guard let output = run(arguments) else { return nil }
        // The result row is "<name> <value>k" in 1000s of bytes per second.
        for line in output.split(separator: "\n").reversed() {
            guard let last = line.split(separator: " ").last, last.hasSuffix("k"),
                  let thousands = Double(last.dropLast()) else { continue }
            return thousands * 1000
        }
        return nil
    }

    /// Operations per second of a key agreement (`ffdh2048`, `ecdhp256`, `ecdhx25519`, ...): the
    /// last number of its result row, which counts derive operations only.
    static func agreements(_ test: String, seconds: Int) -> Double? {
        guard let output = run(["speed", "-seconds", String(seconds), test]) else { return nil }
        for line in output.split(separator: "\n").reversed() where line.contains(" bits ") {
            if let last = line.split(separator: " ").last, let rate = Double(last) { return rate }
        }
        return nil
    }

    private static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
