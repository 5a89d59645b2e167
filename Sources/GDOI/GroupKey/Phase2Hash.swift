import GDOIWire
import GroupKeyCrypto

/// HASH(1)..HASH(4) of GROUPKEY-PULL and HASH(1) of an Informational exchange:
/// prf(SKEYID_a, M-ID | nonce data ... | the payloads after HASH) (RFC 6407 §3.2; RFC 2409 §5.7;
/// WIRE-REFERENCE §8.4: Ni_b and Nr_b are the nonce data only, the rest whole payloads).
enum Phase2Hash {
    static func compute(sa: Phase1SA, messageID: UInt32, nonces: [[UInt8]], afterHash: [UInt8]) throws -> [UInt8] {
        var parts: [any ContiguousBytes] = [Self.bigEndian(messageID)]
        parts += nonces.map { $0 as any ContiguousBytes }
        parts.append(afterHash)
        return try HMAC(sa.prf.digest).authenticationCode(key: sa.keys.skeyidA, parts: parts)
    }

    static func verify(_ received: [UInt8], sa: Phase1SA, messageID: UInt32, nonces: [[UInt8]], afterHash: [UInt8],
                       message: Int) throws {
        let expected = try compute(sa: sa, messageID: messageID, nonces: nonces, afterHash: afterHash)
        guard ConstantTime.equal(expected, received) else { throw GroupKeyError.hashMismatch(message: message) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// The message with a HASH payload of the right size first: serialises `rest`, computes the
    /// hash over it and returns the whole payload chain (HASH first).
    static func chain(sa: Phase1SA, messageID: UInt32, nonces: [[UInt8]], rest: [ISAKMPPayload]) throws -> [UInt8] {
        let restBytes = try ISAKMPMessage.serializePayloads(rest)
        let hash = try compute(sa: sa, messageID: messageID, nonces: nonces, afterHash: restBytes)
        return try ISAKMPMessage.serializePayloads([.hash(data: hash)] + rest)
    }
}
