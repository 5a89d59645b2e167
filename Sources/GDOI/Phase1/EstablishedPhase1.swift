import EngineCore
import GDOIWire
import GroupKeyCrypto

/// An established ISAKMP SA as an engine keeps it: the SA value phase 2 uses, plus what the
/// engine itself needs (its lifetime, the last phase-1 answer for a retransmitted final message,
/// Informational replay state, Dead Peer Detection).
struct EstablishedPhase1: Sendable {
    var sa: Phase1SA
    /// 2 for GDOI peers; 1 when the peer negotiated under the IPsec DOI (and will try Quick Mode).
    let doi: UInt32
    let mode: Phase1Mode
    /// The SA life ends here (RFC 2409 App. A Life Duration; RFC 2408 §4.5).
    let expiresAt: EngineTime
    /// The last phase-1 request and our answer (responder), for a retransmitted message 5.
    var lastRequest: [UInt8]?
    var lastResponse: [[UInt8]]
    let peerSupportsDPD: Bool
    /// Message IDs of Informational messages already processed, oldest first (replays dropped).
    var seenMessageIDs: [UInt32] = []
    /// RFC 3706 §5: our next R-U-THERE sequence number, and the one awaiting its ACK.
    var nextDPDSequence: UInt32
    var awaitedDPDSequence: UInt32?
    var lastDPDAcknowledged: UInt32?

    static let rememberedMessageIDs = 64

    init(exchange: Phase1Exchange, sa: Phase1SA, now: EngineTime, random: any RandomSource) {
        self.sa = sa
        doi = exchange.doi
        mode = exchange.mode
        expiresAt = now.adding(milliseconds: Int64(sa.lifetimeSeconds) * 1_000)
        lastRequest = exchange.lastRequest
        lastResponse = exchange.lastResponse
        peerSupportsDPD = exchange.peerSupportsDPD
        // RFC 3706 §5.5: the first sequence number is random (a 31-bit value leaves room to count).
        nextDPDSequence = ((try? random.integer(UInt32.self)) ?? 1) & 0x7FFF_FFFF
    }

    /// Records an Informational M-ID; false if it was seen already.
    mutating func acceptMessageID(_ id: UInt32) -> Bool {
        guard !seenMessageIDs.contains(id) else { return false }
        seenMessageIDs.append(id)
        if seenMessageIDs.count > Self.rememberedMessageIDs { seenMessageIDs.removeFirst() }
        return true
    }

    /// What an Informational exchange asked of us.
    struct InformationalResult {
        var send: [[UInt8]] = []
        var logs: [LogEvent] = []
        /// The peer deleted this ISAKMP SA.
        var deleted = false
        /// A Notify error the peer sent.
        var errors: [UInt16] = []
    }

    /// Handles `HDR*, HASH(1), N/D` under this SA (RFC 2408 §4.8, RFC 2409 §5.7, RFC 3706 §5).
    mutating func handleInformational(_ message: ISAKMPMessage, random: any RandomSource) throws -> InformationalResult {
        let payloads = try ISAKMPInformational.open(message, under: sa)
        guard acceptMessageID(message.header.messageID) else {
            throw GDOIError.replay("Informational M-ID \(message.header.messageID) seen before")
        }
        var result = InformationalResult()
        let cookies = sa.initiatorCookie + sa.responderCookie
        for payload in payloads {
            switch payload {
            case .notification(let n) where n.messageType == ISAKMPNotifyType.rUThere:
                // RFC 3706 §5: answer with R-U-THERE-ACK carrying the same sequence number.
                guard n.spi == cookies, n.data.count == 4 else {
                    result.logs.append(LogEvent(.warning, "GDOI-DPD-MALFORMED", "R-U-THERE with wrong SPI or data from \(sa.peerAddress)"))
                    continue
                }
                let ack = ISAKMPInformational.notification(ISAKMPNotifyType.rUThereAck, about: sa, doi: n.doi, data: n.data)
                result.send.append(try ISAKMPInformational.seal([ack], under: sa, messageID: try Self.messageID(random)))
                result.logs.append(LogEvent(.debug, "GDOI-DPD", "R-U-THERE from \(sa.peerAddress) answered"))
            case .notification(let n) where n.messageType == ISAKMPNotifyType.rUThereAck:
                let sequence = n.data.count == 4 ? n.data.bigEndianUInt64 : 0
                if n.spi == cookies, let awaited = awaitedDPDSequence, UInt64(awaited) == sequence {
                    awaitedDPDSequence = nil
                    lastDPDAcknowledged = awaited
                    result.logs.append(LogEvent(.debug, "GDOI-DPD", "R-U-THERE-ACK \(awaited) from \(sa.peerAddress)"))
                } else {
                    result.logs.append(LogEvent(.warning, "GDOI-DPD-UNEXPECTED", "unexpected R-U-THERE-ACK from \(sa.peerAddress)"))
                }
            case .notification(let n):
                if n.messageType < 8192 { result.errors.append(n.messageType) }
                result.logs.append(LogEvent(n.messageType < 8192 ? .warning : .info, "GDOI-NOTIFY",
                                            "\(ISAKMPNotifyName.of(n.messageType)) from \(sa.peerAddress)"))
            case .delete(let d) where d.protocolID == ISAKMPInformational.protocolISAKMP:
                if d.spis.contains(cookies) {
                    result.deleted = true
                    result.logs.append(LogEvent(.info, "GDOI-SA-DELETED", "peer \(sa.peerAddress) deleted ISAKMP SA \(CookiePair(sa))"))
                }
            case .delete(let d):
                result.logs.append(LogEvent(.info, "GDOI-DELETE-IGNORED", "Delete for protocol \(d.protocolID) from \(sa.peerAddress)"))
            default:
                continue
            }
        }
        return result
    }

    /// An R-U-THERE to the peer (RFC 3706 §5).
    mutating func deadPeerProbe(random: any RandomSource) throws -> [UInt8] {
        let sequence = nextDPDSequence
        nextDPDSequence = sequence &+ 1
        awaitedDPDSequence = sequence
        let probe = ISAKMPInformational.notification(ISAKMPNotifyType.rUThere, about: sa, data: sequence.bigEndianOctets)
        return try ISAKMPInformational.seal([probe], under: sa, messageID: try Self.messageID(random))
    }

    /// A random non-zero Message ID for a new phase-2 style exchange (RFC 2408 §3.1).
    static func messageID(_ random: any RandomSource) throws -> UInt32 {
        var id: UInt32 = 0
        while id == 0 { id = try random.integer(UInt32.self) }
        return id
    }
}
