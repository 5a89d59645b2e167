import CSQLite
import GroupKeyCrypto

/// A value bound to a `?` parameter. Values only ever reach SQLite this way, never spliced into
/// SQL text (https://sqlite.org/c3ref/bind_blob.html).
enum SQLValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    /// Key material: bound from the secret's own buffer; SQLite copies it (SQLITE_TRANSIENT).
    case secret(SecretBytes)
    case null
}

/// SQLite's "copy the value now" destructor sentinel, -1 (sqlite3.h, SQLITE_TRANSIENT).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One open database handle: the thin layer between `KeyStore` and the C API. Not thread-safe by
/// itself; `KeyStore` serializes every use under its lock.
final class SQLiteConnection {
    private let handle: OpaquePointer
    let path: String
    /// Statements prepared once and reused (reset and unbound after each use): the key store runs
    /// the same few statements for every admission, and parsing them again cost more than
    /// running them.
    private var cache: [String: SQLiteStatement] = [:]

    init(path: String) throws(KeyStoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(status)"
            if let db { sqlite3_close_v2(db) }
            throw .cannotOpen(path: path, reason: reason)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        cache.removeAll()  // finalizes them before the handle closes
        sqlite3_close_v2(handle)
    }

    var lastError: KeyStoreError {
        .sqlite(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs SQL without parameters or results (schema, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws(KeyStoreError) {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw lastError }
    }

    func setBusyTimeout(milliseconds: Int32) { sqlite3_busy_timeout(handle, milliseconds) }

    func prepare(_ sql: String) throws(KeyStoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw lastError }
        return SQLiteStatement(statement, connection: self)
    }

    /// The cached statement for `sql`, bound to `values`, for one use; `body` steps it, and it is
    /// reset and unbound afterwards whatever happens (so no bound key stays attached to it).
    private func withStatement<R>(_ sql: String, _ values: [SQLValue],
                                  _ body: (SQLiteStatement) throws(KeyStoreError) -> R) throws(KeyStoreError) -> R {
        let statement: SQLiteStatement
        if let cached = cache[sql] {
            statement = cached
        } else {
            statement = try prepare(sql)
            cache[sql] = statement
        }
        defer { statement.resetAndUnbind() }
        try statement.bind(values)
        return try body(statement)
    }

    /// Runs one statement with `values` bound, stepping it to the end.
    func run(_ sql: String, _ values: [SQLValue] = []) throws(KeyStoreError) {
        try withStatement(sql, values) { statement throws(KeyStoreError) in
            while try statement.step() {}
        }
    }

    /// Every row of a query, each read by `row`.
    func query<Row>(_ sql: String, _ values: [SQLValue] = [],
                    row: (SQLiteStatement) throws(KeyStoreError) -> Row) throws(KeyStoreError) -> [Row] {
        try withStatement(sql, values) { statement throws(KeyStoreError) in
            var rows: [Row] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }
}

/// A prepared statement; finalized when released.
final class SQLiteStatement {
    private let statement: OpaquePointer
    /// Unowned: the connection keeps its cached statements, so a strong reference back would keep
    /// both alive forever (and the database never closed).
    private unowned let connection: SQLiteConnection

    fileprivate init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit { sqlite3_finalize(statement) }

    func bind(_ values: [SQLValue]) throws(KeyStoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite3_bind_int64(statement, index, number)
            case .text(let text): status = sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { raw in
                    // A zero-length blob still binds as a blob, not NULL.
                    sqlite3_bind_blob(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), transient)
                }
            case .secret(let secret):
                status = secret.withUnsafeBytes { raw in
                    sqlite3_bind_blob(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), transient)
                }
            case .null: status = sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw connection.lastError }
        }
    }

    /// Makes the statement ready for its next use and drops its bindings (SQLite frees its copies).
    func resetAndUnbind() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Steps once: true when a row is ready, false when done.
    func step() throws(KeyStoreError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.lastError
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: pointer)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Key material straight from SQLite's buffer into a `SecretBytes`, with no plain array between.
    func secret(_ column: Int32) -> SecretBytes {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return SecretBytes.zeros(count: 0) }
        return SecretBytes(count: count) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: count))
        }
    }
}
