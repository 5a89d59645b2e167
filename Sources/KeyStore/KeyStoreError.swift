/// Every way the key store can fail, each with a stable code. Messages name the file and what
/// SQLite said; they never carry key material (nothing the store reads is ever put in one).
public enum KeyStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or its directory) cannot be created or opened.
    case cannotOpen(path: String, reason: String)
    /// The file was written by a newer groupkey: its schema version is above the one we know.
    case newerSchema(found: Int, supported: Int)
    /// SQLite refused a statement (`code` is SQLite's result code).
    case sqlite(code: Int32, message: String)
    /// A row holds what no groupkey writes (wrong length, unknown state): the file was edited
    /// or damaged.
    case corrupt(String)
    /// A counter has no room left for another block.
    case counterExhausted(counter: String, group: String)
    /// A failure injected by a test (the transaction it happened in must leave nothing behind).
    case injected(String)

    public var code: String {
        switch self {
        case .cannotOpen: return "KEYSTORE-OPEN"
        case .newerSchema: return "KEYSTORE-NEWER-SCHEMA"
        case .sqlite: return "KEYSTORE-SQLITE"
        case .corrupt: return "KEYSTORE-CORRUPT"
        case .counterExhausted: return "KEYSTORE-COUNTER-EXHAUSTED"
        case .injected: return "KEYSTORE-INJECTED"
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(code): cannot open state file \(path): \(reason)"
        case .newerSchema(let found, let supported):
            return "\(code): the state file has schema version \(found); this groupkey reads up to \(supported). "
                + "Run the newer groupkey that wrote it, or restore a backup."
        case .sqlite(let code, let message): return "\(self.code): SQLite error \(code): \(message)"
        case .corrupt(let what): return "\(code): \(what)"
        case .counterExhausted(let counter, let group): return "\(code): counter \(counter) of group \(group) is exhausted"
        case .injected(let what): return "\(code): \(what)"
        }
    }
}
