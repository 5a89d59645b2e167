import Foundation
import Glibc

/// Runs `openssl speed` for the same algorithms in the same process run, so each figure of ours
/// stands beside the library's own figure measured under the same load. Ours calls the same
/// library, so a ratio well under 1 is overhead of ours to explain.
enum OpenSSLSpeed {
    /// Bytes per second for `-evp CIPHER -bytes N` (or `-hmac DIGEST` when `hmac` is set).
    static func throughput(evp cipher: String? = nil, aead: Bool = false, hmac digest: String? = nil, bytes: Int, seconds: Int) -> Double? {
        var arguments = ["speed", "-seconds", String(seconds), "-bytes", String(bytes)]
        // -aead: a whole AEAD message each time (IV, AAD, tag), as ours does.
        if aead { arguments.append("-aead") }
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

    /// Runs `openssl` with a clean signal mask. `openssl speed` ends each timed loop with SIGALRM;
    /// a child started from one of our threads would inherit that thread's blocked signals (the
    /// Swift runtime blocks some) and loop forever, so the mask and SIGALRM's disposition are reset
    /// explicitly through posix_spawn attributes.
    private static func run(_ arguments: [String]) -> String? {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), alarm = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&alarm)
        sigaddset(&alarm, SIGALRM)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &alarm)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = (["openssl"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "openssl", &actions, &attributes, argv, environ)
        close(pipe[1])
        defer { close(pipe[0]) }
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
