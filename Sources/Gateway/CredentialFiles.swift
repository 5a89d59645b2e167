import Foundation
import GIKEv2
import GroupKeyCrypto

/// Certificates and keys from PEM files, for certificate authentication in GSA_AUTH (RFC 7427).
public enum CredentialFiles {
    /// A certificate chain (leaf first, as RFC 7296 §3.6 sends them) and its private key. The
    /// signature scheme follows the key: RSASSA-PSS with SHA-256 for RSA, ECDSA with the curve's
    /// matching hash (RFC 4754 §3: P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), Ed25519.
    public static func credential(certificatePEM: [UInt8], keyPEM: [UInt8], name: String) throws(GatewayError) -> SignatureCredential {
        let certificates: [Certificate]
        let key: SigningKey
        do { certificates = try Certificate.loadAll(pem: String(decoding: certificatePEM, as: UTF8.self)) } catch {
            throw .secrets("\(name): no certificate: \(error)")
        }
        do { key = try SigningKey(pemOrDER: keyPEM) } catch { throw .secrets("\(name): no private key: \(error)") }
        let scheme: SignatureScheme
        switch key.kind {
        case .rsa: scheme = .rsaPSS(.sha256)
        case .ecdsa(let curve):
            switch curve {
            case "P-384", "secp384r1": scheme = .ecdsa(.sha384)
            case "P-521", "secp521r1": scheme = .ecdsa(.sha512)
            default: scheme = .ecdsa(.sha256)
            }
        case .ed25519: scheme = .ed25519
        case .other(let kind): throw .secrets("\(name): a \(kind) key cannot sign GSA_AUTH")
        }
        return SignatureCredential(certificates: certificates, key: key, scheme: scheme)
    }

    /// Trust anchors: every certificate in the PEM text.
    public static func trustStore(pem: [UInt8], name: String) throws(GatewayError) -> TrustStore {
        do { return try TrustStore(anchors: Certificate.loadAll(pem: String(decoding: pem, as: UTF8.self))) } catch {
            throw .secrets("\(name): no usable trust anchor: \(error)")
        }
    }

    /// Reads a file the operator named.
    public static func read(_ path: String) throws(GatewayError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .secrets("\(path) cannot be read") }
        return Array(data)
    }
}
