import COpenSSL

/// Reading keys from PEM or DER. OpenSSL's readers do the ASN.1; this only picks the reader and
/// turns failures into `malformedEncoding`.
enum KeyDecoding {
    /// A private key: PEM ("PRIVATE KEY" = PKCS#8, or the traditional "RSA/EC PRIVATE KEY"), or
    /// DER in either of those forms. Encrypted keys are refused (no passphrase callback).
    static func privateKey(_ bytes: [UInt8]) throws -> EVPKey {
        defer { CryptoError.clearOpenSSLErrors() }
        if looksLikePEM(bytes) {
            let bio = try ReadBIO(bytes)
            // The callback refuses any passphrase, so OpenSSL never prompts on a terminal.
            guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, { _, _, _, _ in -1 }, nil) else {
                throw CryptoError.malformedEncoding("no readable private key in the PEM text")
            }
            return EVPKey(taking: key)
        }
        // d2i_AutoPrivateKey accepts PKCS#8 PrivateKeyInfo and the traditional RSAPrivateKey /
        // ECPrivateKey structures.
        let key: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let key else { throw CryptoError.malformedEncoding("not a DER private key (PKCS#8 or traditional)") }
        return EVPKey(taking: key)
    }

    /// A public key: PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    static func publicKey(_ bytes: [UInt8]) throws -> EVPKey {
        defer { CryptoError.clearOpenSSLErrors() }
        if looksLikePEM(bytes) {
            let bio = try ReadBIO(bytes)
            guard let key = PEM_read_bio_PUBKEY(bio.pointer, nil, { _, _, _, _ in -1 }, nil) else {
                throw CryptoError.malformedEncoding("no readable public key in the PEM text")
            }
            return EVPKey(taking: key)
        }
        let key: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let parsed = d2i_PUBKEY(nil, &cursor, buffer.count)
            // Trailing octets after the SubjectPublicKeyInfo mean the caller gave us something else.
            if let parsed, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                EVP_PKEY_free(parsed)
                return nil
            }
            return parsed
        }
        guard let key else { throw CryptoError.malformedEncoding("not a DER SubjectPublicKeyInfo") }
        return EVPKey(taking: key)
    }

    /// DER always starts with a SEQUENCE tag (0x30); PEM text holds a "-----BEGIN " line,
    /// possibly after comment lines.
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.first != 0x30, bytes.count >= marker.count else { return false }
        return (0...(bytes.count - marker.count)).contains { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
    }
}
