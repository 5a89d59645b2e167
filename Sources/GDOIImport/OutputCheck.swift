import GroupPolicy
import XMLSupport

/// How an import makes sure that every policy it writes passes `groupkey validate OUTDIR`.
public enum OutputCheck: String, Sendable, CaseIterable {
    /// The validator's semantic checks (every group, and across groups) on the policy models the
    /// import already holds, and the policy XSD on every written text. Reading the written text
    /// back into a model is skipped: writing then reading a model gives the same model (tests hold
    /// that for every sample). When either check finds an error, `reread` runs instead, so a
    /// refused group is reported in exactly the words `reread` would use.
    case modelAndSchema
    /// What `groupkey validate` does, for every written policy: parse the text, check it against
    /// the XSD, read it back into a model, run the semantic checks on that.
    case reread
}

/// The two checks behind `OutputCheck`.
enum OutputValidation {
    /// One written policy.
    struct Output: Sendable {
        var index: Int
        var file: String
        var document: PolicyDocument
        var text: String
    }

    static func outputs(_ mapped: [MappedGroup]) -> [Output] {
        mapped.indices.compactMap { index in
            guard let document = mapped[index].document, let file = mapped[index].report.outputFile,
                  let text = mapped[index].text else { return nil }
            return Output(index: index, file: file, document: document, text: text)
        }
    }

    /// True when the models pass the semantic checks and every text passes the XSD.
    static func modelAndSchemaClean(_ outputs: [Output]) -> Bool {
        guard case .success(let schema) = PolicyReader.schema else { return false }
        // A loaded file whose model is ours: its source map is empty (findings would carry line 0),
        // which is fine here because any finding sends the import to the re-reading check.
        let (template, _) = PolicyReader.read(XMLElementNode(name: "policies", namespaceURI: PolicyReader.namespace), file: "")
        let files = outputs.map { output in
            var file = template
            file.file = output.file
            file.document = output.document
            file.sourceMap = PolicySourceMap(file: output.file)
            return file
        }
        if PolicyValidator.validate(loaded: files).contains(where: { $0.severity == .error }) { return false }
        let schemaClean = ParallelMap.map(outputs) { output -> Bool in
            // The element tree is never built: only libxml2 parses and checks the text.
            guard let document = try? SafeXMLParser.parse(Array(output.text.utf8), file: output.file) else { return false }
            return !schema.validate(document).contains { $0.severity == .error }
        }
        return !schemaClean.contains(false)
    }

    /// Validates every output as `groupkey validate OUTDIR` would; groups with errors are
    /// refused (their findings become report items), until what remains is clean. Each pass
    /// refuses at least one group, so the loop ends.
    static func reread(_ mapped: inout [MappedGroup]) {
        while true {
            let outputs = outputs(mapped)
            let inputs = outputs.map { PolicyValidator.Input(name: $0.file, bytes: Array($0.text.utf8)) }
            let errors = Dictionary(grouping: PolicyValidator.validate(inputs).findings.filter { $0.severity == .error }, by: \.file)
            var refusedAny = false
            for output in outputs {
                guard let own = errors[output.file] else { continue }
                let index = output.index
                for finding in own {
                    mapped[index].report.items.append(ReportItem(.groupRefused, .refused, at: mapped[index].report.location,
                                                                 "the policy would fail validation: \(finding.code.rawValue) \(finding.message)"))
                }
                mapped[index].document = nil
                mapped[index].report.outputFile = nil
                mapped[index].report.secrets = []
                mapped[index].text = nil
                refusedAny = true
            }
            if !refusedAny { return }
        }
    }
}
