import GDOIWire
import GroupKeyCrypto
import WireCore

/// GROUPKEY-PUSH-ACK (RFC 8263 §3): HDR (the push's cookies, exchange 35, no flags, M-ID 0), HASH,
/// SEQ, ID, in the clear. HASH = prf(ack_key, SEQ | ID) over the whole SEQ and ID payloads, with
/// ack_key = prf(base_key, "GROUPKEY-PUSH ACK\0" | SPI | L) (RFC 8263 §3.2).
public enum GroupKeyPushAck {
    /// KEK_ACK_REQUESTED values (RFC 8263 §2; IANA): base key and PRF.
    public enum AckType: UInt16, Sendable {
        case kekSHA256 = 1, lkhSHA256 = 2, kekSHA512 = 3, lkhSHA512 = 4

        var digest: DigestAlgorithm { self == .kekSHA256 || self == .lkhSHA256 ? .sha256 : .sha512 }
        /// L: 512 for PRF-HMAC-SHA-256, as the text says (WIRE-REFERENCE §17.8, §18 item 22); the
        /// SHA-512 block size, 1024, for PRF-HMAC-SHA-512.
        var lengthBits: UInt16 { digest == .sha256 ? 512 : 1024 }
    }

    static let label = Array("GROUPKEY-PUSH ACK".utf8) + [0]

    /// ack_key from the base key (KEK_ALGORITHM_KEY or the first LKH key, without IV) and the
    /// push's cookie pair.
    static func ackKey(type: AckType, baseKey: SecretBytes, spi: [UInt8]) throws -> SecretBytes {
        let length: [UInt8] = [UInt8(type.lengthBits >> 8), UInt8(type.lengthBits & 0xFF)]
        return try HMAC(type.digest).derive(key: baseKey, parts: [label, spi, length])
    }

    /// The acknowledgement of push `sequence` by the member at `memberAddress` (4 or 16 octets).
    public static func build(type: AckType, baseKey: SecretBytes, spi: [UInt8], sequence: UInt32, memberAddress: [UInt8]) throws -> [UInt8] {
        let id = ISAKMPIdentification(idType: memberAddress.count == 4 ? ISAKMPIdentification.ipv4Address : 5, data: memberAddress)
        let rest = try ISAKMPMessage.serializePayloads([.sequenceNumber(GDOISequenceNumber(sequence)), .identification(id)])
        let hash = try HMAC(type.digest).authenticationCode(key: try ackKey(type: type, baseKey: baseKey, spi: spi), parts: [rest])
        let header = ISAKMPHeader(initiatorCookie: Phase1SA.cookieValue(Array(spi[0..<8])),
                                  responderCookie: Phase1SA.cookieValue(Array(spi[8..<16])),
                                  exchangeType: ISAKMPExchangeType.groupkeyPushAck, flags: 0, messageID: 0)
        return try ISAKMPMessage(header: header, payloads: [.hash(data: hash), .sequenceNumber(GDOISequenceNumber(sequence)),
                                                           .identification(id)]).serializedBytes()
    }

    /// A verified acknowledgement: which push, from which member address.
    public struct Verified: Sendable, Equatable {
        public let spi: [UInt8]
        public let sequence: UInt32
        public let memberAddress: [UInt8]
    }

    /// Parses and verifies an acknowledgement against the base key of the push's KEK.
    public static func verify(_ datagram: [UInt8], type: AckType, baseKey: SecretBytes) throws -> Verified {
        let message: ISAKMPMessage
        do {
            message = try ISAKMPMessage.parse(datagram)
            try GDOIExchangeRules.check(header: message.header, payloads: message.payloads, offsets: message.payloadOffsets, message: 1)
        } catch {
            throw GroupKeyError.malformed("GROUPKEY-PUSH-ACK: \(error)")
        }
        guard message.header.exchangeType == ISAKMPExchangeType.groupkeyPushAck, case .hash(let hash) = message.payloads[0],
              case .sequenceNumber(let sequence) = message.payloads[1], case .identification(let id) = message.payloads[2] else {
            throw GroupKeyError.malformed("GROUPKEY-PUSH-ACK is not HASH, SEQ, ID")
        }
        let spi = message.header.cookiePair
        let rest = Array(datagram[(WireLimits.headerLength + 4 + hash.count)...])
        let expected = try HMAC(type.digest).authenticationCode(key: try ackKey(type: type, baseKey: baseKey, spi: spi), parts: [rest])
        guard ConstantTime.equal(expected, hash) else { throw GroupKeyError.hashMismatch(message: 1) }
        return Verified(spi: spi, sequence: sequence.value, memberAddress: id.data)
    }
}
