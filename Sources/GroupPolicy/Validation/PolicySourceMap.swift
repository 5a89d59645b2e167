/// Where each part of a read policy came from, so semantic findings can name file:line and the
/// element path. Kept beside the model rather than in it: the model stays a pure value whose
/// equality ignores layout.
public struct PolicySourceMap: Sendable, Equatable {
    public struct Location: Sendable, Equatable {
        public var line: Int
        public var path: String
    }

    public var file: String
    private var locations: [String: Location] = [:]

    public init(file: String) {
        self.file = file
    }

    mutating func record(_ key: String, _ element: XMLElementNodeLocation) {
        locations[key] = Location(line: element.line, path: element.path)
    }

    /// The location of `key`, or of its nearest recorded parent ("g0.sa1.lifetime" falls back to
    /// "g0.sa1", then "g0").
    public func location(_ key: String) -> Location {
        var current = Substring(key)
        while true {
            if let found = locations[String(current)] { return found }
            guard let dot = current.lastIndex(of: ".") else { return Location(line: 0, path: "") }
            current = current[..<dot]
        }
    }

    /// Keys, one per model part: "g0" is group 0, "g0.sa1.sel2" selector 2 of its SA 1, ...
    enum Key {
        static func group(_ g: Int) -> String { "g\(g)" }
        static func sa(_ g: Int, _ s: Int) -> String { "g\(g).sa\(s)" }
        static func selector(_ g: Int, _ s: Int, _ k: Int) -> String { "g\(g).sa\(s).sel\(k)" }
        static func rekey(_ g: Int) -> String { "g\(g).rekey" }
        static func memberList(_ m: Int) -> String { "ml\(m)" }
        static func trustAnchor(_ t: Int) -> String { "ta\(t)" }
    }
}

/// The two facts the source map keeps of an element.
struct XMLElementNodeLocation {
    var line: Int
    var path: String
}
