/// What `validate` returns: every finding, plus the files that could be read (for `policy show`
/// and for callers that go on to serve the policies).
public struct PolicyValidationReport: Sendable {
    public var files: [LoadedPolicyFile]
    public var findings: [PolicyFinding]

    public var errorCount: Int { findings.filter { $0.severity == .error }.count }
    public var warningCount: Int { findings.filter { $0.severity == .warning }.count }
    public var isValid: Bool { errorCount == 0 }
}

/// Offline validation: XSD first, then the semantic checks, over a set of files that will be
/// served together (cross-file checks need them all at once). Never throws and never stops at
/// the first problem.
public enum PolicyValidator {
    /// One input: a name for diagnostics and the file's bytes (reading the file is the caller's
    /// business, so this module stays free of I/O).
    public struct Input: Sendable {
        public var name: String
        public var bytes: [UInt8]

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    public static func validate(_ inputs: [Input]) -> PolicyValidationReport {
        var files: [LoadedPolicyFile] = []
        var findings: [PolicyFinding] = []
        for input in inputs {
            let (loaded, fileFindings) = PolicyReader.load(input.bytes, file: input.name)
            findings += fileFindings
            if let loaded { files.append(loaded) }
        }
        findings += validate(loaded: files)
        return PolicyValidationReport(files: files, findings: sorted(findings, inputOrder: inputs.map(\.name)))
    }

    /// The semantic checks alone, over files already read.
    public static func validate(loaded files: [LoadedPolicyFile]) -> [PolicyFinding] {
        var findings: [PolicyFinding] = []
        for file in files {
            for (index, group) in file.document.groups.enumerated() {
                var check = GroupCheck(file: file, index: index, group: group)
                check.run()
                findings += check.findings
            }
        }
        var crossGroup = CrossGroupCheck(files: files)
        findings += crossGroup.run()
        return findings
    }

    /// Input order of files, then line, then code: stable output for people and for diffs.
    static func sorted(_ findings: [PolicyFinding], inputOrder: [String]) -> [PolicyFinding] {
        var rank: [String: Int] = [:]
        for (index, name) in inputOrder.enumerated() where rank[name] == nil { rank[name] = index }
        return findings.enumerated().sorted { lhs, rhs in
            let (a, b) = (lhs.element, rhs.element)
            let (ra, rb) = (rank[a.file] ?? Int.max, rank[b.file] ?? Int.max)
            if ra != rb { return ra < rb }
            if a.line != b.line { return a.line < b.line }
            if a.code != b.code { return a.code.rawValue < b.code.rawValue }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}
