import GroupKeyTypes

/// A negotiated PRF: IKEv2 Transform Type 2 (RFC 7296 §3.3.2) or the HMAC form of an IKEv1
/// phase-1 hash (RFC 2409 §5: "prf ... the HMAC version of the negotiated hash").
public struct PseudorandomFunction: Sendable, Equatable, CustomStringConvertible {
    public let digest: DigestAlgorithm

    public init(digest: DigestAlgorithm) { self.digest = digest }

    /// Output length of one prf block; also the preferred key length (RFC 7296 §2.14).
    public var outputLength: Int { digest.outputLength }

    public var description: String { "PRF_HMAC_\(digest)" }

    /// prf(K, S) as key material.
    public func derive(key: some ContiguousBytes, _ parts: any ContiguousBytes...) throws -> SecretBytes {
        try HMAC(digest).derive(key: key, parts: parts)
    }

    /// prf(K, S) as public octets (AUTH payload values, IKEv1 HASH_I/HASH_R, ...).
    public func authenticate(key: some ContiguousBytes, _ parts: any ContiguousBytes...) throws -> [UInt8] {
        try HMAC(digest).authenticationCode(key: key, parts: parts)
    }

    /// Largest output prf+ can give: the block counter is one octet (RFC 7296 §2.13).
    public var prfPlusMaximumLength: Int { 255 * outputLength }

    /// prf+(K, S) = T1 | T2 | ... with T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n)
    /// (RFC 7296 §2.13), truncated to `length` octets.
    public func prfPlus(key: some ContiguousBytes, seed: some ContiguousBytes, length: Int) throws -> SecretBytes {
        guard length <= prfPlusMaximumLength else {
            throw CryptoError.prfPlusOutputTooLong(requested: length, maximum: prfPlusMaximumLength)
        }
        let blocks = (length + outputLength - 1) / outputLength
        return try key.withUnsafeBytes { k in
            try HMACEngine.withKey(digest: digest, key: k) { mac in
                try SecretBytes(count: length) { out in
                    var previous = SecretBytes.zeros(count: 0)
                    for index in 1...max(blocks, 1) where length > 0 {
                        let counter: [UInt8] = [UInt8(index)]
                        let block = try SecretBytes(count: outputLength) { try mac([previous, seed, counter], $0) }
                        let start = (index - 1) * outputLength
                        let take = min(outputLength, length - start)
                        block.withUnsafeBytes {
                            UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + take)])
                                .copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<take]))
                        }
                        previous = block
                    }
                }
            }
        }
    }
}

extension PseudorandomFunction {
    /// The PRF for an IKEv2 Transform Type 2 ID.
    public init(ikev2 id: IKEv2PRFID) {
        switch id {
        case .hmacMD5: self.init(digest: .md5)
        case .hmacSHA1: self.init(digest: .sha1)
        case .hmacSHA2_256: self.init(digest: .sha256)
        case .hmacSHA2_384: self.init(digest: .sha384)
        case .hmacSHA2_512: self.init(digest: .sha512)
        }
    }

    /// The phase-1 PRF for an IKEv1 Hash Algorithm attribute value (RFC 2409 §5).
    public init(ikev1 hash: IKEv1HashAlgorithm) {
        switch hash {
        case .md5: self.init(digest: .md5)
        case .sha1: self.init(digest: .sha1)
        case .sha2_256: self.init(digest: .sha256)
        case .sha2_384: self.init(digest: .sha384)
        case .sha2_512: self.init(digest: .sha512)
        }
    }
}
