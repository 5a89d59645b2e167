import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto

/// What `member join` prints: the group, the protocol, each data-security SA, the rekey SA and
/// the Sender-IDs (ARCHITECTURE.md, command-line contract); keys only when asked.
struct MemberReport {
    let server: String
    let group: String
    let outcome: MemberClient.Outcome
    let showKeys: Bool

    var json: String { PolicyJSON.encode(document) }

    var text: String {
        switch outcome {
        case .failed(let error):
            return "registration to group \(group) at \(server) failed: \(Self.failureName(error)) (\(error))"
        case .registered(let holdings):
            var lines = ["registered to group \(group) (IDg \(Self.hex(holdings.group))) at \(server) with G-IKEv2"]
            for sa in holdings.dataSecuritySAs {
                let tek = Self.dataSA(sa, showKeys: showKeys)
                lines.append("  \(tek.protocol) SA SPI \(tek.spi): \(tek.transforms.joined(separator: ", "))")
                lines.append("    selectors \(tek.source) -> \(tek.destination), lifetime \(tek.lifetimeSeconds.map { "\($0) s" } ?? "none")")
                if let keys = tek.keys { lines.append("    keys \(keys)") }
            }
            if let rekey = holdings.rekeySA.map({ Self.rekeySA($0, showKeys: showKeys) }) {
                lines.append("  rekey SA SPI \(rekey.spi): \(rekey.transforms.joined(separator: ", "))")
                lines.append("    destination \(rekey.destination), lifetime \(rekey.lifetimeSeconds.map { "\($0) s" } ?? "none")")
                if let keys = rekey.keys { lines.append("    keys \(keys)") }
            }
            lines.append("  sender IDs: \(holdings.senderIDs.isEmpty ? "none" : holdings.senderIDs.map(String.init).joined(separator: ", "))"
                         + (holdings.senderIDBits.map { " (\($0) bits)" } ?? ""))
            return lines.joined(separator: "\n")
        }
    }

    // MARK: - JSON document

    struct Document: Encodable {
        var registered: Bool
        var server: String
        var group: String
        var `protocol` = "gikev2"
        var idg: String?
        var dataSecuritySAs: [DataSA]?
        var rekeySA: RekeySA?
        var senderIDs: [UInt32]?
        var senderIDBits: UInt16?
        var error: Failure?
    }

    struct DataSA: Encodable {
        var spi: String
        var `protocol`: String
        var transforms: [String]
        var encryption: UInt16?
        var keyBits: UInt16?
        var integrity: UInt16?
        var sequenceNumbers: UInt16
        var source: String
        var destination: String
        var lifetimeSeconds: UInt32?
        var keys: String?
    }

    struct RekeySA: Encodable {
        var spi: String
        var transforms: [String]
        var encryption: UInt16
        var keyBits: UInt16?
        var integrity: UInt16?
        var keyWrap: UInt16
        var authenticationMethod: String
        var destination: String
        var lifetimeSeconds: UInt32?
        var initialMessageID: UInt32
        var keys: String?
    }

    struct Failure: Encodable {
        var code: String
        var notify: String?
        var message: String
    }

    var document: Document {
        switch outcome {
        case .failed(let error):
            return Document(registered: false, server: server, group: group,
                            error: Failure(code: error.code, notify: Self.notifyName(error), message: error.description))
        case .registered(let holdings):
            return Document(registered: true, server: server, group: group, idg: Self.hex(holdings.group),
                            dataSecuritySAs: holdings.dataSecuritySAs.map { Self.dataSA($0, showKeys: showKeys) },
                            rekeySA: holdings.rekeySA.map { Self.rekeySA($0, showKeys: showKeys) },
                            senderIDs: holdings.senderIDs, senderIDBits: holdings.senderIDBits)
        }
    }

    static func dataSA(_ sa: GroupMemberHoldings.DataSecuritySA, showKeys: Bool) -> DataSA {
        DataSA(spi: hex(sa.spi), protocol: sa.protocolID == 2 ? "ah" : sa.protocolID == 3 ? "esp" : "protocol \(sa.protocolID)",
               transforms: transforms(encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity),
               encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity, sequenceNumbers: sa.sequenceNumbers,
               source: sa.sourceSelector, destination: sa.destinationSelector, lifetimeSeconds: sa.lifetimeSeconds,
               keys: showKeys ? hex(sa.keyMaterial.unsafeCopyBytes()) : nil)
    }

    static func rekeySA(_ sa: GroupMemberHoldings.RekeySA, showKeys: Bool) -> RekeySA {
        let wrap = keyWrapNames[sa.keyWrap] ?? "KWA \(sa.keyWrap)"
        return RekeySA(spi: hex(sa.spi), transforms: transforms(encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity) + [wrap],
                       encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity, keyWrap: sa.keyWrap,
                       authenticationMethod: sa.authenticationMethod == 2 ? "digital-signature" : sa.authenticationMethod == 1 ? "implicit" : "\(sa.authenticationMethod)",
                       destination: sa.destinationSelector, lifetimeSeconds: sa.lifetimeSeconds,
                       initialMessageID: sa.initialMessageID, keys: showKeys ? hex(sa.keyMaterial.unsafeCopyBytes()) : nil)
    }

    /// Transform names as the IANA "IKEv2 Parameters" registry lists them (RFC 7296 §3.3.2), the
    /// number when we have no name for it.
    static func transforms(encryption: UInt16?, keyBits: UInt16?, integrity: UInt16?) -> [String] {
        var names: [String] = []
        if let encryption {
            names.append((encryptionNames[encryption] ?? "ENCR \(encryption)") + (keyBits.map { "-\($0)" } ?? ""))
        }
        if let integrity, integrity != 0 {
            names.append(integrityNames[integrity] ?? "AUTH \(integrity)")
        }
        return names
    }

    static let encryptionNames: [UInt16: String] = [
        3: "ENCR_3DES", 11: "ENCR_NULL", 12: "ENCR_AES_CBC", 13: "ENCR_AES_CTR", 14: "ENCR_AES_CCM_8",
        15: "ENCR_AES_CCM_12", 16: "ENCR_AES_CCM_16", 18: "ENCR_AES_GCM_8", 19: "ENCR_AES_GCM_12",
        20: "ENCR_AES_GCM_16", 21: "ENCR_NULL_AUTH_AES_GMAC", 28: "ENCR_CHACHA20_POLY1305",
    ]
    static let integrityNames: [UInt16: String] = [
        1: "AUTH_HMAC_MD5_96", 2: "AUTH_HMAC_SHA1_96", 12: "AUTH_HMAC_SHA2_256_128",
        13: "AUTH_HMAC_SHA2_384_192", 14: "AUTH_HMAC_SHA2_512_256",
    ]
    /// Key Wrap Algorithms (Transform Type 13, RFC 9838 §4.5.4).
    static let keyWrapNames: [UInt16: String] = [1: "KW_5649_128", 2: "KW_5649_192", 3: "KW_5649_256", 4: "KW_ARX"]

    static func notifyName(_ error: GIKEv2Error) -> String? {
        if case .peerRefused(let notify) = error { return NotifyName.of(notify) }
        return nil
    }

    /// The notify name when the GCKS refused, else the error code.
    static func failureName(_ error: GIKEv2Error) -> String { notifyName(error) ?? error.code }

    static func hex(_ octets: [UInt8]) -> String { octets.map { String(format: "%02x", $0) }.joined() }
}
