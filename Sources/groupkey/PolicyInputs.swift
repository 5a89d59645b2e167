import ArgumentParser
import Foundation
import GroupPolicy

/// Turns command-line paths into validator inputs: a file is read as is, a directory is
/// searched recursively for `*.xml` (hidden entries skipped), in sorted order so output is
/// stable. Paths that cannot be read become GP000 findings rather than aborting the run.
struct PolicyInputs {
    var inputs: [PolicyValidator.Input] = []
    var unreadable: [PolicyFinding] = []

    static func collect(_ paths: [String]) -> PolicyInputs {
        var result = PolicyInputs()
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                result.fail(path, "no such file or directory")
                continue
            }
            if isDirectory.boolValue {
                let base = URL(fileURLWithPath: path)
                guard let walker = manager.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey],
                                                      options: [.skipsHiddenFiles]) else {
                    result.fail(path, "directory cannot be listed")
                    continue
                }
                var files: [String] = []
                for case let url as URL in walker where url.pathExtension == "xml" {
                    let relative = String(url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count))
                    files.append((path.hasSuffix("/") ? String(path.dropLast()) : path) + relative)
                }
                if files.isEmpty { result.fail(path, "directory holds no .xml policy file") }
                for file in files.sorted() { result.read(file) }
            } else {
                result.read(path)
            }
        }
        return result
    }

    private mutating func read(_ path: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            fail(path, "cannot be read")
            return
        }
        inputs.append(PolicyValidator.Input(name: path, bytes: Array(data)))
    }

    private mutating func fail(_ path: String, _ reason: String) {
        unreadable.append(PolicyFinding(.unreadableFile, file: path, line: 0, elementPath: nil, message: reason))
    }
}

enum PolicyJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
