import GDOIWire

extension Phase1SA {
    /// An ISAKMP header for a phase-2 message under this SA (RFC 2408 §3.1): its cookies, the given
    /// exchange and M-ID, HASH first (the callers' messages all start with HASH).
    func phase2Header(exchangeType: UInt8, messageID: UInt32) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: Self.cookieValue(initiatorCookie), responderCookie: Self.cookieValue(responderCookie),
                     nextPayload: ISAKMPPayloadType.hash, exchangeType: exchangeType,
                     flags: ISAKMPHeader.encryptionFlag, messageID: messageID)
    }

    static func cookieValue(_ octets: [UInt8]) -> UInt64 { octets.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    /// The registration identity a member has in the group state, the same text G-IKEv2 uses for
    /// the same identification ("id<type>:<data>"), so one member keeps one LKH leaf whichever
    /// protocol it registers with.
    var memberName: String {
        let data = peerIdentity.data
        let printable = !data.isEmpty && data.allSatisfy { (0x20...0x7E).contains($0) }
        let text = printable ? String(decoding: data, as: UTF8.self) : data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "id\(peerIdentity.idType):\(text)"
    }
}

/// Informational exchange carrying one notification under the phase-1 SA (RFC 2409 §5.7):
/// HDR*, HASH(1), N with HASH(1) = prf(SKEYID_a, M-ID | N).
enum Phase2Notification {
    /// INVALID-ID-INFORMATION: the group ID names no group (RFC 2408 §3.14.1).
    static let invalidIDInformation: UInt16 = 18
    /// AUTHENTICATION-FAILED: the phase-1 identity is not on the group's authorization list
    /// (RFC 2408 §3.14.1; RFC 6407 §3.1 authorizes by the phase-1 identity).
    static let authenticationFailed: UInt16 = 24

    static func datagram(type: UInt16, sa: Phase1SA, messageID: UInt32) throws -> [UInt8] {
        var protection = try Phase2Protection(sa: sa, messageID: messageID)
        let notify = ISAKMPNotification(doi: ISAKMPDOI.gdoi, protocolID: ISAKMPProposal.protoISAKMP, messageType: type,
                                        spi: sa.initiatorCookie + sa.responderCookie)
        let body = try Phase2Hash.chain(sa: sa, messageID: messageID, nonces: [], rest: [.notification(notify)])
        return try protection.seal(header: sa.phase2Header(exchangeType: ISAKMPExchangeType.informational, messageID: messageID),
                                   body: body)
    }
}
