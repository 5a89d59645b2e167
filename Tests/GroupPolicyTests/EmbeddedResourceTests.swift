import Foundation
import Testing
@testable import GroupPolicy

/// The binary carries the XSD and the demo policy as Swift strings; they must be the published
/// files byte for byte (regenerate with scripts/embed-policy-resources.py).
@Suite struct EmbeddedResourceTests {
    static var policiesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Policies")
    }

    @Test func embeddedSchemaMatchesPublishedFile() throws {
        let published = try Data(contentsOf: Self.policiesDirectory.appendingPathComponent(PolicySchemaText.fileName))
        #expect(Data(PolicySchemaText.xsd.utf8) == published)
    }

    @Test func embeddedDemoPolicyMatchesPublishedFile() throws {
        let published = try Data(contentsOf: Self.policiesDirectory.appendingPathComponent(DemoPolicyText.fileName))
        #expect(Data(DemoPolicyText.xml.utf8) == published)
    }

    @Test func embeddedSchemaCompiles() throws {
        _ = try PolicyReader.schema.get()
    }
}
