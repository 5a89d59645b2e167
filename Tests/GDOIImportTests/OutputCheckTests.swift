import Foundation
import GroupPolicy
import XMLSupport
import Testing
@testable import GDOIImport

/// The fast output check (validator semantics on the models + XSD on every text) gives exactly
/// what re-reading every written policy gives, and falls back to re-reading whenever it finds
/// an error, so refusals read the same either way.
@Suite struct OutputCheckTests {
    static func equal(_ a: ImportResult, _ b: ImportResult) -> Bool {
        a.policies == b.policies && a.report == b.report
    }

    @Test(arguments: SampleFiles.allSamples)
    func bothChecksAgreeOnEverySample(_ sample: SampleFiles.Sample) throws {
        let input = try sample.input()
        let fast = GDOIImporter.run([input], from: sample.format, check: .modelAndSchema)
        let full = GDOIImporter.run([input], from: sample.format, check: .reread)
        #expect(Self.equal(fast, full))
    }

    /// Every sample at once: duplicates and overlaps across vendors are refused the same way.
    @Test func bothChecksAgreeOnAllSamplesTogether() throws {
        let inputs = try SampleFiles.allSamples.map { try $0.input() }
        let fast = GDOIImporter.run(inputs, check: .modelAndSchema)
        let full = GDOIImporter.run(inputs, check: .reread)
        #expect(Self.equal(fast, full))
        #expect(fast.policies.count == 20)
    }

    /// Mapped groups of the first sample with at least two importable groups, with file names
    /// and texts, as `GDOIImporter.run` has them before its output check.
    static func mappedGroups() throws -> [MappedGroup] {
        for sample in SampleFiles.allSamples {
            let export = try GDOIImporter.read(try sample.input())
            var mapped = GDOIImporter.uniqueGroups([export]).map { PolicyMapper.map($0.0) }
            GDOIImporter.assignFileNames(&mapped)
            GDOIImporter.resolveOverlaps(&mapped)
            for index in mapped.indices { mapped[index].text = mapped[index].document.map(PolicyWriter.write) }
            if mapped.filter({ $0.document != nil }).count >= 2 { return mapped }
        }
        throw CancellationError()
    }

    static func importable(_ mapped: [MappedGroup]) -> [Int] {
        mapped.indices.filter { mapped[$0].document != nil }
    }

    @Test func cleanOutputsPassTheFastCheck() throws {
        let mapped = try Self.mappedGroups()
        #expect(OutputValidation.modelAndSchemaClean(OutputValidation.outputs(mapped)))
        var checked = mapped
        GDOIImporter.validate(&checked, check: .modelAndSchema)
        #expect(checked == mapped)
    }

    /// A semantic error (two groups with one GDOI number) is found on the models, and the
    /// refusal then reads exactly as the re-reading check words it (with file:line).
    @Test func semanticErrorFallsBackToRereading() throws {
        var mapped = try Self.mappedGroups()
        let indices = Self.importable(mapped)
        let (first, second) = (indices[0], indices[1])
        var document = try #require(mapped[second].document)
        document.groups[0].identity = try #require(mapped[first].document?.groups.first?.identity)
        mapped[second].document = document
        mapped[second].text = PolicyWriter.write(document)
        #expect(!OutputValidation.modelAndSchemaClean(OutputValidation.outputs(mapped)))

        var fast = mapped, full = mapped
        GDOIImporter.validate(&fast, check: .modelAndSchema)
        GDOIImporter.validate(&full, check: .reread)
        #expect(fast == full)
        #expect(fast[second].document == nil)
        #expect(fast[second].report.items.contains { $0.message.contains("would fail validation") && $0.message.contains(".xml:") })
        #expect(fast[first].document != nil)
    }

    /// A text that breaks the XSD while its model is fine (the writer and the model disagreeing)
    /// is caught by the schema half of the fast check.
    @Test func schemaErrorInTheTextIsCaught() throws {
        var mapped = try Self.mappedGroups()
        let index = try #require(Self.importable(mapped).first)
        let text = try #require(mapped[index].text)
        mapped[index].text = text.replacingOccurrences(of: "<data-security", with: "<data-insecurity")
            .replacingOccurrences(of: "</data-security>", with: "</data-insecurity>")
        #expect(mapped[index].text != text)
        #expect(!OutputValidation.modelAndSchemaClean(OutputValidation.outputs(mapped)))
        var fast = mapped, full = mapped
        GDOIImporter.validate(&fast, check: .modelAndSchema)
        GDOIImporter.validate(&full, check: .reread)
        #expect(fast == full)
        #expect(fast[index].document == nil)
    }
}

/// The string helpers' fast paths give what their plain definitions give.
@Suite struct ReaderStringTests {
    static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
    static let cases = ["", "G1", "GETVPN-BRANCH_1.a", "a b", "é", "e\u{301}x", "x\r\ny", "\r\n", " lead", "trail\t",
                        "\n \t both \r", "\u{A0}nbsp\u{A0}", "na\u{308}me", "-._", "🔑key", "tab\there"]

    static func plainReferenceSafe(_ text: String) -> String {
        let mapped = String(text.map { allowed.contains($0) ? $0 : "-" })
        return mapped.isEmpty ? "unnamed" : mapped
    }

    static func plainTrimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    @Test(arguments: cases)
    func fastPathsMatchPlainDefinitions(_ text: String) {
        #expect(text.referenceSafe == Self.plainReferenceSafe(text))
        #expect(text.trimmingWhitespace == Self.plainTrimmed(text))
    }

    /// The port pre-check recognises exactly the leaves `ports` reads.
    @Test func portLeafNames() {
        for side in ["src", "dst"] {
            for leaf in ["eq", "eq-port2", "eq-port10", "gt", "lt", "neq", "neq-port3", "range1"] {
                #expect(CiscoACLReader.isPortLeaf("\(side)-\(leaf)", side: side))
            }
            for other in ["host-address", "any", "host", "range2", "e"] {
                #expect(!CiscoACLReader.isPortLeaf("\(side)-\(other)", side: side))
            }
        }
        #expect(!CiscoACLReader.isPortLeaf("src-eq", side: "dst"))
        #expect(!CiscoACLReader.isPortLeaf("srceq", side: "src"))
    }
}

/// The importer reads exports through `SafeXMLParser.parseElements`; for every sample it gives
/// the same tree as the full parse.
@Suite struct StreamedExportTests {
    @Test(arguments: SampleFiles.allSamples)
    func streamedTreeEqualsFullParse(_ sample: SampleFiles.Sample) throws {
        let bytes = try sample.input().bytes
        #expect(try SafeXMLParser.parseElements(bytes, file: sample.name) == SafeXMLParser.parse(bytes, file: sample.name).root)
    }
}
