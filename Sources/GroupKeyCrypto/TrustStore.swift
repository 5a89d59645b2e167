import COpenSSL
import Foundation

/// Trust anchors, and certificate path validation against them (RFC 5280 §6) by OpenSSL.
public final class TrustStore: @unchecked Sendable {
    // @unchecked: the X509_STORE is filled in init and only read afterwards; OpenSSL locks its
    // own lookups, so concurrent verifications are safe.
    private let store: OpaquePointer
    public let anchors: [Certificate]

    public init(anchors: [Certificate]) throws {
        guard let store = X509_STORE_new() else { throw CryptoError.fromOpenSSL("X509_STORE_new") }
        self.store = store
        self.anchors = anchors
        for anchor in anchors {
            // Takes its own reference to the X509.
            try check(X509_STORE_add_cert(store, anchor.x509), "X509_STORE_add_cert")
        }
    }

    deinit { X509_STORE_free(store) }

    /// Builds and checks a path from `leaf` through any of `intermediates` to an anchor, with
    /// validity judged at `time` (not the wall clock, so the caller decides what "now" is).
    /// Returns the path, leaf first and anchor last. Throws `certificateRejected` with OpenSSL's
    /// reason (X509_verify_cert_error_string) and the depth of the failing certificate.
    public func verify(_ leaf: Certificate, intermediates: [Certificate] = [], at time: Date) throws -> [Certificate] {
        guard let ctx = X509_STORE_CTX_new() else { throw CryptoError.fromOpenSSL("X509_STORE_CTX_new") }
        defer { X509_STORE_CTX_free(ctx) }
        // The stack borrows the X509 objects; `intermediates` keeps them alive for this call.
        guard let untrusted = OPENSSL_sk_new_null() else { throw CryptoError.fromOpenSSL("OPENSSL_sk_new_null") }
        defer { OPENSSL_sk_free(untrusted) }
        for certificate in intermediates {
            guard OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.x509)) > 0 else {
                throw CryptoError.fromOpenSSL("OPENSSL_sk_push")
            }
        }
        try check(X509_STORE_CTX_init(ctx, store, leaf.x509, untrusted), "X509_STORE_CTX_init")
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), time_t(time.timeIntervalSince1970.rounded(.down)))

        let verified = withExtendedLifetime((leaf, intermediates)) { X509_verify_cert(ctx) }
        guard verified == 1 else {
            let code = X509_STORE_CTX_get_error(ctx)
            let depth = X509_STORE_CTX_get_error_depth(ctx)
            CryptoError.clearOpenSSLErrors()
            let reason = String(cString: X509_verify_cert_error_string(Int(code)))
            throw CryptoError.certificateRejected("\(reason) (depth \(depth))")
        }
        guard let chain = X509_STORE_CTX_get1_chain(ctx) else { throw CryptoError.fromOpenSSL("X509_STORE_CTX_get1_chain") }
        defer { OPENSSL_sk_pop_free(chain, { X509_free(OpaquePointer($0)) }) }
        var path: [Certificate] = []
        for index in 0..<OPENSSL_sk_num(chain) {
            guard let raw = OPENSSL_sk_value(chain, index) else { continue }
            let x509 = OpaquePointer(raw)
            // The chain owns one reference; the new Certificate takes one of its own.
            try check(X509_up_ref(x509), "X509_up_ref")
            path.append(try Certificate(taking: x509))
        }
        return path
    }
}
