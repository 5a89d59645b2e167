import Foundation
import GIKEv2Wire
import GroupKeyCrypto

/// A certificate and its key, for AUTH by digital signature.
public struct SignatureCredential: Sendable {
    /// End-entity certificate first, then any intermediates to send as CERT payloads.
    public var certificates: [Certificate]
    public var key: SigningKey
    public var scheme: SignatureScheme

    public init(certificates: [Certificate], key: SigningKey, scheme: SignatureScheme) {
        precondition(!certificates.isEmpty, "a credential has its end-entity certificate")
        self.certificates = certificates
        self.key = key
        self.scheme = scheme
    }
}

/// AUTH by certificate (RFC 7296 §2.15 signed octets, RFC 7427 Digital Signature, method 14),
/// used in GSA_AUTH as in IKE_AUTH (RFC 9838 §2.3.1). The peer's ID must be one its certificate
/// carries (RFC 4945 §3.1: subjectAltName for FQDN, RFC822 and IP identities).
enum SignatureAuthentication {
    /// CERT payloads (X.509 Certificate - Signature, encoding 4) and the AUTH payload.
    static func sign(_ octets: [UInt8], with credential: SignatureCredential) throws -> ([IKEv2Payload], AuthenticationPayload) {
        let signature = try DigitalSignatureAuthentication.sign(octets, with: credential.key, scheme: credential.scheme)
        let certificates = credential.certificates.map {
            IKEv2Payload.certificate(CertificatePayload(encoding: CertificatePayload.x509Signature, data: $0.der))
        }
        return (certificates, AuthenticationPayload(method: DigitalSignatureAuthentication.authenticationMethod, data: signature.encoded))
    }

    /// Checks the peer's certificate path, that `identity` is bound to the certificate, and the
    /// signature over `octets`. Returns the verified end-entity certificate.
    static func verify(_ auth: AuthenticationPayload, certificates: [CertificatePayload], identity: IdentificationPayload,
                       octets: [UInt8], trust: TrustStore, at date: Date) throws -> Certificate {
        guard auth.method == DigitalSignatureAuthentication.authenticationMethod,
              let first = certificates.first, certificates.allSatisfy({ $0.encoding == CertificatePayload.x509Signature }) else {
            throw GIKEv2Error.authenticationFailed
        }
        let leaf = try Certificate(der: first.data)
        let intermediates = try certificates.dropFirst().map { try Certificate(der: $0.data) }
        _ = try trust.verify(leaf, intermediates: intermediates, at: date)
        guard isBound(identity, to: leaf) else { throw GIKEv2Error.authenticationFailed }
        let signature = try DigitalSignatureAuthentication(decoding: auth.data)
        try signature.verify(octets, with: leaf.publicKey)
        return leaf
    }

    /// RFC 4945 §3.1 identity binding for the ID types groupkey accepts with certificates.
    static func isBound(_ identity: IdentificationPayload, to certificate: Certificate) -> Bool {
        let text = String(decoding: identity.data, as: UTF8.self).lowercased()
        return certificate.subjectAltNames.contains { name in
            switch (identity.idType, name) {
            case (IdentificationPayload.fqdn, .dns(let dns)): return dns.lowercased() == text
            case (IdentificationPayload.rfc822Address, .email(let email)): return email.lowercased() == text
            case (IdentificationPayload.ipv4Address, .ipAddress(let octets)),
                 (IdentificationPayload.ipv6Address, .ipAddress(let octets)): return octets == identity.data
            default: return false
            }
        }
    }
}
