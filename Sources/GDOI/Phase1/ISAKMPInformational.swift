import GDOIWire
import GroupKeyCrypto
import WireCore

/// Informational exchanges (RFC 2408 §4.8) and the HASH(1)-protected phase-2 messages that share
/// their layout (RFC 2409 §5.5, §5.7): under an established phase-1 SA every message is
/// `HDR*, HASH(1), N/D...` with HASH(1) = prf(SKEYID_a, M-ID | N/D), encrypted with the phase-2 IV
/// for its own random M-ID. Before phase 1 completes a Notify goes in the clear.
public enum ISAKMPInformational {
    /// Protocol-ID of the ISAKMP SA itself in N and D payloads (RFC 2408 §3.14, §3.15).
    public static let protocolISAKMP: UInt8 = 1

    /// `HDR*, HASH(1), payloads` under `sa`, exchange `exchangeType` (5 unless a phase-2 answer).
    public static func seal(_ payloads: [ISAKMPPayload], under sa: Phase1SA, messageID: UInt32,
                            exchangeType: UInt8 = ISAKMPExchangeType.informational) throws -> [UInt8] {
        let body = try ISAKMPMessage.serializePayloads(payloads)
        let hash = try sa.phase2Hash(messageID: messageID, body)
        let header = ISAKMPHeader(initiatorCookie: sa.initiatorCookie.bigEndianUInt64,
                                  responderCookie: sa.responderCookie.bigEndianUInt64,
                                  exchangeType: exchangeType, flags: ISAKMPHeader.encryptionFlag, messageID: messageID)
        return try sa.protection.seal(header: header, payloads: [.hash(data: hash)] + payloads,
                                      iv: try sa.phase2InitialIV(messageID: messageID)).datagram
    }

    /// Decrypts a HASH(1)-protected message under `sa` and checks its HASH; returns the payloads
    /// after the HASH. A wrong HASH is `authenticationFailed` (RFC 2408 §5.5: INVALID-HASH-INFORMATION).
    /// `parsingAs`: read the payloads as in that exchange (Quick Mode shares number 32 with
    /// GROUPKEY-PULL but carries an IPsec DOI SA, so it is read as an ordinary ISAKMP message).
    public static func open(_ message: ISAKMPMessage, under sa: Phase1SA, parsingAs: UInt8? = nil) throws -> [ISAKMPPayload] {
        guard message.header.isEncrypted else {
            throw GDOIError.unexpectedMessage("\(GDOIExchangeRules.exchangeName(message.header.exchangeType)) in the clear under an established SA")
        }
        guard message.header.messageID != 0 else {
            throw GDOIError.malformed("phase-2 message with Message ID 0 (RFC 2408 §3.1)")
        }
        let opened = try sa.protection.open(message, iv: try sa.phase2InitialIV(messageID: message.header.messageID),
                                           parsingAs: parsingAs)
        guard case .hash(let received)? = opened.payloads.first, opened.payloads.count >= 2,
              let rest = opened.chainOctets(from: 1) else {
            throw GDOIError.malformed("HASH(1) is not the first payload")
        }
        let expected = try sa.phase2Hash(messageID: message.header.messageID, rest)
        guard ConstantTime.equal(received, expected) else {
            throw GDOIError.authenticationFailed("HASH(1) of \(GDOIExchangeRules.exchangeName(message.header.exchangeType)) does not verify")
        }
        return Array(opened.payloads.dropFirst())
    }

    /// An unprotected Notify about the exchange with these cookies (RFC 2408 §3.14; used before
    /// any keys exist, e.g. NO-PROPOSAL-CHOSEN to Main Mode message 1).
    public static func unprotectedNotification(_ type: UInt16, initiatorCookie: UInt64, responderCookie: UInt64,
                                               doi: UInt32) throws -> [UInt8] {
        let header = ISAKMPHeader(initiatorCookie: initiatorCookie, responderCookie: responderCookie,
                                  exchangeType: ISAKMPExchangeType.informational, flags: 0, messageID: 0)
        let notification = ISAKMPNotification(doi: doi, protocolID: protocolISAKMP, messageType: type)
        return try ISAKMPMessage(header: header, payloads: [.notification(notification)]).serializedBytes()
    }

    /// Notify about the ISAKMP SA itself: SPI = the cookie pair (RFC 2408 §3.14; RFC 3706 §5 for DPD).
    public static func notification(_ type: UInt16, about sa: Phase1SA, doi: UInt32 = ISAKMPDOI.ipsec,
                                    data: [UInt8] = []) -> ISAKMPPayload {
        .notification(ISAKMPNotification(doi: doi, protocolID: protocolISAKMP, messageType: type,
                                         spi: sa.initiatorCookie + sa.responderCookie, data: data))
    }

    /// Delete of the ISAKMP SA (RFC 2408 §3.15: Protocol-Id ISAKMP, SPI = the cookie pair).
    public static func deletion(of sa: Phase1SA, doi: UInt32 = ISAKMPDOI.ipsec) -> ISAKMPPayload {
        .delete(ISAKMPDelete(doi: doi, protocolID: protocolISAKMP, spiSize: 16, spis: [sa.initiatorCookie + sa.responderCookie]))
    }
}
