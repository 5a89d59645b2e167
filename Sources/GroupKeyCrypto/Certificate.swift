import COpenSSL
import Foundation

/// An X.509 certificate (RFC 5280), read-only. The fields are decoded once, at load.
public final class Certificate: @unchecked Sendable, Equatable, CustomStringConvertible {
    // @unchecked: the X509 object is never changed after init; OpenSSL takes its own reference
    // whenever it puts it into a store or a chain.
    let x509: OpaquePointer

    /// The DER encoding, as received (for CERT payloads and hashing).
    public let der: [UInt8]
    /// Subject and issuer names in RFC 4514 order and syntax (most specific RDN first).
    public let subject: String
    public let issuer: String
    public let subjectAltNames: [SubjectAltName]
    public let notBefore: Date
    public let notAfter: Date

    /// A subjectAltName entry of a type IKE identities use (RFC 7296 §3.5, RFC 4945 §5.1.2).
    public enum SubjectAltName: Sendable, Hashable {
        case dns(String)
        /// IPv4 (4 octets) or IPv6 (16 octets), network order.
        case ipAddress([UInt8])
        case email(String)
    }

    /// From DER.
    public convenience init(der: [UInt8]) throws {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let x509 = d2i_X509(nil, &cursor, buffer.count)
            if let x509, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                X509_free(x509)  // trailing octets: not one certificate
                return nil
            }
            return x509
        }
        CryptoError.clearOpenSSLErrors()
        guard let parsed else { throw CryptoError.malformedEncoding("not a DER X.509 certificate") }
        try self.init(taking: parsed)
    }

    /// The first certificate of PEM text.
    public convenience init(pem text: String) throws {
        guard let first = try Certificate.loadAll(pem: text).first else {
            throw CryptoError.malformedEncoding("no certificate in the PEM text")
        }
        try self.init(der: first.der)
    }

    /// Every certificate of a PEM bundle, in order. Text outside the BEGIN/END blocks is ignored;
    /// a damaged block, or no block at all, is an error.
    public static func loadAll(pem text: String) throws -> [Certificate] {
        let bio = try ReadBIO(Array(text.utf8))
        var certificates: [Certificate] = []
        while true {
            guard let x509 = PEM_read_bio_X509(bio.pointer, nil, { _, _, _, _ in -1 }, nil) else {
                let error = ERR_peek_last_error()
                CryptoError.clearOpenSSLErrors()
                // "No start line" after at least one certificate is the normal end of the text.
                if ERR_GET_LIB(error) == ERR_LIB_PEM, ERR_GET_REASON(error) == PEM_R_NO_START_LINE, !certificates.isEmpty {
                    return certificates
                }
                throw CryptoError.malformedEncoding(certificates.isEmpty
                    ? "no readable certificate in the PEM text"
                    : "PEM certificate \(certificates.count + 1) is damaged")
            }
            certificates.append(try Certificate(taking: x509))
        }
    }

    /// Takes over one reference to `x509` (freed here if decoding fails, by deinit otherwise).
    init(taking x509: OpaquePointer) throws {
        do {
            der = try Certificate.encode(x509)
            subject = try Certificate.format(X509_get_subject_name(x509))
            issuer = try Certificate.format(X509_get_issuer_name(x509))
            guard let start = Certificate.date(X509_get0_notBefore(x509)),
                  let end = Certificate.date(X509_get0_notAfter(x509)) else {
                throw CryptoError.malformedEncoding("certificate validity dates unreadable")
            }
            notBefore = start
            notAfter = end
        } catch {
            X509_free(x509)
            throw error
        }
        subjectAltNames = Certificate.alternativeNames(x509)
        self.x509 = x509
    }

    deinit { X509_free(x509) }

    /// The subject public key.
    public var publicKey: VerifyingKey {
        get throws {
            guard let key = X509_get_pubkey(x509) else {
                CryptoError.clearOpenSSLErrors()
                throw CryptoError.malformedEncoding("certificate public key unreadable")
            }
            return try VerifyingKey(key: EVPKey(taking: key))
        }
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    public var description: String { "Certificate(\(subject), issued by \(issuer))" }

    // MARK: - Decoding helpers

    private static func encode(_ x509: OpaquePointer) throws -> [UInt8] {
        let length = i2d_X509(x509, nil)
        guard length > 0 else { throw CryptoError.fromOpenSSL("i2d_X509") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(x509, &cursor)
        }
        guard written == length else { throw CryptoError.fromOpenSSL("i2d_X509") }
        return out
    }

    /// RFC 4514-style: RFC 2253 flags (reversed RDN order, "," separators, escaping), but UTF-8
    /// kept as characters instead of \XX escapes.
    private static func format(_ name: OpaquePointer?) throws -> String {
        guard let name else { return "" }
        let bio = try WriteBIO()
        // XN_FLAG_RFC2253 without ASN1_STRFLGS_ESC_MSB; x509.h builds it from macros Swift
        // cannot import as one constant, so it is spelled out from its parts.
        let strings = UInt(ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_UTF8_CONVERT
                           | ASN1_STRFLGS_DUMP_UNKNOWN | ASN1_STRFLGS_DUMP_DER)
        let flags = strings | UInt(XN_FLAG_SEP_COMMA_PLUS | XN_FLAG_DN_REV | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS)
        guard X509_NAME_print_ex(bio.pointer, name, 0, flags) >= 0 else { throw CryptoError.fromOpenSSL("X509_NAME_print_ex") }
        return bio.text()
    }

    private static func alternativeNames(_ x509: OpaquePointer) -> [SubjectAltName] {
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else {
            CryptoError.clearOpenSSLErrors()
            return []
        }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [SubjectAltName] = []
        for index in 0..<OPENSSL_sk_num(names) {
            guard let entry = OPENSSL_sk_value(names, index)?.assumingMemoryBound(to: GENERAL_NAME.self) else { continue }
            let string = entry.pointee.d.ia5  // every member of the union is an ASN1_STRING*
            let octets = string.map { s -> [UInt8] in
                Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(s), count: Int(ASN1_STRING_length(s))))
            } ?? []
            switch entry.pointee.type {
            case GEN_DNS: result.append(.dns(String(decoding: octets, as: UTF8.self)))
            case GEN_EMAIL: result.append(.email(String(decoding: octets, as: UTF8.self)))
            case GEN_IPADD where octets.count == 4 || octets.count == 16: result.append(.ipAddress(octets))
            default: continue  // URI, directoryName, otherName, ...: not IKE identities here
            }
        }
        return result
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
