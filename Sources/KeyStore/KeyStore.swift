import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The key server's durable state in one SQLite file: the policies in force, TEK epochs, rekey
/// SAs, LKH node keys, members, counters and rekey history (ARCHITECTURE.md, KeyStore).
///
/// The file is the key server's secret store, like charon's: key columns hold the key bytes
/// themselves. It is created with mode 0600 (SQLite gives its -wal and -shm files the same mode),
/// read back only as `SecretBytes`, and nothing read from it is ever logged. Deleted rows are
/// overwritten (`secure_delete`).
///
/// Durability: WAL journal, `synchronous=FULL` (a commit is on disk before the call returns,
/// because what follows it is a datagram a peer will see), and every multi-row change in one
/// transaction, so a crash or error leaves the previous state whole.
///
/// Thread safety: every call runs under one lock; `@unchecked Sendable` for that reason.
public final class KeyStore: @unchecked Sendable {
    public let path: String
    let connection: SQLiteConnection
    /// Recursive: a `batch` holds it while the changes inside it take it again.
    private let lock = NSRecursiveLock()
    /// Test hook: throw `injected` instead of running the N-th statement (1-based) of the next
    /// transactions, counting from when it is set.
    var failAtStatement: Int?
    private var statementsSinceHook = 0

    /// Whether another open `KeyStore` (in this or another process) held the file when this one
    /// opened it. Two key servers on one state file hand out the same numbers and diverge; the
    /// caller warns (SQLite keeps each transaction sound either way).
    public let isSharedWithAnotherHolder: Bool
    /// Descriptor of `<path>.lock`, flock(2)-ed exclusively while this store is open (-1 if not).
    private let lockDescriptor: Int32

    /// Milliseconds SQLite waits for a lock held by another connection before failing.
    public static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Opens (or creates, mode 0600, with its directory 0700) the state file and brings its schema
    /// up to date.
    public init(path: String) throws(KeyStoreError) {
        self.path = path
        try Self.prepareFile(path)
        (lockDescriptor, isSharedWithAnotherHolder) = Self.holdLock(path + ".lock")
        connection = try SQLiteConnection(path: path)
        connection.setBusyTimeout(milliseconds: Self.busyTimeoutMilliseconds)
        let mode = try connection.query("PRAGMA journal_mode=WAL") { $0.text(0) }.first ?? ""
        guard mode.lowercased() == "wal" else { throw .cannotOpen(path: path, reason: "WAL journal refused (\(mode))") }
        try connection.execute("PRAGMA synchronous=FULL")
        try connection.execute("PRAGMA foreign_keys=ON")
        try connection.execute("PRAGMA secure_delete=ON")
        try migrate()
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }  // releases the flock
    }

    /// Takes an exclusive, non-blocking flock on the lock file: (descriptor, whether another
    /// holder had it). Advisory only: it detects a second server, it does not stop it.
    private static func holdLock(_ lockPath: String) -> (Int32, Bool) {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return (-1, false) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return (descriptor, false) }
        return (descriptor, errno == EWOULDBLOCK)
    }

    /// The schema version of the open file.
    public var schemaVersion: Int {
        get throws(KeyStoreError) { try locked { () throws(KeyStoreError) in try userVersion() } }
    }

    /// The schema version this groupkey writes.
    public static var currentSchemaVersion: Int { KeyStoreSchema.current }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws(KeyStoreError) -> String {
        try locked { () throws(KeyStoreError) in
            try connection.query("PRAGMA integrity_check") { $0.text(0) }.joined(separator: "; ")
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it is committed, or (on any error) none.
    /// Inside `batch`, it is part of the batch's transaction.
    func transaction<Result>(_ body: () throws(KeyStoreError) -> Result) throws(KeyStoreError) -> Result {
        try locked { () throws(KeyStoreError) in
            if inBatch { return try body() }
            try connection.execute("BEGIN IMMEDIATE")
            do throws(KeyStoreError) {
                let result = try body()
                try connection.execute("COMMIT")
                return result
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Whether `batch` holds the transaction open (only ever read and written under `lock`).
    private var inBatch = false

    /// Runs several changes (each written as its own transaction would be) in one transaction and
    /// one commit, so one fsync covers them all: all are committed, or (on any error) none.
    public func batch<Result>(_ body: () throws(KeyStoreError) -> Result) throws(KeyStoreError) -> Result {
        try transaction { () throws(KeyStoreError) in
            let outer = inBatch
            inBatch = true
            defer { inBatch = outer }
            return try body()
        }
    }

    /// One statement inside a transaction (counted for the failure-injection hook).
    func run(_ sql: String, _ values: [SQLValue] = []) throws(KeyStoreError) {
        try countStatement()
        try connection.run(sql, values)
    }

    func query<Row>(_ sql: String, _ values: [SQLValue] = [],
                    row: (SQLiteStatement) throws(KeyStoreError) -> Row) throws(KeyStoreError) -> [Row] {
        try connection.query(sql, values, row: row)
    }

    private func countStatement() throws(KeyStoreError) {
        guard let limit = failAtStatement else { return }
        statementsSinceHook += 1
        if statementsSinceHook >= limit {
            failAtStatement = nil
            statementsSinceHook = 0
            throw .injected("statement \(limit)")
        }
    }

    func locked<Result>(_ body: () throws(KeyStoreError) -> Result) throws(KeyStoreError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func userVersion() throws(KeyStoreError) -> Int {
        Int(try connection.query("PRAGMA user_version") { $0.integer(0) }.first ?? 0)
    }

    /// Forward-only migrations, each in its own transaction with its version bump.
    private func migrate() throws(KeyStoreError) {
        let found = try userVersion()
        guard found <= KeyStoreSchema.current else { throw .newerSchema(found: found, supported: KeyStoreSchema.current) }
        for version in (found + 1)..<(KeyStoreSchema.current + 1) {
            try connection.execute("BEGIN IMMEDIATE")
            do throws(KeyStoreError) {
                for statement in KeyStoreSchema.migrations[version - 1] { try connection.execute(statement) }
                // PRAGMA takes no bound parameters; `version` is our own integer.
                try connection.execute("PRAGMA user_version=\(version)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Creates the directory (0700) and the file (0600) before SQLite opens it, and tightens an
    /// existing file that is readable by others.
    private static func prepareFile(_ path: String) throws(KeyStoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch { throw .cannotOpen(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)") }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & 0o077 != 0 {
            guard fchmod(descriptor, 0o600) == 0 else {
                throw .cannotOpen(path: path, reason: "cannot make it private (mode 0600): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Where the state file lives when `serve` is not given `--state`: /var/lib/groupkey/state.db
    /// for root; otherwise $XDG_STATE_HOME/groupkey/state.db, or ~/.local/state/groupkey/state.db
    /// (XDG Base Directory Specification 0.8: $XDG_STATE_HOME defaults to $HOME/.local/state).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment,
                                   userID: UInt32 = getuid()) -> String {
        if userID == 0 { return "/var/lib/groupkey/state.db" }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/groupkey/state.db" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/groupkey/state.db"
    }
}
