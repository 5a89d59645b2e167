import COpenSSL

// Owners of the OpenSSL objects the asymmetric code uses. Each final class frees its object in
// deinit, so no code path (including a thrown error) leaks one.

/// `EVP_PKEY_fromdata` selections. evp.h spells them as macros Swift cannot import.
enum KeySelection {
    static let parameters = Int32(OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS | OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS)
    static let publicKey = parameters | Int32(OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
    static let keyPair = publicKey | Int32(OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
}

/// One reference to an `EVP_PKEY`. OpenSSL lets several threads use one key at once for
/// signing, verifying and deriving (each operation makes its own `EVP_PKEY_CTX`) and the key is
/// never changed after construction, so sharing it is safe.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// `EVP_PKEY_RSA`, `EVP_PKEY_EC`, `EVP_PKEY_ED25519`, ...
    var baseID: Int32 { EVP_PKEY_get_base_id(pointer) }

    /// A new operation context on this key.
    func makeContext() throws -> EVPKeyContext {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else {
            throw CryptoError.fromOpenSSL("EVP_PKEY_CTX_new_from_pkey")
        }
        return EVPKeyContext(taking: ctx)
    }

    /// A UTF-8 parameter such as the EC group name, or nil if the key has none.
    func stringParameter(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_utf8_string_param(pointer, name, &buffer, buffer.count, &length) == 1 else {
            CryptoError.clearOpenSSLErrors()
            return nil
        }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A public integer parameter, big-endian and left-padded to `width` octets.
    func integerParameter(_ name: String, width: Int) throws -> [UInt8] {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &bn) == 1, let bn else {
            throw CryptoError.fromOpenSSL("EVP_PKEY_get_bn_param(\(name))")
        }
        defer { BN_free(bn) }
        var out = [UInt8](repeating: 0, count: width)
        guard BN_bn2binpad(bn, &out, Int32(width)) == Int32(width) else {
            throw CryptoError.fromOpenSSL("BN_bn2binpad(\(name))")
        }
        return out
    }

    /// The raw public key of an X25519/X448/Ed25519 key.
    func rawPublicKey() throws -> [UInt8] {
        var length = 0
        try check(EVP_PKEY_get_raw_public_key(pointer, nil, &length), "EVP_PKEY_get_raw_public_key")
        var out = [UInt8](repeating: 0, count: length)
        try check(EVP_PKEY_get_raw_public_key(pointer, &out, &length), "EVP_PKEY_get_raw_public_key")
        return Array(out.prefix(length))
    }

    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of the public half.
    func subjectPublicKeyInfo() throws -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw CryptoError.fromOpenSSL("i2d_PUBKEY") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw CryptoError.fromOpenSSL("i2d_PUBKEY") }
        return out
    }

    /// Builds a key from OpenSSL parameters (`EVP_PKEY_fromdata`).
    static func fromData(type: String, selection: Int32, parameters: ParameterBuilder) throws -> EVPKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else {
            throw CryptoError.fromOpenSSL("EVP_PKEY_CTX_new_from_name(\(type))")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try check(EVP_PKEY_fromdata_init(ctx), "EVP_PKEY_fromdata_init(\(type))")
        let params = try parameters.build()
        defer { OSSL_PARAM_free(params) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata(ctx, &key, selection, params) == 1, let key else {
            throw CryptoError.fromOpenSSL("EVP_PKEY_fromdata(\(type))")
        }
        return EVPKey(taking: key)
    }
}

/// One `EVP_PKEY_CTX`.
final class EVPKeyContext {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_CTX_free(pointer) }
}

/// An `OSSL_PARAM_BLD` plus copies of every name and value pushed into it: the builder keeps
/// pointers, not copies, until `build()`, so both must live as long as the builder (a Swift
/// string passed straight to C lives only for the call).
final class ParameterBuilder {
    private let builder: OpaquePointer
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var numbers: [BigNumber] = []
    private var octets: [UnsafeMutableRawBufferPointer] = []

    init() throws {
        guard let builder = OSSL_PARAM_BLD_new() else { throw CryptoError.fromOpenSSL("OSSL_PARAM_BLD_new") }
        self.builder = builder
    }

    deinit {
        OSSL_PARAM_BLD_free(builder)
        strings.forEach { free($0) }
        for buffer in octets {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
        }
    }

    private func keep(_ text: String) throws -> UnsafeMutablePointer<CChar> {
        guard let copy = strdup(text) else { throw CryptoError.openSSL(operation: "strdup", reason: "out of memory") }
        strings.append(copy)
        return copy
    }

