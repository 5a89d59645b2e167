import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GDOIWire

/// Every mutation of every canned valid ISAKMP/GDOI packet (and of each decrypted payload chain)
/// goes through classifier, parse, rules and re-serialisation, ending in a value or a `WireError`.
@Suite("GDOIWire mutation sweep")
struct GDOIMutationSweepTests {
    static func receive(_ bytes: [UInt8], messageNumber: Int) throws {
        let kind = try DatagramClassifier.classify(ByteBuffer(bytes: bytes), port: .gdoi)
        guard case .isakmp(let buffer) = kind else { return }
        let message = try ISAKMPMessage.parse(buffer)
        if !message.header.isEncrypted {
            try GDOIExchangeRules.check(header: message.header, payloads: message.payloads, offsets: message.payloadOffsets,
                                        message: messageNumber)
        }
        _ = try message.serializedBytes()
    }

    static func receivePlaintext(_ bytes: [UInt8], header: ISAKMPHeader, messageNumber: Int) throws {
        let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: bytes, header: header)
        _ = try ISAKMPMessage.serializePayloads(payloads)
        for case .keyDownload(let kd) in payloads {
            for packet in kd.packets where packet.kdType == GDOIKeyDownloadType.lkh {
                if let download = packet.secret(1) { _ = try LKHDownloadArray.decode(download) }
                if let update = packet.secret(2) { _ = try LKHUpdateArray.decode(update) }
            }
        }
        try GDOIExchangeRules.check(header: header, payloads: payloads, offsets: offsets, message: messageNumber)
    }

    @Test func mutatedPacketsNeverTrap() throws {
        var runs = 0, accepted = 0
        for vector in try GDOIVectorFile.load().vectors {
            let message = Hex.decode(vector.message)
            // An encrypted body is opaque to the codec: mutate the header and leave the ciphertext
            // alone (its plaintext is swept below).
            let opaqueFrom = vector.plaintext == nil ? message.count : 32
            let opaque = Array(message[opaqueFrom...])
            try WireMutator.forEachMutation(of: Array(message[..<opaqueFrom])) { mutated in
                runs += 1
                do { try Self.receive(mutated + opaque, messageNumber: vector.messageNumber); accepted += 1 } catch is WireError {}
            }
            if let plaintext = vector.plaintext.map(Hex.decode) {
                let header = try ISAKMPMessage.parse(message).header
                try WireMutator.forEachMutation(of: plaintext) { mutated in
                    runs += 1
                    do { try Self.receivePlaintext(mutated, header: header, messageNumber: vector.messageNumber); accepted += 1 } catch is WireError {}
                }
            }
        }
        // strongSwan's Main Mode, marker included.
        let captured = try VectorLoader.load(CapturedISAKMPMessages.self, named: "strongswan-ikev1.json", in: .module)
        for (index, message) in captured.messages.enumerated() {
            let udp = Hex.decode(message.udp)
            let opaqueFrom = udp[4 + 19] & ISAKMPHeader.encryptionFlag != 0 ? 36 : udp.count
            try WireMutator.forEachMutation(of: Array(udp[..<opaqueFrom])) { mutated in
                runs += 1
                do { try Self.receive(mutated + udp[opaqueFrom...], messageNumber: index + 1); accepted += 1 } catch is WireError {}
            }
        }
        #expect(runs > 30_000 && accepted < runs)
    }
}
