import Foundation
import Gateway
import GDOI
import GDOIWire
import GroupKeyCrypto

/// What `member join --protocol gdoi` prints: the ISAKMP SA, then what GROUPKEY-PULL delivered
/// (TEKs, the KEK, Sender-IDs), in the same shape as the G-IKEv2 report; keys only when asked.
struct GDOIMemberReport {
    let server: String
    let group: String
    let outcome: GDOIMemberClient.Outcome
    let showKeys: Bool

    struct Document: Encodable {
        var registered: Bool
        var server: String
        var group: String
        var `protocol` = "gdoi"
        var phase1: Phase1Summary?
        var dataSecuritySAs: [MemberReport.DataSA]?
        var rekeySA: KEKSummary?
        var senderIDs: [UInt32]?
        var senderIDBits: UInt16?
        var sequence: UInt32?
        var error: MemberReport.Failure?
    }

    struct Phase1Summary: Encodable {
        var cookies: String
        var mode: String?
        var cipher: String
        var hash: String
        var peer: String
        var peerIdentity: String
        var lifetimeSeconds: UInt32
    }

    struct KEKSummary: Encodable {
        var spi: String
        var algorithm: String
        var destination: String
        var lifetimeSeconds: UInt32?
        var ackRequested: Bool
        var keys: String?
    }

    var json: String { PolicyJSON.encode(document) }

    var document: Document {
        switch outcome {
        case .failed(let reason, let phase1):
            return Document(registered: false, server: server, group: group, phase1: phase1.map(Self.summary),
                            error: MemberReport.Failure(code: "GDOI-FAILED", notify: nil, message: reason))
        case .registered(let phase1, let holdings):
            return Document(registered: true, server: server, group: group, phase1: Self.summary(phase1),
                            dataSecuritySAs: holdings.teks.map { Self.tek($0, showKeys: showKeys) },
                            rekeySA: holdings.kek.map { Self.kek($0, showKeys: showKeys) },
                            senderIDs: holdings.senderIDs, senderIDBits: holdings.senderIDBits, sequence: holdings.sequence)
        }
    }

    var text: String {
        switch outcome {
        case .failed(let reason, let phase1):
            var line = "GDOI registration to group \(group) at \(server) failed: \(reason)"
            if let phase1 { line += "\n  (phase 1 was established: ISAKMP SA \(CookiePair(phase1)))" }
            return line
        case .registered(let phase1, let holdings):
            let summary = Self.summary(phase1)
            var lines = ["registered to group \(group) at \(server) with GDOI",
                         "  ISAKMP SA \(summary.cookies): \(summary.cipher), \(summary.hash), peer \(summary.peerIdentity), "
                         + "lifetime \(summary.lifetimeSeconds) s"]
            for tek in holdings.teks.map({ Self.tek($0, showKeys: showKeys) }) {
                lines.append("  \(tek.protocol) SA SPI \(tek.spi): \(tek.transforms.joined(separator: ", "))")
                lines.append("    selectors \(tek.source) -> \(tek.destination), lifetime \(tek.lifetimeSeconds.map { "\($0) s" } ?? "none")")
                if let keys = tek.keys { lines.append("    keys \(keys)") }
            }
            if let kek = holdings.kek.map({ Self.kek($0, showKeys: showKeys) }) {
                lines.append("  rekey SA (KEK) SPI \(kek.spi): \(kek.algorithm), destination \(kek.destination), "
                             + "lifetime \(kek.lifetimeSeconds.map { "\($0) s" } ?? "none")\(kek.ackRequested ? ", acks requested" : "")")
                if let keys = kek.keys { lines.append("    keys \(keys)") }
            }
            lines.append("  sender IDs: \(holdings.senderIDs.isEmpty ? "none" : holdings.senderIDs.map(String.init).joined(separator: ", "))"
                         + (holdings.senderIDBits.map { " (\($0) bits)" } ?? ""))
            lines.append("  push sequence: \(holdings.sequence)")
            return lines.joined(separator: "\n")
        }
    }

    static func summary(_ sa: Phase1SA) -> Phase1Summary {
        Phase1Summary(cookies: MemberReport.hex(sa.initiatorCookie) + "_i " + MemberReport.hex(sa.responderCookie) + "_r",
                      mode: nil, cipher: sa.cipher.parameters.name, hash: "HMAC-\(sa.hash)",
                      peer: sa.peerAddress.description, peerIdentity: sa.peerIdentity.displayString, lifetimeSeconds: sa.lifetimeSeconds)
    }

    static func tek(_ tek: GDOIMemberHoldings.TEK, showKeys: Bool) -> MemberReport.DataSA {
        MemberReport.DataSA(spi: MemberReport.hex(tek.spi), protocol: tek.protocolID == 1 ? "esp" : tek.protocolID == 2 ? "ah" : "protocol \(tek.protocolID)",
                            transforms: MemberReport.transforms(encryption: tek.encryption, keyBits: tek.keyBits, integrity: tek.integrity),
                            encryption: tek.encryption, keyBits: tek.keyBits, integrity: tek.integrity, sequenceNumbers: 0,
                            source: describe(tek.source), destination: describe(tek.destination), lifetimeSeconds: tek.lifetimeSeconds,
                            keys: showKeys ? MemberReport.hex(tek.keyMaterial.unsafeCopyBytes()) : nil)
    }

    static func kek(_ kek: GDOIMemberHoldings.KEK, showKeys: Bool) -> KEKSummary {
        KEKSummary(spi: MemberReport.hex(kek.key.spi), algorithm: kek.key.algorithm.parameters.name, destination: describe(kek.destination),
                   lifetimeSeconds: kek.lifetimeSeconds, ackRequested: kek.ackRequested != nil,
                   keys: showKeys ? MemberReport.hex(kek.key.keyData.unsafeCopyBytes()) : nil)
    }

    /// An SA TEK / KEK identity (RFC 6407 §5.5.1: IPsec DOI ID types): address, or subnet as
    /// address/prefix, with the port when not 0.
    static func describe(_ identity: GDOIIdentity) -> String {
        let data = identity.data
        func address(_ octets: ArraySlice<UInt8>) -> String {
            octets.count == 4 ? octets.map(String.init).joined(separator: ".")
                : stride(from: octets.startIndex, to: octets.endIndex - 1, by: 2).map {
                    String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16)
                }.joined(separator: ":")
        }
        let port = identity.port == 0 ? "" : ":\(identity.port)"
        switch (identity.idType, data.count) {
        case (1, 4), (5, 16): return address(data[...]) + port
        case (4, 8), (6, 32):
            let half = data.count / 2
            return "\(address(data[..<half]))/\(data[half...].reduce(0) { $0 + $1.nonzeroBitCount })" + port
        default: return "id type \(identity.idType)"
        }
    }
}
