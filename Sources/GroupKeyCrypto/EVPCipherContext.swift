import COpenSSL

/// One OpenSSL cipher context, keyed once for one direction. Each message only re-supplies the
/// IV: `EVP_CipherInit_ex` with a null cipher and key keeps the key schedule and resets the
/// per-message state, which is what makes per-packet use cheap. The context (and with it the
/// expanded key) is cleansed and freed with the object. Callers serialise use (see ContextLock).
final class EVPCipherContext {
    private let ctx: OpaquePointer
    let encrypting: Bool

    /// Keys a new context. `flags` are EVP_CIPHER_CTX flags that must be set before keying
    /// (the key-wrap ciphers need EVP_CIPHER_CTX_FLAG_WRAP_ALLOW).
    init(cipher: OpaquePointer, key: UnsafeRawBufferPointer, encrypting: Bool, padding: Bool = false,
         flags: Int32 = 0, name: String) throws {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError.fromOpenSSL("EVP_CIPHER_CTX_new") }
        self.ctx = ctx
        self.encrypting = encrypting
        if flags != 0 { EVP_CIPHER_CTX_set_flags(ctx, flags) }
        try check(EVP_CipherInit_ex(ctx, FetchedCiphers.shared.implementation(of: cipher), nil, nil, nil, encrypting ? 1 : 0),
                  "EVP_CipherInit_ex(\(name))")
        guard Int(EVP_CIPHER_CTX_get_key_length(ctx)) == key.count else {
            throw CryptoError.invalidKeyLength(algorithm: name, expected: [Int(EVP_CIPHER_CTX_get_key_length(ctx))], actual: key.count)
        }
        try check(EVP_CipherInit_ex(ctx, nil, nil, key.baseAddress?.assumingMemoryBound(to: UInt8.self), nil,
                                    encrypting ? 1 : 0), "EVP_CipherInit_ex(\(name) key)")
        // IKE and ESP pad themselves (RFC 7296 §3.14, RFC 4303 §2.4); PKCS#7 padding would add a block.
        try check(EVP_CIPHER_CTX_set_padding(ctx, padding ? 1 : 0), "EVP_CIPHER_CTX_set_padding")
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)  // cleanses the key schedule before freeing it
    }

    /// Starts a message: sets the IV (or nonce/counter block) and resets the per-message state.
    /// A nil IV keeps the cipher's default (the key-wrap ciphers' RFC 3394/5649 constant).
    func begin(iv: UnsafeRawBufferPointer?) throws {
        try check(EVP_CipherInit_ex(ctx, nil, nil, nil, iv?.baseAddress?.assumingMemoryBound(to: UInt8.self), encrypting ? 1 : 0),
                  "EVP_CipherInit_ex(IV)")
    }

    /// Feeds associated data to an AEAD (output pointer null).
    func associate(_ aad: UnsafeRawBufferPointer) throws {
        guard aad.count > 0 else { return }
        var written: Int32 = 0
        try check(EVP_CipherUpdate(ctx, nil, &written, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), try int32(aad.count)),
                  "EVP_CipherUpdate(AAD)")
    }

    /// Processes `input` into `output` and returns the number of octets written.
    func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard input.count > 0 else { return 0 }
        var written: Int32 = 0
        try check(EVP_CipherUpdate(ctx, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written,
                                   input.baseAddress?.assumingMemoryBound(to: UInt8.self), try int32(input.count)),
                  "EVP_CipherUpdate")
        return Int(written)
    }

    /// Finishes the message. Returns the octets written, or nil when OpenSSL refuses to finish
    /// (a bad AEAD tag or key-wrap check); the OpenSSL error queue is cleared in that case.
    func finish(into output: UnsafeMutableRawBufferPointer) -> Int? {
        var written: Int32 = 0
        let result = EVP_CipherFinal_ex(ctx, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written)
        guard result == 1 else {
            CryptoError.clearOpenSSLErrors()
            return nil
        }
        return Int(written)
    }

    /// Reads the AEAD tag after an encryption (truncated to `into.count`).
    func readTag(into tag: UnsafeMutableRawBufferPointer) throws {
        try check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, try int32(tag.count), tag.baseAddress), "EVP_CTRL_AEAD_GET_TAG")
    }

    /// Sets the expected AEAD tag before a decryption is finished.
    func expectTag(_ tag: UnsafeRawBufferPointer) throws {
        try check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, try int32(tag.count), UnsafeMutableRawPointer(mutating: tag.baseAddress)),
                  "EVP_CTRL_AEAD_SET_TAG")
    }

    private func int32(_ count: Int) throws -> Int32 {
        guard let value = Int32(exactly: count), value < Int32.max - 64 else {
            throw CryptoError.invalidInputLength("\(count) octets is more than one OpenSSL call takes")
        }
        return value
    }
}

