import GroupKeyCrypto
import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GDOIWire

struct GDOIVectorFile: Decodable {
    let source: String
    let vectors: [GDOIVector]

    static func load() throws -> GDOIVectorFile {
        try VectorLoader.load(GDOIVectorFile.self, named: "gdoi-messages.json", in: .module)
    }

    func vector(_ name: String) throws -> GDOIVector {
        guard let found = vectors.first(where: { $0.name == name }) else { throw VectorLoader.LoadError.missing(name) }
        return found
    }
}

struct GDOIVector: Decodable {
    let name: String
    let exchange: UInt8
    let messageNumber: Int
    let message: String
    let plaintext: String?
    let padded: String?
    let kekSPI: String?
    let tekKey: String?
    let lkhDownload: String?
    let lkhUpdate: String?
}

/// Messages packed by hand in Python from the RFC figures, parsed and re-serialised here.
@Suite("GDOIWire against Python-built messages")
struct GDOIVectorTests {
    static let names = ["main-mode-1", "main-mode-3", "main-mode-5", "groupkey-pull-1", "groupkey-pull-2",
                        "groupkey-pull-3", "groupkey-pull-4", "groupkey-push", "groupkey-push-ack"]

    /// Parses a vector: the message, and for encrypted ones the plaintext payloads too.
    static func payloads(_ v: GDOIVector) throws -> (ISAKMPMessage, [ISAKMPPayload], [Int]) {
        let message = try ISAKMPMessage.parse(Hex.decode(v.message))
        if let plaintext = v.plaintext {
            let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: Hex.decode(plaintext), header: message.header)
            return (message, payloads, offsets)
        }
        return (message, message.payloads, message.payloadOffsets)
    }

    @Test(arguments: names)
    func roundTripAndRules(name: String) throws {
        let v = try GDOIVectorFile.load().vector(name)
        let bytes = Hex.decode(v.message)
        let (message, payloads, offsets) = try Self.payloads(v)
        #expect(try message.serializedBytes() == bytes)
        if let plaintext = v.plaintext {
            #expect(message.header.isEncrypted && message.encryptedBody == Array(bytes.dropFirst(28)))
            #expect(try ISAKMPMessage.serializePayloads(payloads) == Hex.decode(plaintext))
        }
        #expect(message.header.exchangeType == v.exchange)
        try GDOIExchangeRules.check(header: message.header, payloads: payloads, offsets: offsets, message: v.messageNumber)
    }

    @Test(arguments: names)
    func truncationNeverTraps(name: String) throws {
        let v = try GDOIVectorFile.load().vector(name)
        let bytes = Hex.decode(v.message)
        for cut in 0..<bytes.count {
            #expect(throws: WireError.self) { _ = try ISAKMPMessage.parse(Array(bytes.prefix(cut))) }
        }
        if let plaintext = v.plaintext.map(Hex.decode) {
            let header = try ISAKMPMessage.parse(bytes).header
            for cut in 0..<plaintext.count {
                // A cut on a payload boundary is a shorter valid chain plus "padding"; anything else
                // must be a typed error.
                do { _ = try ISAKMPMessage.parsePayloads(plaintext: Array(plaintext.prefix(cut)), header: header) } catch is WireError {}
            }
        }
    }

    @Test func paddingAfterDecryptionIsTolerated() throws {
        let v = try GDOIVectorFile.load().vector("main-mode-5")
        let header = try ISAKMPMessage.parse(Hex.decode(v.message)).header
        let padded = try ISAKMPMessage.parsePayloads(plaintext: Hex.decode(v.padded!), header: header).payloads
        let plain = try ISAKMPMessage.parsePayloads(plaintext: Hex.decode(v.plaintext!), header: header).payloads
        #expect(padded == plain && plain.count == 3)
    }

    @Test func phase1SecurityAssociationFields() throws {
        let (_, payloads, _) = try Self.payloads(try GDOIVectorFile.load().vector("main-mode-1"))
        guard case .securityAssociation(let sa) = payloads[0] else { Issue.record("SA"); return }
        #expect(sa.doi == ISAKMPDOI.gdoi && sa.situation == 0 && sa.proposals.count == 1)
        #expect(sa.proposals[0].transforms.count == 2)
        #expect(sa.proposals[0].transforms[0].attributes.first == .tv(1, 7))
        #expect(sa.proposals[0].transforms[0].attributes.last?.integerValue == 86400)
        #expect(payloads[1] == .vendorID(data: Hex.decode("4a131c81070358455c5728f20e95452f")))
    }

    @Test func groupkeyPullPolicyFields() throws {
        let v = try GDOIVectorFile.load().vector("groupkey-pull-2")
        let (_, payloads, _) = try Self.payloads(v)
        guard case .groupSecurityAssociation(let sa) = payloads[2], let kek = sa.kek else { Issue.record("GDOI SA"); return }
        #expect(kek.spi == Hex.decode(v.kekSPI!) && kek.protocolID == 17)
        #expect(kek.source == GDOIIdentity(idType: 1, port: 848, data: [192, 0, 2, 1]))
        #expect(kek.attributes.contains(.tv(GDOIKEKAttributeType.algorithm, 3)))
        #expect(sa.groupPolicy?.attributes == [.tv(1, 10), .tv(2, 30)])
        #expect(sa.teks.count == 2)
        guard case .ipsec(let esp) = sa.teks[0], case .ipsec(let ah) = sa.teks[1] else { Issue.record("TEKs"); return }
        #expect(esp.securityProtocol == GDOIProtocolID.ipsecESP && esp.transformID == 20 && esp.spi == [0x0a, 0x0b, 0x0c, 0x0d])
        #expect(esp.source.data == [10, 0, 0, 0, 255, 0, 0, 0])
        #expect(ah.securityProtocol == GDOIProtocolID.ipsecAH && ah.ipProtocol == 17 && ah.destination.port == 5000)
    }

    @Test func keyDownloadFieldsAndLKHArrays() throws {
        let v = try GDOIVectorFile.load().vector("groupkey-pull-4")
        let (_, payloads, _) = try Self.payloads(v)
        #expect(payloads[1] == .sequenceNumber(GDOISequenceNumber(7)))
        guard case .keyDownload(let kd) = payloads[2] else { Issue.record("KD"); return }
        #expect(kd.packets.map(\.kdType) == [1, 1, 2, 3, 4])
        #expect(kd.packets[0].secret(1) == SecretBytes(Hex.decode(v.tekKey!)))
        #expect(kd.packets[2].secret(1)?.count == 32)
        let download = try LKHDownloadArray.decode(try #require(kd.packets[3].secret(1)))
        #expect(download.keys.map(\.lkhID) == [7, 3, 1] && download.keys.map(\.keyHandle) == [107, 103, 101])
        #expect(download.encoded() == SecretBytes(Hex.decode(v.lkhDownload!)))
        #expect(kd.packets[4].attributes == [.plain(.tv(1, 16)), .plain(.tlv(2, [0, 0, 0, 1])), .plain(.tlv(2, [0, 0, 0, 2]))])
        // Key material is never printed.
        #expect(!String(describing: kd).contains(Hex.encode(Hex.decode(v.tekKey!).prefix(4))))
    }

    @Test func pushCarriesUpdateArrayAndDelete() throws {
        let v = try GDOIVectorFile.load().vector("groupkey-push")
        let (message, payloads, _) = try Self.payloads(v)
        #expect(message.header.flags == ISAKMPHeader.encryptionFlag && message.header.messageID == 0)
        #expect(payloads.map(\.type) == [18, 12, 1, 17, 9])
        guard case .delete(let delete) = payloads[1], case .keyDownload(let kd) = payloads[3] else { Issue.record("D/KD"); return }
        #expect(delete.doi == ISAKMPDOI.gdoi && delete.spis == [[0x0a, 0x0b, 0x0c, 0x0d]])
        let update = try LKHUpdateArray.decode(try #require(kd.packets[1].secret(2)))
        #expect(update.lkhID == 6 && update.keyHandle == 106 && update.keys.map(\.lkhID) == [3, 1])
        #expect(update.encoded() == SecretBytes(Hex.decode(v.lkhUpdate!)))
    }
}
