import GroupPolicy
import XMLSupport

/// One export to import: a name for the report (the path the operator gave) and its bytes.
public struct ExportInput: Sendable {
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// One native policy file the import produces.
public struct PolicyOutput: Sendable, Equatable {
    /// File name inside the output directory.
    public var fileName: String
    public var document: PolicyDocument
    /// The canonical text (PolicyWriter), so a re-import writes the same bytes.
    public var text: String
}

/// Everything an import produces: pure values; writing files is the caller's business.
public struct ImportResult: Sendable {
    public var policies: [PolicyOutput]
    public var report: MigrationReport
    /// Where the time went, for `groupkey bench import`.
    public var timings: ImportTimings
}

/// Wall-clock time of each import phase.
public struct ImportTimings: Sendable, Equatable {
    /// Parsing the exports and reading them into the legacy model.
    public var read: Duration = .zero
    /// Mapping groups to policies and writing each policy's canonical text.
    public var mapAndWrite: Duration = .zero
    /// Duplicate names and identities, file names, overlapping traffic.
    public var resolve: Duration = .zero
    /// Making sure every written policy validates (`OutputCheck`).
    public var check: Duration = .zero
    /// Assembling the policies and the report.
    public var report: Duration = .zero
}

/// Vendor XML export bytes -> legacy GDOI model -> native policies + migration report.
public enum GDOIImporter {
    /// Reads every export, maps every group, and checks the outputs with the policy validator
    /// (the checks `groupkey validate` runs, as `check` says): a group whose policy would not
    /// validate is refused with the validator's findings, so what is written always validates.
    /// Exports are read, and groups mapped and written, in parallel; results keep input order.
    public static func run(_ inputs: [ExportInput], from format: ExportFormat? = nil,
                           check: OutputCheck = .modelAndSchema) -> ImportResult {
        let clock = ContinuousClock()
        var timings = ImportTimings()
        var start = clock.now
        func lap() -> Duration {
            let now = clock.now
            defer { start = now }
            return now - start
        }

        let readings = ParallelMap.map(inputs) { input -> Result<LegacyExport, GDOIImportError> in
            do throws(GDOIImportError) {
                return .success(try read(input, from: format))
            } catch {
                return .failure(error)
            }
        }
        var exports: [LegacyExport] = []
        var fileItems: [ReportItem] = []
        for reading in readings {
            switch reading {
            case .success(let export): exports.append(export)
            case .failure(let error): fileItems.append(ReportItem(error.code, .refused, at: error.location, error.message))
            }
        }
        timings.read = lap()

        // (export, group, refusal) per group, so the parallel map reads each group in place.
        let positions = exports.indices.flatMap { export in exports[export].groups.indices.map { (export, $0) } }
        let jobs = zip(positions, duplicates(exports)).map { ($0.0, $0.1, $1) }
        let readExports = exports
        var mapped = ParallelMap.map(jobs) { export, index, duplicate -> MappedGroup in
            let group = readExports[export].groups[index]
            guard let duplicate else {
                var result = PolicyMapper.map(group)
                result.text = result.document.map(PolicyWriter.write)
                return result
            }
            return MappedGroup(document: nil, report: GroupReport(name: group.name, location: group.location, format: group.format,
                                                                  outputFile: nil, items: group.notes + [duplicate], secrets: []))
        }
        timings.mapAndWrite = lap()
        assignFileNames(&mapped)
        resolveOverlaps(&mapped)
        timings.resolve = lap()
        validate(&mapped, check: check)
        timings.check = lap()

        let policies = mapped.compactMap { group -> PolicyOutput? in
            guard let document = group.document, let file = group.report.outputFile, let text = group.text else { return nil }
            return PolicyOutput(fileName: file, document: document, text: text)
        }
        let fileSections = inputs.map { input in
            let export = exports.first { $0.file == input.name }
            return MigrationReport.FileSection(file: input.name, format: export?.format,
                                               groups: export?.groups.count ?? 0,
                                               items: (export?.items ?? []) + fileItems.filter { $0.location.file == input.name })
        }
        let report = MigrationReport(files: fileSections, groups: mapped.map(\.report))
        timings.report = lap()
        return ImportResult(policies: policies, report: report, timings: timings)
    }