/// The two directions of one keyed cipher, each keyed on first use. Many users only ever take one
/// direction (a GCKS seals with SK_er and opens with SK_ei; a member only unwraps), and a context,
/// with its expanded key and, for GCM, its multiplication tables, is a large part of what a held
/// IKE SA costs in memory. The key is kept (wiped when released) until both exist. Not
/// thread-safe: its owner calls it under the ContextLock that also guards the contexts' use.
final class LazyCipherContexts {
    private let cipher: OpaquePointer
    private var key: SecretBytes?
    private let flags: Int32
    private let name: String
    private var encryptor: EVPCipherContext?
    private var decryptor: EVPCipherContext?

    /// Checks the key's length now, as keying a context would.
    init(cipher: OpaquePointer, key: SecretBytes, flags: Int32 = 0, name: String) throws {
        let expected = Int(EVP_CIPHER_get_key_length(cipher))
        guard key.count == expected else { throw CryptoError.invalidKeyLength(algorithm: name, expected: [expected], actual: key.count) }
        self.cipher = cipher
        self.key = key
        self.flags = flags
        self.name = name
    }

    func context(encrypting: Bool) throws -> EVPCipherContext {
        if let existing = encrypting ? encryptor : decryptor { return existing }
        guard let key else { throw CryptoError.openSSL(operation: "cipher context (\(name))", reason: "no key") }
        let made = try key.withUnsafeBytes { try EVPCipherContext(cipher: cipher, key: $0, encrypting: encrypting, flags: flags, name: name) }
        if encrypting { encryptor = made } else { decryptor = made }
        if encryptor != nil && decryptor != nil { self.key = nil }  // both contexts hold it now
        return made
    }
}

/// The provider implementation of each cipher, fetched once. The `EVP_aes_*()` objects are
/// OpenSSL 1.1 style descriptions; keying a context with one makes OpenSSL 3 look the provider
/// implementation up by name again for every context (about half the cost of a new context).
final class FetchedCiphers: @unchecked Sendable {
    static let shared = FetchedCiphers()
    private let lock = ContextLock()
    private var byNID: [Int32: OpaquePointer] = [:]

    /// The fetched implementation of `cipher`, or `cipher` itself when none can be fetched
    /// (OpenSSL then does its own implicit fetch, as before).
    func implementation(of cipher: OpaquePointer) -> OpaquePointer {
        let nid = EVP_CIPHER_get_nid(cipher)
        return lock.withLock {
            if let fetched = byNID[nid] { return fetched }
            guard let name = OBJ_nid2sn(nid), let fetched = EVP_CIPHER_fetch(nil, name, nil) else {
                CryptoError.clearOpenSSLErrors()
                return cipher
            }
            byNID[nid] = fetched  // kept for the life of the process
            return fetched
        }
    }
}

/// Temporary storage for octets that may be secret (decrypted plaintext, unwrapped keys):
/// wiped before it is freed, whatever way the body leaves.
func withWipedScratch<R>(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    scratch.initializeMemory(as: UInt8.self, repeating: 0)
    defer {
        OPENSSL_cleanse(scratch.baseAddress, scratch.count)
        scratch.deallocate()
    }
    return try body(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count]))
}
