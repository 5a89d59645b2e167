import Foundation
import GroupPolicy
import Testing
import XMLSupport
@testable import GDOIImport

/// The importer's reading of every Cisco sample ACL agrees with an independent reading written
/// in Python (scripts/independent-acl-selectors.py: xml.etree, ipaddress for wildcard masks,
/// /etc/services for port names), committed as Vectors/independent-acl-selectors.json.
@Suite struct IndependentACLTests {
    struct Vector: Decodable {
        var samples: [String: [String: [Entry]]]
    }

    struct Entry: Decodable, Equatable {
        var skip: Bool?
        var permit: Bool?
        var `protocol`: Int?
        var source: String?
        var destination: String?
        var sourcePorts: [String]?
        var destinationPorts: [String]?
    }

    static func entry(_ selector: LegacySelector) -> Entry {
        let ranges: ([PortRange]) -> [String] = { $0.map { "\($0.lower)-\($0.upper)" } }
        return Entry(skip: nil, permit: selector.permit, protocol: selector.ipProtocol.map(Int.init),
                     source: selector.source.description, destination: selector.destination.description,
                     sourcePorts: ranges(selector.sourcePorts), destinationPorts: ranges(selector.destinationPorts))
    }

    @Test func ciscoACLsMatchThePythonReading() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors").appendingPathComponent("independent-acl-selectors.json")
        let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
        #expect(vector.samples.count == SampleFiles.samples(.cisco).count)
        for sample in SampleFiles.samples(.cisco) {
            let expected = try #require(vector.samples[sample.url.lastPathComponent])
            let document = try SafeXMLParser.parse(Array(try Data(contentsOf: sample.url)), file: sample.name)
            let native = try #require(CiscoExportReader.nativeElement(document.root))
            let lists = CiscoACLReader.read(native, ReaderContext(file: sample.name))
            #expect(Set(lists.keys) == Set(expected.keys), "\(sample.name)")
            for (name, entries) in expected {
                let list = try #require(lists[name])
                #expect(list.selectors.map(Self.entry) == entries.filter { $0.skip != true }, "\(sample.name) ACL \(name)")
                #expect(list.problems.count == entries.filter { $0.skip == true }.count, "\(sample.name) ACL \(name)")
            }
        }
    }
}
