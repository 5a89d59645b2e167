import GIKEv2Wire
import GroupKeyCrypto

extension GCKSResponder {
    /// Protects a response, as SKF fragments when the member announced IKE fragmentation and the
    /// whole message would exceed the threshold (RFC 7383 §2.5, §2.5.1).
    func seal(_ payloads: [IKEv2Payload], header: IKEv2Header, session: ResponderSession) throws -> [[UInt8]] {
        let protection = session.keys.responderProtection
        let whole = try SKProtection.seal(header: header, innerPayloads: payloads, iv: random.bytes(protection.ivLength),
                                          protection: protection)
        let limit = configuration.messageSizeLimit(for: session.peer)
        guard session.fragmentationSupported, whole.count > limit else { return [whole] }
        let chunk = Self.fragmentChunk(limit: limit, protection: protection)
        let inner = try IKEv2Message.serializeInnerPayloads(payloads)
        let count = max(1, (inner.count + chunk - 1) / chunk)
        let ivs = try (0..<count).map { _ in try random.bytes(protection.ivLength) }
        return try SKProtection.sealFragments(header: header, innerPayloads: payloads, maximumChunk: chunk, ivs: ivs,
                                              protection: protection)
    }

    /// Plaintext octets per fragment so that header (28), SKF header and fragment fields (8),
    /// IV, padding, Pad Length and ICV fit in `limit` (RFC 7383 §2.5, Appendix B).
    static func fragmentChunk(limit: Int, protection: some IKEv2PayloadProtection) -> Int {
        let available = limit - 28 - 8 - protection.ivLength - protection.icvLength
        let block = max(protection.blockSize, 1)
        // The padded plaintext (chunk + padding + Pad Length) is a whole number of blocks.
        return max(available / block * block - 1, 1)
    }
}
