import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// Sealing a protected message whole or as SKF fragments (RFC 7383 §2.5), for either role.
enum MessageFragmentation {
    /// The fragmentation threshold: the configured one, or the RFC 7383 §2.5.1 defaults of
    /// 576-octet IPv4 and 1280-octet IPv6 datagrams, less IP (20/40), UDP (8) and the non-ESP
    /// marker (4) (Appendix B).
    static func limit(configured: Int?, peer: EndpointAddress) -> Int {
        configured ?? (peer.isIPv6 ? 1280 - 40 - 8 - 4 : 576 - 20 - 8 - 4)
    }

    /// Plaintext octets per fragment so that header (28), SKF header and fragment fields (8),
    /// IV, padding, Pad Length and ICV fit in `limit`.
    static func chunk(limit: Int, protection: some IKEv2PayloadProtection) -> Int {
        let available = limit - 28 - 8 - protection.ivLength - protection.icvLength
        let block = max(protection.blockSize, 1)
        // The padded plaintext (chunk + padding + Pad Length) is a whole number of blocks.
        return max(available / block * block - 1, 1)
    }

    /// One datagram when it fits or fragmentation was not negotiated, else the fragments.
    static func seal(_ payloads: [IKEv2Payload], header: IKEv2Header, protection: some IKEv2PayloadProtection,
                     fragment: Bool, limit: Int, random: any RandomSource) throws -> [[UInt8]] {
        // Serialised once; the sealed length follows from it, so an oversized message is not
        // sealed whole only to be split afterwards.
        let inner = try IKEv2Message.serializeInnerPayloads(payloads)
        let first = payloads.first?.type ?? 0
        guard fragment, SKProtection.sealedLength(innerLength: inner.count, protection: protection) > limit else {
            return [try SKProtection.seal(header: header, inner: inner, firstInner: first,
                                          iv: random.bytes(protection.ivLength), protection: protection)]
        }
        let chunk = chunk(limit: limit, protection: protection)
        let count = max(1, (inner.count + chunk - 1) / chunk)
        let ivs = try (0..<count).map { _ in try random.bytes(protection.ivLength) }
        return try SKProtection.sealFragments(header: header, inner: inner, firstInner: first, maximumChunk: chunk, ivs: ivs,
                                              protection: protection)
    }

    /// Checks reassembled content against the rules of its exchange, as an unfragmented message's.
    static func checkReassembled(_ inner: [IKEv2Payload], header: IKEv2Header) throws {
        guard let rules = IKEv2ExchangeRules.rules(exchangeType: header.exchangeType, isResponse: header.isResponse) else {
            throw WireError.ruleViolation(exchange: IKEv2ExchangeRules.exchangeName(header.exchangeType), payload: "header",
                                          offset: 18, reason: "exchange type not handled in this direction")
        }
        try rules.check([FoundPayload(type: IKEv2PayloadType.encrypted, encrypted: false)] + inner.map(\.foundInside))
    }
}
