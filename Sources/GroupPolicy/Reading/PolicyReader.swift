import XMLSupport

/// One policy file after reading: the model, and where each part of it came from.
public struct LoadedPolicyFile: Sendable, Equatable {
    public var file: String
    public var document: PolicyDocument
    public var sourceMap: PolicySourceMap
}

/// Turns policy XML into the model. `load` is the whole pipeline for one file: safe parse, XSD,
/// then reading; it returns findings rather than throwing, so a caller sees every problem.
public enum PolicyReader {
    public static let namespace = "urn:groupkey:policy:1"

    /// The compiled embedded XSD. Compiling it cannot fail unless the embedded text is broken,
    /// which a test rules out; the error is still carried, never trapped.
    public static let schema: Result<XMLSchema, XMLSupportError> = compileSchema()

    private static func compileSchema() -> Result<XMLSchema, XMLSupportError> {
        do throws(XMLSupportError) {
            return .success(try XMLSchema(xsd: PolicySchemaText.xsd, name: PolicySchemaText.fileName))
        } catch {
            return .failure(error)
        }
    }

    /// Parses, validates against the XSD and reads `bytes`. The model is nil when the file is
    /// not well-formed or breaks the schema.
    public static func load(_ bytes: [UInt8], file: String) -> (LoadedPolicyFile?, [PolicyFinding]) {
        let document: XMLParsedDocument
        do {
            document = try SafeXMLParser.parse(bytes, file: file)
        } catch {
            return (nil, findings(for: error, file: file))
        }
        let compiled: XMLSchema
        switch schema {
        case .success(let value): compiled = value
        case .failure(let error): return (nil, findings(for: error, file: file))
        }
        let violations = compiled.validate(document).map {
            PolicyFinding(.schemaViolation, file: file, line: $0.line, elementPath: $0.elementPath,
                          message: $0.message, severity: $0.severity == .warning ? .warning : .error)
        }
        if violations.contains(where: { $0.severity == .error }) {
            return (nil, violations)
        }
        let (loaded, readFindings) = read(document.root, file: file)
        return (loaded, violations + readFindings)
    }

    /// Reads an already parsed (and normally XSD-validated) root element.
    public static func read(_ root: XMLElementNode, file: String) -> (LoadedPolicyFile, [PolicyFinding]) {
        var context = ReadContext(file: file)
        var document = PolicyDocument()
        if root.namespaceURI != namespace {
            context.report(.schemaViolation, root, "root element is not in namespace \(namespace)")
        }
        switch root.name {
        case "policies":
            for (index, element) in root.children(named: "trust-anchor").enumerated() {
                context.note(PolicySourceMap.Key.trustAnchor(index), element)
                document.trustAnchors.append(TrustAnchor(name: context.required(element, "name"),
                                                         file: context.required(element, "file")))
            }
            for (index, element) in root.children(named: "member-list").enumerated() {
                context.note(PolicySourceMap.Key.memberList(index), element)
                let members = element.children(named: "member").map { readMember($0, &context) }
                document.memberLists.append(MemberList(name: context.required(element, "name"), members: members))
            }
            for element in root.children(named: "group") {
                document.groups.append(readGroup(element, index: document.groups.count, &context))
            }
        case "group":
            document.groups.append(readGroup(root, index: 0, &context))
        default:
            context.report(.schemaViolation, root, "root element <\(root.name)> is neither <policies> nor <group>")
        }
        return (LoadedPolicyFile(file: file, document: document, sourceMap: context.map), context.findings)
    }

    /// Reads policy text and returns the model, or throws with every error finding.
    public static func decode(_ text: String, file: String = "<memory>") throws(GroupPolicyError) -> PolicyDocument {
        let (loaded, findings) = load(Array(text.utf8), file: file)
        let errors = findings.filter { $0.severity == .error }
        guard let loaded, errors.isEmpty else { throw .invalidPolicy(errors) }
        return loaded.document
    }

    static func readMember(_ element: XMLElementNode, _ context: inout ReadContext) -> MemberIdentity {
        let kind: MemberIdentity.Kind = context.token(element, "id-type", default: .fqdn) ?? .fqdn
        let value = context.required(element, "value")
        switch kind {
        case .ipv4, .ipv6:
            if let address = IPAddress(value), address.isIPv4 == (kind == .ipv4) {
                return MemberIdentity(kind: kind, value: address.description)
            }
            context.report(.invalidValue, element, "value=\"\(value)\" is not an \(kind.rawValue) address")
        case .keyID:
            if let bytes = GroupIDg.hexBytes(value), !bytes.isEmpty {
                return MemberIdentity(kind: kind, value: GroupIDg.keyID(bytes).valueText)
            }
            context.report(.invalidValue, element, "value=\"\(value)\" is not hexadecimal octets")
        case .fqdn, .rfc822, .distinguishedName:
            if value.isEmpty { context.report(.invalidValue, element, "empty \(kind.rawValue) identity") }
        }
        return MemberIdentity(kind: kind, value: value)
    }

    static func findings(for error: XMLSupportError, file: String) -> [PolicyFinding] {
        let code: FindingCode
        switch error {
        case .doctypeForbidden: code = .xmlDoctypeForbidden
        case .encodingNotUTF8: code = .xmlEncodingNotUTF8
        case .schemaInvalid: code = .schemaViolation
        case .inputTooLarge, .malformed, .xpathFailed: code = .xmlNotWellFormed
        }
        // After the first well-formedness error libxml2 keeps reporting the tags it can no
        // longer match; those echoes point at the wrong lines, so only the first is kept.
        let diagnostics = code == .xmlNotWellFormed ? Array(error.diagnostics.prefix(1)) : error.diagnostics
        return diagnostics.map {
            PolicyFinding(code, file: file, line: $0.line, elementPath: $0.elementPath, message: $0.message)
        }
    }
}
