/// The one error type of GDOIImport: what stops a whole export from being read. Everything
/// smaller becomes a `ReportItem`, so one bad element never hides the rest of a file.
public enum GDOIImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not well-formed XML, declare a DTD, or are not UTF-8 (XMLSupport refuses
    /// DOCTYPEs outright, which is what stops entity bombs).
    case malformedXML(file: String, line: Int, message: String)
    /// The root element is none of the export shapes the importer knows.
    case unrecognisedFormat(file: String, line: Int, root: String)
    /// `--from` named a format the root element does not have.
    case formatMismatch(file: String, expected: ExportFormat, root: String)

    public var code: ImportCode {
        switch self {
        case .malformedXML: return .malformedXML
        case .unrecognisedFormat, .formatMismatch: return .unrecognisedFormat
        }
    }

    public var location: SourceLocation {
        switch self {
        case .malformedXML(let file, let line, _): return SourceLocation(file: file, line: line, path: "")
        case .unrecognisedFormat(let file, let line, let root): return SourceLocation(file: file, line: line, path: "/" + root)
        case .formatMismatch(let file, _, let root): return SourceLocation(file: file, line: 1, path: "/" + root)
        }
    }

    public var message: String {
        switch self {
        case .malformedXML(_, _, let message): return "the export is not usable XML: \(message)"
        case .unrecognisedFormat(_, _, let root):
            return "root element <\(root)> is not a Cisco IOS-XE <native>/<rpc-reply>, a Junos <configuration>/<rpc-reply>/<group-vpn>, nor a <gdoi-export>"
        case .formatMismatch(_, let expected, let root):
            return "--from \(expected.rawValue) was given but the root element <\(root)> is not that format"
        }
    }

    public var description: String {
        "\(code.rawValue) \(location.file):\(location.line): \(message)"
    }
}

/// The export formats the importer reads.
public enum ExportFormat: String, Sendable, CaseIterable, Codable {
    /// Cisco IOS-XE native model over NETCONF/RESTCONF (gdoi-xml-exports.md §a).
    case cisco
    /// Junos `show configuration security group-vpn | display xml` (gdoi-xml-exports.md §b).
    case junos
    /// The vendor-neutral RFC 6407-shaped format of Migration/gdoi-export-format.md.
    case gdoiXML = "gdoi-xml"
}
