import Foundation

/// Loads known-answer vectors stored as JSON resources of a test target. Each test target passes
/// its own `Bundle.module`; the files say where every vector came from (RFC section, or the
/// generator script under scripts/ and the library version that produced it).
public enum VectorLoader {
    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        public var description: String {
            switch self {
            case .missing(let name): return "vector file \(name) is not among the test resources"
            }
        }
    }

    /// Decodes `Vectors/<name>` from `bundle`.
    public static func load<T: Decodable>(_ type: T.Type, named name: String, in bundle: Bundle) throws -> T {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = bundle.url(forResource: base, withExtension: ext, subdirectory: "Vectors")
                ?? bundle.url(forResource: base, withExtension: ext) else {
            throw LoadError.missing(name)
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// The raw text of a resource file (PEM certificates and keys).
    public static func text(named name: String, in bundle: Bundle) throws -> String {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = bundle.url(forResource: base, withExtension: ext, subdirectory: "Vectors")
                ?? bundle.url(forResource: base, withExtension: ext) else {
            throw LoadError.missing(name)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
