import Foundation
import GDOIImport

/// The sample exports and their expected outputs live in Migration/samples (operators read them
/// there); the tests read the same files rather than a copy, so the two can never drift.
enum SampleFiles {
    static let samplesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migration").appendingPathComponent("samples")

    struct Sample: CustomStringConvertible, Sendable {
        var format: ExportFormat
        /// "cisco/01-….xml": the name the report carries (relative to Migration/samples).
        var name: String
        var url: URL
        var expectedDirectory: URL { url.deletingPathExtension().appendingPathExtension("expected") }
        var description: String { name }

        func input() throws -> ExportInput {
            ExportInput(name: name, bytes: Array(try Data(contentsOf: url)))
        }
    }

    static func samples(_ format: ExportFormat) -> [Sample] {
        let directory = samplesRoot.appendingPathComponent(format.rawValue)
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "xml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { Sample(format: format, name: "\(format.rawValue)/\($0.lastPathComponent)", url: $0) }
    }

    static var allSamples: [Sample] { ExportFormat.allCases.flatMap(samples) }

    static func text(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// The JSON the CLI writes (same encoder settings as `groupkey`'s PolicyJSON).
    static func json(_ report: MigrationReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    static func importSample(_ name: String) throws -> ImportResult {
        let parts = name.split(separator: "/")
        let url = samplesRoot.appendingPathComponent(String(parts[0])).appendingPathComponent(String(parts[1]))
        return GDOIImporter.run([ExportInput(name: name, bytes: Array(try Data(contentsOf: url)))])
    }
}
