/// Every finding `groupkey validate` can report. The codes are stable: scripts match on them, so
/// a code is never renumbered or reused; new checks get new numbers. GP0xx come from reading
/// the file, GP1xx from the semantic checks.
public enum FindingCode: String, Sendable, CaseIterable, Codable {
    case unreadableFile = "GP000"
    case xmlNotWellFormed = "GP001"
    case xmlDoctypeForbidden = "GP002"
    case xmlEncodingNotUTF8 = "GP003"
    case schemaViolation = "GP004"
    case algorithmNotCarried = "GP101"
    case counterModeWithoutSenderID = "GP102"
    case lifetimeOutOfRange = "GP103"
    case tekOutlivesKEK = "GP104"
    case selectorOverlap = "GP105"
    case rekeyDestinationNotMulticast = "GP106"
    case inlineSecret = "GP107"
    case legacyAlgorithm = "GP108"
    case forbiddenAlgorithm = "GP109"
    case duplicateGroupIdentity = "GP110"
    case danglingReference = "GP111"
    case missingGroupIdentity = "GP112"
    case migrationStateMismatch = "GP113"
    case incompleteTransformSet = "GP114"
    case invalidKeyLength = "GP115"
    case invalidValue = "GP116"
    case duplicateName = "GP117"
    case noRegistrationAuthentication = "GP118"
    case lkhWithoutRekey = "GP119"

    /// Short kebab-case name shown beside the code.
    public var name: String {
        switch self {
        case .unreadableFile: return "unreadable-file"
        case .xmlNotWellFormed: return "xml-not-well-formed"
        case .xmlDoctypeForbidden: return "xml-doctype-forbidden"
        case .xmlEncodingNotUTF8: return "xml-encoding-not-utf8"
        case .schemaViolation: return "schema-violation"
        case .algorithmNotCarried: return "algorithm-not-carried"
        case .counterModeWithoutSenderID: return "counter-mode-without-sender-id"
        case .lifetimeOutOfRange: return "lifetime-out-of-range"
        case .tekOutlivesKEK: return "tek-outlives-kek"
        case .selectorOverlap: return "selector-overlap"
        case .rekeyDestinationNotMulticast: return "rekey-destination-not-multicast"
        case .inlineSecret: return "inline-secret"
        case .legacyAlgorithm: return "legacy-algorithm"
        case .forbiddenAlgorithm: return "forbidden-algorithm"
        case .duplicateGroupIdentity: return "duplicate-group-identity"
        case .danglingReference: return "dangling-reference"
        case .missingGroupIdentity: return "missing-group-identity"
        case .migrationStateMismatch: return "migration-state-mismatch"
        case .incompleteTransformSet: return "incomplete-transform-set"
        case .invalidKeyLength: return "invalid-key-length"
        case .invalidValue: return "invalid-value"
        case .duplicateName: return "duplicate-name"
        case .noRegistrationAuthentication: return "no-registration-authentication"
        case .lkhWithoutRekey: return "lkh-without-rekey"
        }
    }

    public var severity: PolicyFinding.Severity {
        self == .legacyAlgorithm ? .warning : .error
    }

    /// What usually fixes it.
    public var hint: String {
        switch self {
        case .unreadableFile: return "check the path and permissions"
        case .xmlNotWellFormed: return "fix the XML syntax at the line shown (xmllint --noout FILE shows the same)"
        case .xmlDoctypeForbidden: return "remove the DOCTYPE; policies use no DTD or entities"
        case .xmlEncodingNotUTF8: return "save the file as UTF-8 and declare encoding=\"UTF-8\" or nothing"
        case .schemaViolation: return "compare with Policies/groupkey-policy.xsd and the examples in Policies/"
        case .algorithmNotCarried: return "pick an algorithm every served protocol can carry, or stop serving that protocol"
        case .counterModeWithoutSenderID: return "add <sender-id bits=\"16\"/> to the SA (RFC 6054 §3)"
        case .lifetimeOutOfRange: return "use a value inside the range in the message"
        case .tekOutlivesKEK: return "make the rekey lifetime at least the longest TEK lifetime"
        case .selectorOverlap: return "narrow the selectors so each packet belongs to one group"
        case .rekeyDestinationNotMulticast: return "use a multicast destination (224.0.0.0/4 or ff00::/8) or transport=\"unicast\""
        case .inlineSecret: return "move the key to the secrets file and use secret-ref=\"secrets:NAME\""
        case .legacyAlgorithm: return "plan a move to the algorithm named in the message"
        case .forbiddenAlgorithm: return "replace the algorithm; it gives no protection"
        case .duplicateGroupIdentity: return "give each group its own GDOI number and IDg"
        case .danglingReference: return "declare the referenced name, or fix its spelling"
        case .missingGroupIdentity: return "set gdoi-id (GDOI) and/or an <idg> (G-IKEv2)"
        case .migrationStateMismatch: return "make migration and serve agree: legacy=gdoi, dual-stack=both, migrated=gikev2"
        case .incompleteTransformSet: return "add or remove the transform named in the message"
        case .invalidKeyLength: return "use a key length the algorithm defines, or none for fixed-key algorithms"
        case .invalidValue: return "correct the value's syntax"
        case .duplicateName: return "rename one of them"
        case .noRegistrationAuthentication: return "add <psk secret-ref=...> or a <certificate trust-anchor=...>"
        case .lkhWithoutRekey: return "add a <rekey> section or remove <lkh>"
        }
    }
}

/// One problem found in a policy, with where it is and how to fix it.
public struct PolicyFinding: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    public var code: FindingCode
    public var severity: Severity
    public var file: String
    public var line: Int
    public var elementPath: String?
    public var message: String
    public var hint: String

    public init(_ code: FindingCode, file: String, line: Int, elementPath: String?, message: String,
                severity: Severity? = nil, hint: String? = nil) {
        self.code = code
        self.severity = severity ?? code.severity
        self.file = file
        self.line = line
        self.elementPath = elementPath
        self.message = message
        self.hint = hint ?? code.hint
    }

    enum CodingKeys: String, CodingKey {
        case code, name, severity, file, line, elementPath = "path", message, hint
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(code.name, forKey: .name)
        try container.encode(severity, forKey: .severity)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encodeIfPresent(elementPath, forKey: .elementPath)
        try container.encode(message, forKey: .message)
        try container.encode(hint, forKey: .hint)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(FindingCode.self, forKey: .code)
        severity = try container.decode(Severity.self, forKey: .severity)
        file = try container.decode(String.self, forKey: .file)
        line = try container.decode(Int.self, forKey: .line)
        elementPath = try container.decodeIfPresent(String.self, forKey: .elementPath)
        message = try container.decode(String.self, forKey: .message)
        hint = try container.decode(String.self, forKey: .hint)
    }
}
