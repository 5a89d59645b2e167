import GroupPolicy

/// A secret the operator must put in the secrets store before serving: the policy names it, the
/// export held it (or a key label), and the value is never copied.
public struct SecretToSupply: Sendable, Equatable, Hashable, Codable {
    /// `secrets:NAME` as written in the policy.
    public var reference: String
    public var purpose: String
    public var location: SourceLocation

    public init(reference: String, purpose: String, location: SourceLocation) {
        self.reference = reference
        self.purpose = purpose
        self.location = location
    }
}

/// The outcome for one group: the native policy (nil when refused) and its report section.
public struct GroupReport: Sendable, Equatable, Codable {
    public var name: String
    public var location: SourceLocation
    public var format: ExportFormat
    /// File name of the written policy, relative to the output directory; nil when refused.
    public var outputFile: String?
    public var items: [ReportItem]
    public var secrets: [SecretToSupply]

    public var imported: Bool { outputFile != nil }
    public var needsDecision: Bool { !imported || items.contains { $0.outcome.needsDecision } }
}

/// What the mapper made of one legacy group.
public struct MappedGroup: Sendable, Equatable {
    /// The policy document (the group plus the member lists and trust anchors it refers to),
    /// nil when the group cannot be imported.
    public var document: PolicyDocument?
    public var report: GroupReport
    /// The canonical text of `document`, written once and reused for validation and output.
    var text: String?
}