    func add(_ name: String, utf8 value: String) throws {
        try check(OSSL_PARAM_BLD_push_utf8_string(builder, keep(name), keep(value), 0), "OSSL_PARAM_BLD_push_utf8_string(\(name))")
    }

    func add(_ name: String, integer value: BigNumber) throws {
        numbers.append(value)
        try check(OSSL_PARAM_BLD_push_BN(builder, keep(name), value.pointer), "OSSL_PARAM_BLD_push_BN(\(name))")
    }

    func add(_ name: String, octets value: some ContiguousBytes) throws {
        let copy = value.withUnsafeBytes { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyMemory(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        octets.append(copy)
        try check(OSSL_PARAM_BLD_push_octet_string(builder, keep(name), copy.baseAddress, copy.count),
                  "OSSL_PARAM_BLD_push_octet_string(\(name))")
    }

    /// The parameter array; the caller frees it with `OSSL_PARAM_free`.
    func build() throws -> UnsafeMutablePointer<OSSL_PARAM> {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw CryptoError.fromOpenSSL("OSSL_PARAM_BLD_to_param") }
        return params
    }
}

/// A `BIGNUM`. Secret values live in OpenSSL's secure heap and are wiped when freed.
final class BigNumber {
    let pointer: OpaquePointer
    private let isSecret: Bool

    /// From big-endian octets.
    init(_ bytes: some ContiguousBytes, secret: Bool = false) throws {
        guard let bn = secret ? BN_secure_new() : BN_new() else { throw CryptoError.fromOpenSSL("BN_new") }
        pointer = bn
        isSecret = secret
        let converted = bytes.withUnsafeBytes { raw in
            BN_bin2bn(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(raw.count), bn)
        }
        guard converted != nil else { throw CryptoError.fromOpenSSL("BN_bin2bn") }
        if secret { BN_set_flags(bn, BN_FLG_CONSTTIME) }
    }

    deinit {
        if isSecret { BN_clear_free(pointer) } else { BN_free(pointer) }
    }

    /// Big-endian, left-padded to `width` octets.
    func bytes(width: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width)
        guard BN_bn2binpad(pointer, &out, Int32(width)) == Int32(width) else { throw CryptoError.fromOpenSSL("BN_bn2binpad") }
        return out
    }

    /// -1, 0 or 1 as self is less than, equal to or greater than `other`.
    func compare(_ other: BigNumber) -> Int32 { BN_cmp(pointer, other.pointer) }

    /// `self` minus a small constant, as a new public number.
    func subtracting(_ word: UInt) throws -> BigNumber {
        let copy = try BigNumber([UInt8]())
        guard BN_copy(copy.pointer, pointer) != nil, BN_sub_word(copy.pointer, word) == 1 else {
            throw CryptoError.fromOpenSSL("BN_sub_word")
        }
        return copy
    }

    /// g^x mod p in constant time (`x` is secret), as a new public number.
    static func modularPower(base: BigNumber, exponent: BigNumber, modulus: BigNumber) throws -> BigNumber {
        guard let ctx = BN_CTX_secure_new() else { throw CryptoError.fromOpenSSL("BN_CTX_secure_new") }
        defer { BN_CTX_free(ctx) }
        let result = try BigNumber([UInt8]())
        try check(BN_mod_exp_mont_consttime(result.pointer, base.pointer, exponent.pointer, modulus.pointer, ctx, nil),
                  "BN_mod_exp_mont_consttime")
        return result
    }
}

/// A memory `BIO` over a copy of some octets, for the PEM and DER readers.
final class ReadBIO {
    let pointer: OpaquePointer
    private let storage: UnsafeMutableRawBufferPointer

    init(_ bytes: some ContiguousBytes) throws {
        storage = bytes.withUnsafeBytes { raw in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(raw.count, 1), alignment: 1)
            buffer.copyMemory(from: raw)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<raw.count])
        }
        guard let bio = BIO_new_mem_buf(storage.baseAddress, Int32(storage.count)) else {
            storage.deallocate()
            throw CryptoError.fromOpenSSL("BIO_new_mem_buf")
        }
        pointer = bio
    }

    deinit {
        BIO_free(pointer)
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }
}

/// A growable memory `BIO` that collects text OpenSSL prints (names, reasons).
final class WriteBIO {
    let pointer: OpaquePointer

    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.fromOpenSSL("BIO_new") }
        pointer = bio
    }

    deinit { BIO_free(pointer) }

    /// Everything written so far, as UTF-8 text.
    func text() -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(pointer, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}
