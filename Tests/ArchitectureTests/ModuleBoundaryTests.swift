import Foundation
import Testing

/// The C libraries each have one Swift gateway (ARCHITECTURE.md, "C system layer"): OpenSSL only
/// through GroupKeyCrypto, libxml2 only through XMLSupport, SQLite only through KeyStore. This test reads the sources so that
/// a stray `import COpenSSL` elsewhere fails the build's tests, not a code review.
@Suite struct ModuleBoundaryTests {
    static let sourcesRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    func swiftFiles() throws -> [(module: String, path: String, text: String)] {
        let fm = FileManager.default
        var out: [(String, String, String)] = []
        guard let walker = fm.enumerator(atPath: Self.sourcesRoot.path) else { return [] }
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let module = String(relative.split(separator: "/").first ?? "")
            let text = try String(contentsOf: Self.sourcesRoot.appendingPathComponent(relative), encoding: .utf8)
            out.append((module, relative, text))
        }
        return out
    }

    func importers(of module: String, in files: [(module: String, path: String, text: String)]) -> Set<String> {
        Set(files.filter { file in
            file.text.split(separator: "\n").contains { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed == "import \(module)" || trimmed.hasPrefix("import \(module) ")
                    || trimmed.hasPrefix("@_implementationOnly import \(module)") || trimmed.hasSuffix("import \(module)")
            }
        }.map(\.module))
    }

    @Test func onlyGroupKeyCryptoImportsOpenSSL() throws {
        let files = try swiftFiles()
        #expect(files.count > 10, "sources not found under \(Self.sourcesRoot.path)")
        #expect(importers(of: "COpenSSL", in: files) == ["GroupKeyCrypto"])
    }

    @Test func onlyXMLSupportImportsLibXML2() throws {
        let found = importers(of: "CLibXML2", in: try swiftFiles())
        #expect(found.isSubset(of: ["XMLSupport"]), "\(found)")
    }

    @Test func onlyKeyStoreImportsSQLite() throws {
        let found = importers(of: "CSQLite", in: try swiftFiles())
        #expect(found == ["KeyStore"], "\(found)")
    }
}
