/// Every report item the importer can produce. Codes are stable (scripts match on them): a code is
/// never renumbered or reused. GI0xx: reading an export; GI1xx: mapping a group; GI2xx: the
/// outcome of a group as a whole.
public enum ImportCode: String, Sendable, CaseIterable, Codable {
    // Reading.
    case unreadableExport = "GI001"
    case malformedXML = "GI002"
    case unrecognisedFormat = "GI003"
    case unknownElement = "GI004"
    case invalidValue = "GI005"
    case missingReference = "GI006"
    case duplicateGroup = "GI007"
    case missingElement = "GI008"
    // Mapping one element.
    case mappedExactly = "GI100"
    case cipherUpgraded = "GI101"
    case algorithmRefused = "GI102"
    case legacyAlgorithmKept = "GI103"
    case denyLineAsBypass = "GI104"
    case unitConverted = "GI105"
    case noEquivalent = "GI106"
    case valueClamped = "GI107"
    case transformAdded = "GI108"
    case secretReferenced = "GI109"
    case operatorInputNeeded = "GI110"
    case selectorNotExpressible = "GI111"
    case defaultApplied = "GI112"
    case protocolAdded = "GI113"
    // A group as a whole.
    case groupImported = "GI200"
    case groupRefused = "GI201"

    /// Short kebab-case name shown beside the code.
    public var name: String {
        switch self {
        case .unreadableExport: return "unreadable-export"
        case .malformedXML: return "malformed-xml"
        case .unrecognisedFormat: return "unrecognised-format"
        case .unknownElement: return "unknown-element"
        case .invalidValue: return "invalid-value"
        case .missingReference: return "missing-reference"
        case .duplicateGroup: return "duplicate-group"
        case .missingElement: return "missing-element"
        case .mappedExactly: return "mapped-exactly"
        case .cipherUpgraded: return "cipher-upgraded"
        case .algorithmRefused: return "algorithm-refused"
        case .legacyAlgorithmKept: return "legacy-algorithm-kept"
        case .denyLineAsBypass: return "deny-line-as-bypass"
        case .unitConverted: return "unit-converted"
        case .noEquivalent: return "no-equivalent"
        case .valueClamped: return "value-clamped"
        case .transformAdded: return "transform-added"
        case .secretReferenced: return "secret-referenced"
        case .operatorInputNeeded: return "operator-input-needed"
        case .selectorNotExpressible: return "selector-not-expressible"
        case .defaultApplied: return "default-applied"
        case .protocolAdded: return "protocol-added"
        case .groupImported: return "group-imported"
        case .groupRefused: return "group-refused"
        }
    }
}

/// What a report item means for the operator.
public enum ImportOutcome: String, Sendable, CaseIterable, Codable, Comparable {
    /// Carried over with the same meaning.
    case exact
    /// Carried over with a different value or shape; the item says why. No action needed.
    case changed
    /// The operator must decide or supply something before the group is served as the device
    /// served it.
    case decision
    /// Not carried over at all (an insecure algorithm, a broken reference); also needs a decision.
    case refused

    var rank: Int {
        switch self {
        case .exact: return 0
        case .changed: return 1
        case .decision: return 2
        case .refused: return 3
        }
    }

    public static func < (lhs: ImportOutcome, rhs: ImportOutcome) -> Bool { lhs.rank < rhs.rank }

    /// Whether the item keeps the import from being clean (exit status 1).
    public var needsDecision: Bool { self == .decision || self == .refused }
}

/// Where in an export something was read: the file as the caller named it, the 1-based line of
/// the element's start tag, and its location path.
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int
    public var path: String

    public init(file: String, line: Int, path: String) {
        self.file = file
        self.line = line
        self.path = path
    }
}

/// One line of the migration report.
public struct ReportItem: Sendable, Equatable, Codable {
    public var code: ImportCode
    public var outcome: ImportOutcome
    public var location: SourceLocation
    public var message: String

    public init(_ code: ImportCode, _ outcome: ImportOutcome, at location: SourceLocation, _ message: String) {
        self.code = code
        self.outcome = outcome
        self.location = location
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case code, name, outcome, file, line, path, message
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(code.name, forKey: .name)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(location.file, forKey: .file)
        try container.encode(location.line, forKey: .line)
        try container.encode(location.path, forKey: .path)
        try container.encode(message, forKey: .message)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(ImportCode.self, forKey: .code)
        outcome = try container.decode(ImportOutcome.self, forKey: .outcome)
        location = SourceLocation(file: try container.decode(String.self, forKey: .file),
                                  line: try container.decode(Int.self, forKey: .line),
                                  path: try container.decode(String.self, forKey: .path))
        message = try container.decode(String.self, forKey: .message)
    }
}