    /// Parses one export and hands it to the reader its root element (or `--from`) selects.
    public static func read(_ input: ExportInput, from format: ExportFormat? = nil) throws(GDOIImportError) -> LegacyExport {
        let root: XMLElementNode
        do {
            root = try SafeXMLParser.parseElements(input.bytes, file: input.name)
        } catch {
            let first = error.diagnostics.first
            throw .malformedXML(file: input.name, line: first?.line ?? 0, message: "\(error.code) \(first?.message.trimmingWhitespace ?? "")")
        }
        guard let detected = detect(root) else {
            throw .unrecognisedFormat(file: input.name, line: root.line, root: root.name)
        }
        if let format, format != detected { throw .formatMismatch(file: input.name, expected: format, root: root.name) }
        switch detected {
        case .cisco: return CiscoExportReader.read(root, file: input.name)
        case .junos: return JunosExportReader.read(root, file: input.name)
        case .gdoiXML: return NeutralExportReader.read(root, file: input.name)
        }
    }

    /// The export shape from the root element: Cisco's native namespace, Junos's
    /// `configuration`/`group-vpn`, or the neutral format's namespace.
    static func detect(_ root: XMLElementNode) -> ExportFormat? {
        switch root.name {
        case "native": return .cisco
        case "gdoi-export": return .gdoiXML
        case "configuration", "group-vpn", "security": return .junos
        case "rpc-reply", "data":
            let data = root.name == "data" ? root : root.child(named: "data")
            if data?.child(named: "native") != nil { return .cisco }
            // Junos: <get-configuration> answers <rpc-reply><configuration>, NETCONF <get-config>
            // answers <rpc-reply><data><configuration>.
            if root.child(named: "configuration") != nil || data?.child(named: "configuration") != nil { return .junos }
            return nil
        default: return nil
        }
    }

    /// Group names and GDOI numbers name one group each, across gdoi and gkm lists and across
    /// files: the first keeps it, later ones are refused with both locations.
    static func uniqueGroups(_ exports: [LegacyExport]) -> [(LegacyGroup, ReportItem?)] {
        Array(zip(exports.flatMap(\.groups), duplicates(exports)))
    }

    /// For every group of every export, in order: nil when the group is the first to use its
    /// name and number, else the item refusing it. Groups themselves are not copied (they are
    /// large values, and an export can hold thousands).
    static func duplicates(_ exports: [LegacyExport]) -> [ReportItem?] {
        var items: [ReportItem?] = []
        var byName: [String: SourceLocation] = [:]
        var byNumber: [UInt64: SourceLocation] = [:]
        for export in exports {
            for group in export.groups {
                var clash: String?
                if let first = byName[group.name.policyNameSafe] {
                    clash = "the group name \(group.name) is already used at \(first.file):\(first.line)"
                } else if case .number(let number) = group.identity.value, let first = byNumber[number] {
                    clash = "identity \(number) is already used by the group at \(first.file):\(first.line)"
                }
                if let clash {
                    items.append(ReportItem(.duplicateGroup, .refused, at: group.location,
                                            "\(clash) (Cisco gdoi and gkm groups, and every export imported together, share one namespace); this definition is not imported"))
                } else {
                    byName[group.name.policyNameSafe] = group.location
                    if case .number(let number) = group.identity.value { byNumber[number] = group.identity.location }
                    items.append(nil)
                }
            }
        }
        return items
    }

    static func assignFileNames(_ mapped: inout [MappedGroup]) {
        for index in mapped.indices where mapped[index].document != nil {
            mapped[index].report.outputFile = mapped[index].report.name.policyNameSafe + ".xml"
        }
    }

    static func resolveOverlaps(_ mapped: inout [MappedGroup]) {
        let refused = OverlapResolution.laterOverlapping(mapped.map { $0.document?.groups.first })
        for (index, earlier) in refused.sorted(by: { $0.key < $1.key }) {
            let kept = mapped[earlier].report
            mapped[index].report.items.append(ReportItem(
                .groupRefused, .refused, at: mapped[index].report.location,
                "group \(mapped[index].report.name) not imported: its traffic selectors overlap group \(kept.name) (\(kept.location.file):\(kept.location.line)), "
                    + "and each packet must belong to one group; narrow the ACLs or merge the groups, then import again"))
            mapped[index].document = nil
            mapped[index].text = nil
            mapped[index].report.outputFile = nil
            mapped[index].report.secrets = []  // nothing to serve, nothing to supply
        }
    }

    /// Refuses every group whose written policy would not validate (see `OutputCheck`).
    static func validate(_ mapped: inout [MappedGroup], check: OutputCheck) {
        if check == .modelAndSchema && OutputValidation.modelAndSchemaClean(OutputValidation.outputs(mapped)) { return }
        OutputValidation.reread(&mapped)
    }
}
