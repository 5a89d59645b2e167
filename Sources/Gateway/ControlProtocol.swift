import Foundation

/// The control protocol between `groupkey serve` and `groupkey status|rekey|evict|reload`, over
/// the server's Unix socket (ControlServer). Version 1:
///
/// - One request per connection line: a JSON object, UTF-8, terminated by `\n`, at most
///   `ControlProtocol.maximumLineLength` octets. One response line answers each request, in
///   order; the client may send several requests on one connection.
/// - Requests:
///   `{"version":1,"command":"status"}`
///   `{"version":1,"command":"rekey","group":"G","dryRun":true}`
///   `{"version":1,"command":"evict","group":"G","members":["m1","m2"],"dryRun":false}`
///   `{"version":1,"command":"reload"}`
///   (`dryRun` defaults to false; unknown keys are ignored, so later versions may add fields.)
/// - Responses: `{"version":1,"ok":true,"status":{...}}`, `...,"rekey":{...}}` (rekey and
///   evict), `...,"reload":{...}}`, or `{"version":1,"ok":false,"error":{"code":"CTL-...",
///   "message":"..."}}`. Codes are stable (`ControlFailure.Code`).
/// - A request of a higher version is refused with CTL-VERSION; a line that is not a request with
///   CTL-MALFORMED; an over-long line with CTL-TOO-LARGE, after which the server closes the
///   connection (it cannot find the next line boundary it did not read).
public enum ControlProtocol {
    public static let version = 1
    /// Requests are tiny (an eviction list of a few hundred identities at most); anything larger is
    /// refused before it is parsed.
    public static let maximumLineLength = 64 * 1024
    /// Members one evict request may name (one batched rekey, RFC 2627 §5.4 batching).
    public static let maximumEvictedMembers = 1_000

    /// Parses one request line (without its `\n`).
    public static func decodeRequest(_ line: [UInt8]) -> Result<ControlRequest, ControlFailure> {
        guard line.count <= maximumLineLength else {
            return .failure(ControlFailure(.tooLarge, "a request is at most \(maximumLineLength) octets"))
        }
        let wire: WireRequest
        do { wire = try JSONDecoder().decode(WireRequest.self, from: Data(line)) } catch {
            return .failure(ControlFailure(.malformed, "not a JSON control request: \(Self.shortReason(error))"))
        }
        guard wire.version >= 1 else { return .failure(ControlFailure(.malformed, "version \(wire.version) does not exist")) }
        guard wire.version <= version else {
            return .failure(ControlFailure(.version, "request version \(wire.version); this server speaks \(version)"))
        }
        let dryRun = wire.dryRun ?? false
        switch wire.command {
        case "status":
            return .success(.status)
        case "reload":
            return .success(.reload)
        case "rekey":
            guard let group = wire.group, !group.isEmpty else { return .failure(ControlFailure(.malformed, "rekey needs a group")) }
            return .success(.rekey(group: group, dryRun: dryRun))
        case "evict":
            guard let group = wire.group, !group.isEmpty else { return .failure(ControlFailure(.malformed, "evict needs a group")) }
            guard let members = wire.members, !members.isEmpty, !members.contains(where: \.isEmpty) else {
                return .failure(ControlFailure(.malformed, "evict needs one or more non-empty member identities"))
            }
            guard members.count <= maximumEvictedMembers else {
                return .failure(ControlFailure(.tooLarge, "at most \(maximumEvictedMembers) members per eviction"))
            }
            return .success(.evict(group: group, members: members, dryRun: dryRun))
        default:
            return .failure(ControlFailure(.unknownCommand, "unknown command \(wire.command.debugDescription)"))
        }
    }

    /// The request as one line, `\n` included.
    public static func encode(_ request: ControlRequest) -> [UInt8] {
        var wire = WireRequest(version: version, command: request.command)
        switch request {
        case .status, .reload:
            break
        case .rekey(let group, let dryRun):
            wire.group = group
            wire.dryRun = dryRun
        case .evict(let group, let members, let dryRun):
            wire.group = group
            wire.members = members
            wire.dryRun = dryRun
        }
        return line(wire)
    }

    /// The response as one line, `\n` included.
    public static func encode(_ response: ControlResponse) -> [UInt8] { line(response) }

    /// Parses one response line.
    public static func decodeResponse(_ line: [UInt8]) -> Result<ControlResponse, ControlFailure> {
        do { return .success(try JSONDecoder().decode(ControlResponse.self, from: Data(line))) } catch {
            return .failure(ControlFailure(.malformed, "the server's answer is not a control response: \(shortReason(error))"))
        }
    }

    private static func line(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Our own Codable values always encode; the fallback keeps the line protocol intact.
        let data = (try? encoder.encode(value)) ?? Data(#"{"version":1,"ok":false,"error":{"code":"CTL-INTERNAL","message":"unencodable"}}"#.utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// DecodingError descriptions carry whole coding paths; one short clause is enough here.
    private static func shortReason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "unreadable"
        }
    }

    /// The request as it travels.
    private struct WireRequest: Codable {
        var version: Int
        var command: String
        var group: String?
        var members: [String]?
        var dryRun: Bool?
    }
}

/// One operator request.
public enum ControlRequest: Equatable, Sendable {
    case status
    case rekey(group: String, dryRun: Bool)
    case evict(group: String, members: [String], dryRun: Bool)
    case reload

    public var command: String {
        switch self {
        case .status: return "status"
        case .rekey: return "rekey"
        case .evict: return "evict"
        case .reload: return "reload"
        }
    }
}

/// One answer; exactly one of `error`, `status`, `rekey`, `reload` is present.
public struct ControlResponse: Codable, Sendable, Equatable {
    public var version: Int
    public var ok: Bool
    public var error: ControlFailure?
    public var status: ServerStatus?
    public var rekey: RekeyPreview?
    public var reload: ReloadReport?

    public init(status: ServerStatus) {
        self.init(ok: true)
        self.status = status
    }

    public init(rekey: RekeyPreview) {
        self.init(ok: true)
        self.rekey = rekey
    }

    public init(reload: ReloadReport) {
        self.init(ok: reload.applied)
        self.reload = reload
    }

    public init(error: ControlFailure) {
        self.init(ok: false)
        self.error = error
    }

    private init(ok: Bool) {
        version = ControlProtocol.version
        self.ok = ok
    }
}

/// Why a request was refused, with a stable code operators and scripts can match.
public struct ControlFailure: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        case malformed = "CTL-MALFORMED"
        case tooLarge = "CTL-TOO-LARGE"
        case version = "CTL-VERSION"
        case unknownCommand = "CTL-UNKNOWN-COMMAND"
        case unknownGroup = "CTL-UNKNOWN-GROUP"
        case unknownMember = "CTL-UNKNOWN-MEMBER"
        /// The engine cannot carry this operation out (yet): nothing changed.
        case unsupported = "CTL-UNSUPPORTED"
        /// The reloaded policies do not validate: nothing changed.
        case invalidPolicy = "CTL-INVALID-POLICY"
        case internalError = "CTL-INTERNAL"
        /// The operation was carried out in memory, but the state file could not take it (the
        /// server log names the error, GW-PERSIST-FAILED); a restart would not know it.
        case notStored = "CTL-NOT-STORED"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
