import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GDOIWire

struct CapturedISAKMPMessages: Decodable {
    struct Message: Decodable {
        let udp: String
        let exchange: UInt8
        let marker: Bool
    }
    let source: String
    let messages: [Message]
}

/// Real octets from an independent implementation: strongSwan 5.9.8's IKEv1 Main Mode captured on
/// loopback (scripts/capture-strongswan.sh), with the non-ESP marker it adds on port 848.
@Suite("GDOIWire on strongSwan's own Main Mode")
struct StrongSwanMainModeTests {
    @Test func mainModeParsesReserialisesAndPassesTheRules() throws {
        let captured = try VectorLoader.load(CapturedISAKMPMessages.self, named: "strongswan-ikev1.json", in: .module)
        #expect(captured.messages.count == 6)
        for (index, message) in captured.messages.enumerated() {
            let udp = Hex.decode(message.udp)
            guard case .isakmp(let buffer) = try DatagramClassifier.classify(ByteBuffer(bytes: udp), port: .gdoi) else {
                Issue.record("not ISAKMP"); continue
            }
            let parsed = try ISAKMPMessage.parse(buffer)
            #expect(try parsed.serializedBytes() == Array(udp.dropFirst(4)))
            #expect(parsed.header.exchangeType == ISAKMPExchangeType.identityProtection)
            if parsed.header.isEncrypted {
                // Messages 5 and 6 are encrypted (AES-CBC: whole blocks).
                #expect(index >= 4 && (parsed.encryptedBody?.count ?? 1) % 16 == 0)
            } else {
                try GDOIExchangeRules.check(header: parsed.header, payloads: parsed.payloads, offsets: parsed.payloadOffsets,
                                            message: index + 1)
            }
        }
        let first = try ISAKMPMessage.parse(Array(Hex.decode(captured.messages[0].udp).dropFirst(4)))
        guard case .securityAssociation(let sa) = first.payloads[0] else { Issue.record("SA"); return }
        #expect(sa.doi == ISAKMPDOI.ipsec && sa.situation == ISAKMPSecurityAssociation.identityOnly)
        #expect(sa.proposals.first?.transforms.first?.attributes.contains(.tv(14, 128)) == true)
    }
}
