import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct CertificateVectorFile: Decodable {
    struct Entry: Decodable { let file, der, subject, issuer, publicKeyDER: String; let notBefore, notAfter: Int }
    struct SANs: Decodable { let dns, ip, email: [String] }
    let source: String
    let verificationTime: Int
    let rsaLeafSANs: SANs
    let certificates: [String: Entry]
}

@Suite struct CertificateTests {
    let file: CertificateVectorFile
    let now: Date

    init() throws {
        file = try VectorLoader.load(CertificateVectorFile.self, named: "cert-chain.json", in: .module)
        now = Date(timeIntervalSince1970: TimeInterval(file.verificationTime))
    }

    func load(_ name: String) throws -> Certificate {
        let entry = try #require(file.certificates[name])
        return try Certificate(pem: VectorLoader.text(named: entry.file, in: .module))
    }

    @Test func fieldsMatchPython() throws {
        for (name, entry) in file.certificates {
            let cert = try load(name)
            #expect(cert.der == Hex.decode(entry.der), "\(name)")
            #expect(cert.subject == entry.subject, "\(name)")
            #expect(cert.issuer == entry.issuer, "\(name)")
            #expect(cert.notBefore == Date(timeIntervalSince1970: TimeInterval(entry.notBefore)), "\(name)")
            #expect(cert.notAfter == Date(timeIntervalSince1970: TimeInterval(entry.notAfter)), "\(name)")
            #expect(try cert.publicKey.subjectPublicKeyInfo == Hex.decode(entry.publicKeyDER), "\(name)")
            #expect(try VerifyingKey(certificate: cert).subjectPublicKeyInfo == Hex.decode(entry.publicKeyDER))
            #expect(try Certificate(der: cert.der) == cert)
        }
    }

    @Test func subjectAltNames() throws {
        let cert = try load("leaf-rsa")
        #expect(cert.subjectAltNames == [
            .dns("gcks.example.net"), .ipAddress([192, 0, 2, 10]),
            .ipAddress([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x10]),
            .email("gcks@example.net"),
        ])
        #expect(file.rsaLeafSANs.ip == ["192.0.2.10", "2001:db8::10"])
        #expect(try load("root").subjectAltNames.isEmpty)
    }

    @Test func bundleLoadsInOrder() throws {
        let bundle = try Certificate.loadAll(pem: VectorLoader.text(named: "cert-bundle.pem", in: .module))
        #expect(bundle.map(\.subject) == ["leaf-rsa", "intermediate", "root"].map { file.certificates[$0]?.subject ?? "" })
    }

    @Test func goodChainsVerify() throws {
        let store = try TrustStore(anchors: [load("root")])
        let intermediate = try load("intermediate")
        for leafName in ["leaf-rsa", "leaf-ecdsa"] {
            let leaf = try load(leafName)
            let path = try store.verify(leaf, intermediates: [intermediate], at: now)
            #expect(path.map(\.subject) == [leaf.subject, intermediate.subject, try load("root").subject], "\(leafName)")
        }
        // The leaf's key verifies what its private key signs.
        let key = try SigningKey(pem: VectorLoader.text(named: "cert-rsa-leaf-key.pem", in: .module))
        let signature = try key.sign([1, 2, 3], scheme: .rsaPSS(.sha256))
        #expect(throws: Never.self) { try load("leaf-rsa").publicKey.verify(signature, for: [1, 2, 3], scheme: .rsaPSS(.sha256)) }
    }

    private func rejection(_ leaf: String, intermediates: [String] = ["intermediate"], anchors: [String] = ["root"], at time: Date? = nil) throws -> String? {
        let store = try TrustStore(anchors: anchors.map(load))
        do {
            _ = try store.verify(load(leaf), intermediates: intermediates.map(load), at: time ?? now)
            return nil
        } catch CryptoError.certificateRejected(let reason) {
            return reason
        }
    }

    @Test func badChainsAreRejectedWithOpenSSLsReason() throws {
        #expect(try rejection("leaf-expired") == "certificate has expired (depth 0)")
        #expect(try rejection("leaf-untrusted", intermediates: []) == "unable to get local issuer certificate (depth 0)")
        #expect(try rejection("leaf-rsa", intermediates: []) == "unable to get local issuer certificate (depth 0)")
        // Good chain, but judged at 2024 (before validity) and 2046 (after).
        let early = try rejection("leaf-rsa", at: Date(timeIntervalSince1970: 1_704_067_200))
        #expect(early?.hasPrefix("certificate is not yet valid") == true, "\(early ?? "accepted")")
        #expect(try rejection("leaf-rsa", at: Date(timeIntervalSince1970: 2_398_291_200))?.hasPrefix("certificate has expired") == true)
        // A self-signed CA outside the store.
        #expect(try rejection("untrusted-ca", intermediates: []) == "self-signed certificate (depth 0)")
    }

    @Test func garbageIsRefused() throws {
        let damaged = try VectorLoader.text(named: "cert-root.pem", in: .module).replacingOccurrences(of: "M", with: "!")
        for text in ["", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", damaged] {
            #expect(throws: CryptoError.self, "\(text.prefix(20))") { _ = try Certificate.loadAll(pem: text) }
            #expect(throws: CryptoError.self) { _ = try Certificate(pem: text) }
        }
        #expect(throws: CryptoError.self) { _ = try Certificate(der: [0x30, 0x03, 0x02, 0x01, 0x00]) }
        let der = try load("root").der
        #expect(throws: CryptoError.self) { _ = try Certificate(der: Array(der.dropLast())) }
        #expect(throws: CryptoError.self) { _ = try Certificate(der: der + [0]) }
    }
}
