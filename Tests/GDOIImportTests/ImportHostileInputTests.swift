import Foundation
import GroupPolicy
import Testing
@testable import GDOIImport

/// Broken and hostile exports give report items with line numbers, never a crash.
@Suite struct ImportHostileInputTests {
    static func run(_ text: String, from format: ExportFormat? = nil) -> ImportResult {
        GDOIImporter.run([ExportInput(name: "hostile.xml", bytes: Array(text.utf8))], from: format)
    }

    static func fileItems(_ result: ImportResult) -> [ReportItem] { result.report.files.flatMap(\.items) }

    @Test func truncatedExportIsMalformedWithALine() throws {
        let full = try SampleFiles.text(SampleFiles.samplesRoot.appendingPathComponent("cisco/01-multicast-aes-1715.xml"))
        let truncated = String(full.prefix(full.count / 2))
        let result = Self.run(truncated)
        let item = try #require(Self.fileItems(result).first)
        #expect(item.code == .malformedXML)
        #expect(item.location.line > 1)
        #expect(result.policies.isEmpty)
        #expect(result.report.exitStatus == 2)
    }

    @Test func entityBombIsRefusedAtItsDoctype() throws {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE native [
              <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
              <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
              <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
              <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
            ]>
            <native xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-native"><hostname>&d;</hostname></native>
            """
        let result = Self.run(bomb)
        let item = try #require(Self.fileItems(result).first)
        #expect(item.code == .malformedXML)
        #expect(item.message.contains("XML003"))
        #expect(item.location.line == 2)
        #expect(result.report.exitStatus == 2)
    }

    @Test func externalEntityIsNeverRead() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE configuration [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <configuration><security><group-vpn><server><group><name>&x;</name></group></server></group-vpn></security></configuration>
            """
        let result = Self.run(text)
        #expect(Self.fileItems(result).first?.code == .malformedXML)
        #expect(!result.report.text.contains("root:"))
    }

    @Test(arguments: ["", "not xml at all", "<native", "\u{FEFF}<<>>", "<a></b>"])
    func junkIsMalformed(_ text: String) {
        let result = Self.run(text)
        #expect(Self.fileItems(result).first?.code == .malformedXML)
        #expect(result.report.exitStatus == 2)
    }

    @Test func utf16IsRefused() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<native/>".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let result = GDOIImporter.run([ExportInput(name: "u16.xml", bytes: bytes)])
        #expect(Self.fileItems(result).first?.code == .malformedXML)
    }

    @Test func unknownRootAndWrongFromAreUnrecognised() {
        let unknown = Self.run("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        #expect(Self.fileItems(unknown).first?.code == .unrecognisedFormat)
        let mismatch = Self.run(CiscoTemplate.export(algorithm: "<aes>128</aes>", peers: "", lifetime: "<seconds>900</seconds>"), from: .junos)
        #expect(Self.fileItems(mismatch).first?.code == .unrecognisedFormat)
        #expect(mismatch.policies.isEmpty)
    }

    @Test func missingReferencedACLIsReportedAtItsLine() throws {
        let result = try SampleFiles.importSample("cisco/07-missing-references.xml")
        let missing = result.report.groups.flatMap(\.items).filter { $0.code == .missingReference }
        #expect(missing.map(\.location.line) == [21, 23, 9, 25])
        #expect(result.policies.isEmpty)
    }

    @Test func identityBeyondFourOctetsIsRefused() throws {
        let text = CiscoTemplate.export(algorithm: "<aes>128</aes>", peers: "", lifetime: "<seconds>900</seconds>")
            .replacingOccurrences(of: "<number>77</number>", with: "<number>4294967296</number>")
        let result = Self.run(text)
        #expect(result.policies.isEmpty)
        #expect(result.report.groups.first?.items.contains { $0.code == .invalidValue } == true)
        let huge = Self.run(text.replacingOccurrences(of: "4294967296", with: "99999999999999999999999"))
        #expect(huge.policies.isEmpty)
    }

    @Test func lifetimesOutOfRangeAreClampedWithADecision() throws {
        let text = CiscoTemplate.export(algorithm: "<aes>128</aes>", peers: "", lifetime: "<seconds>9999999</seconds>")
            .replacingOccurrences(of: "<transport><unicast/></transport>", with: "<transport><unicast/></transport><lifetime><seconds>10</seconds></lifetime>")
        let result = Self.run(text)
        let group = try #require(result.policies.first?.document.groups.first)
        #expect(group.rekey?.lifetimeSeconds == 300)
        #expect(group.dataSecurity.first?.lifetimeSeconds == 300)  // clamped to 86400, then to the KEK's 300
        let clamped = result.report.groups.flatMap(\.items).filter { $0.code == .valueClamped }
        #expect(clamped.count == 3)
        #expect(clamped.allSatisfy { $0.outcome == .decision && $0.location.line > 0 })
    }

    @Test func junkValuesInsideKnownElementsDoNotCrash() {
        let text = """
            <configuration><security><group-vpn><server>
            <ipsec><proposal><name>P</name><encryption-algorithm>rot13</encryption-algorithm><authentication-algorithm>crc32</authentication-algorithm><lifetime-seconds>-5</lifetime-seconds></proposal></ipsec>
            <group><name>J</name><group-id>abc</group-id><anti-replay-time-window>soon</anti-replay-time-window><activation-time-delay>99999999999999999999</activation-time-delay>
            <ipsec-sa><name>S</name><proposal>P</proposal><match-policy><name>M</name><source>300.1.1.1/8</source><destination-port>70000</destination-port></match-policy></ipsec-sa>
            </group></server></group-vpn></security></configuration>
            """
        let result = Self.run(text)
        #expect(result.policies.isEmpty)
        #expect(result.report.groups.first?.items.contains { $0.code == .invalidValue } == true)
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        let depth = 50_000
        let text = "<native>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</native>"
        let result = Self.run(text)
        #expect(result.policies.isEmpty)
    }

    /// Every prefix of every sample (cut every 61 bytes) imports without a crash and never
    /// yields a policy that fails validation.
    @Test func everyTruncationOfEverySampleIsHandled() throws {
        for sample in SampleFiles.allSamples {
            let bytes = Array(try Data(contentsOf: sample.url))
            for cut in stride(from: 0, to: bytes.count, by: 61) {
                let result = GDOIImporter.run([ExportInput(name: sample.name, bytes: Array(bytes[..<cut]))])
                #expect(result.policies.isEmpty, "\(sample.name) cut at \(cut) still produced a policy")
            }
        }
    }
}
