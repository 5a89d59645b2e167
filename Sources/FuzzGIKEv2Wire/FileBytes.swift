import Foundation

/// Reads a corpus file for replay outside libFuzzer.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
