import Foundation
@testable import GroupPolicy

/// Access to the test fixtures and to the published Policies/ folder.
enum FixtureFiles {
    static func directory(_ name: String) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return root.appendingPathComponent(name)
    }

    static func xmlFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static var policiesDirectory: URL { EmbeddedResourceTests.policiesDirectory }

    /// The published examples and the demo policy.
    static func publishedPolicies() throws -> [URL] {
        try xmlFiles(in: policiesDirectory) + xmlFiles(in: policiesDirectory.appendingPathComponent("examples"))
    }

    static func input(_ url: URL) throws -> PolicyValidator.Input {
        PolicyValidator.Input(name: url.lastPathComponent, bytes: Array(try Data(contentsOf: url)))
    }

    /// `<!-- expect: GPnnn -->` markers: (file, code, 1-based line).
    static func expectations(in url: URL) throws -> Set<Expected> {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var result: Set<Expected> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let range = line.range(of: "<!-- expect: ") else { continue }
            let code = line[range.upperBound...].prefix { $0 != " " }
            result.insert(Expected(file: url.lastPathComponent, code: String(code), line: index + 1))
        }
        return result
    }

    struct Expected: Hashable, CustomStringConvertible {
        var file: String
        var code: String
        var line: Int
        var description: String { "\(file):\(line) \(code)" }
    }
}
