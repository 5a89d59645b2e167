import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupKeyTypes

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
        let wrap = KeyWrapAlgorithmID(rawValue: sa.keyWrap).map { "key wrap \($0)" } ?? "key wrap \(sa.keyWrap)"
        return RekeySA(spi: hex(sa.spi), transforms: transforms(encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity) + [wrap],
                       encryption: sa.encryption, keyBits: sa.keyBits, integrity: sa.integrity, keyWrap: sa.keyWrap,
                       authenticationMethod: sa.authenticationMethod == 2 ? "digital-signature" : sa.authenticationMethod == 1 ? "implicit" : "\(sa.authenticationMethod)",
                       destination: sa.destinationSelector, lifetimeSeconds: sa.lifetimeSeconds,
                       initialMessageID: sa.initialMessageID, keys: showKeys ? hex(sa.keyMaterial.unsafeCopyBytes()) : nil)
    }

    /// Transform names as IANA lists them (RFC 7296 §3.3.2), IDs when unknown.
    static func transforms(encryption: UInt16?, keyBits: UInt16?, integrity: UInt16?) -> [String] {
        var names: [String] = []
        if let encryption {
            let name = IKEv2EncryptionID(rawValue: encryption).map { "\($0)" } ?? "encryption \(encryption)"
            names.append(name + (keyBits.map { "-\($0)" } ?? ""))
        }
        if let integrity, integrity != 0 {
            names.append(IKEv2IntegrityID(rawValue: integrity).map { "\($0)" } ?? "integrity \(integrity)")
        }
        return names
    }

    static func notifyName(_ error: GIKEv2Error) -> String? {
        if case .peerRefused(let notify) = error { return NotifyName.of(notify) }
        return nil
    }

    /// The notify name when the GCKS refused, else the error code.
    static func failureName(_ error: GIKEv2Error) -> String { notifyName(error) ?? error.code }

    static func hex(_ octets: [UInt8]) -> String { octets.map { String(format: "%02x", $0) }.joined() }
}
