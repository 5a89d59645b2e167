/// The migration report: per export file, what was read; per group, what mapped exactly, what
/// changed and why, what needs an operator's decision, and which secrets to supply. Every item
/// carries its source file and line. Encodable as JSON; `text` renders it for people.
public struct MigrationReport: Sendable, Equatable, Codable {
    public struct FileSection: Sendable, Equatable, Codable {
        public var file: String
        /// nil when the file could not be read at all.
        public var format: ExportFormat?
        public var groups: Int
        public var items: [ReportItem]

        public init(file: String, format: ExportFormat?, groups: Int, items: [ReportItem]) {
            self.file = file
            self.format = format
            self.groups = groups
            self.items = items
        }
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var files: Int
        public var groupsFound: Int
        public var groupsImported: Int
        public var groupsRefused: Int
        public var itemsNeedingDecision: Int
        public var secretsToSupply: Int
        public var exitStatus: Int32
    }

    public var files: [FileSection]
    public var groups: [GroupReport]
    public var summary: Summary

    public init(files: [FileSection], groups: [GroupReport]) {
        self.files = files
        self.groups = groups
        let imported = groups.filter(\.imported).count
        let decisions = groups.reduce(0) { $0 + $1.items.filter { $0.outcome.needsDecision }.count }
            + files.reduce(0) { $0 + $1.items.filter { $0.outcome.needsDecision }.count }
        let status: Int32 = imported == 0 ? 2 : (decisions > 0 || imported < groups.count ? 1 : 0)
        summary = Summary(files: files.count, groupsFound: groups.count, groupsImported: imported,
                          groupsRefused: groups.count - imported, itemsNeedingDecision: decisions,
                          secretsToSupply: Set(groups.flatMap { $0.secrets.map(\.reference) }).count, exitStatus: status)
    }

    /// The CLI's exit status: 0 clean, 1 imported with findings needing a decision, 2 nothing
    /// importable.
    public var exitStatus: Int32 { summary.exitStatus }

    /// Plain text, grouped by outcome inside each group so decisions stand out.
    public var text: String {
        var lines: [String] = ["groupkey import: migration report", ""]
        for file in files {
            lines.append("export \(file.file): \(file.format?.rawValue ?? "unreadable"), \(file.groups) group(s)")
            for item in file.items { lines.append("  " + Self.line(item)) }
        }
        for group in groups {
            lines.append("")
            let verdict = group.outputFile.map { "imported -> \($0)" } ?? "NOT IMPORTED"
            lines.append("group \(group.name) (\(group.format.rawValue), \(group.location.file):\(group.location.line)): \(verdict)")
            for outcome in [ImportOutcome.refused, .decision, .changed, .exact] {
                let selected = group.items.filter { $0.outcome == outcome }
                guard !selected.isEmpty else { continue }
                lines.append("  \(Self.heading(outcome)):")
                for item in selected { lines.append("    " + Self.line(item)) }
            }
            if !group.secrets.isEmpty {
                lines.append("  secrets to supply (the policy names them; put their values in the secrets file):")
                for secret in group.secrets {
                    lines.append("    \(secret.reference): \(secret.purpose) (\(secret.location.file):\(secret.location.line))")
                }
            }
        }
        lines.append("")
        let s = summary
        lines.append("\(s.files) export(s), \(s.groupsFound) group(s): \(s.groupsImported) imported, \(s.groupsRefused) not imported, "
                     + "\(s.itemsNeedingDecision) item(s) need a decision, \(s.secretsToSupply) secret(s) to supply; exit \(s.exitStatus)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func heading(_ outcome: ImportOutcome) -> String {
        switch outcome {
        case .refused: return "refused (not carried over; decide what to do)"
        case .decision: return "needs a decision"
        case .changed: return "changed (and why)"
        case .exact: return "mapped exactly"
        }
    }

    static func line(_ item: ReportItem) -> String {
        "\(item.location.file):\(item.location.line): \(item.code.rawValue) \(item.code.name): \(item.message)"
    }
}
