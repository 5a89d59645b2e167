/// What one export file gave: its groups, and the items that belong to the file rather than to
/// one group.
public struct LegacyExport: Sendable, Equatable {
    public var file: String
    public var format: ExportFormat
    public var groups: [LegacyGroup]
    public var items: [ReportItem]

    public init(file: String, format: ExportFormat, groups: [LegacyGroup], items: [ReportItem]) {
        self.file = file
        self.format = format
        self.groups = groups
        self.items = items
    }
}
