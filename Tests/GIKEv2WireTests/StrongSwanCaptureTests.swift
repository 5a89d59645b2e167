import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GIKEv2Wire

struct CapturedMessages: Decodable {
    struct Message: Decodable {
        let from: Int
        let to: Int
        let udp: String
        let exchange: UInt8
        let marker: Bool
    }
    let source: String
    let messages: [Message]
}

/// Real octets from an independent implementation: strongSwan 5.9.8's IKEv2 messages captured on
/// loopback (scripts/capture-strongswan.sh), each with the non-ESP marker strongSwan adds on 848.
@Suite("GIKEv2Wire on strongSwan's own IKEv2 messages")
struct StrongSwanCaptureTests {
    static func load() throws -> CapturedMessages {
        try VectorLoader.load(CapturedMessages.self, named: "strongswan-ikev2.json", in: .module)
    }

    @Test func everyMessageParsesAndReserialisesToTheSameOctets() throws {
        let captured = try Self.load()
        #expect(captured.messages.count == 4)
        for message in captured.messages {
            let udp = Hex.decode(message.udp)
            guard case .ikev2(let buffer) = try DatagramClassifier.classify(ByteBuffer(bytes: udp), port: .gdoi) else {
                Issue.record("not classified as IKEv2"); continue
            }
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
            #expect(message.marker && bytes == Array(udp.dropFirst(4)))
            let parsed = try IKEv2Message.parse(bytes)
            #expect(try parsed.serializedBytes() == bytes)
            #expect(try DatagramClassifier.withNonESPMarker(parsed.serialize()) == ByteBuffer(bytes: udp))
        }
    }

    @Test func ikeSAInitRequestAndResponsePassTheirRules() throws {
        let inits = try Self.load().messages.filter { $0.exchange == IKEv2ExchangeType.ikeSAInit }
        #expect(inits.count == 2)
        for message in inits {
            let parsed = try IKEv2Message.parse(Array(Hex.decode(message.udp).dropFirst(4)))
            try parsed.checkClearRules()
            guard case .securityAssociation(let sa) = parsed.payloads[0], case .keyExchange(let ke) = parsed.payloads[1] else {
                Issue.record("SA, KE first"); continue
            }
            // proposals = aes256-sha256-modp2048.
            #expect(sa.proposals.first?.transforms.contains(IKEv2Transform(type: 1, id: 12, attributes: [.tv(14, 256)])) == true)
            #expect(ke.group == 14 && ke.data.count == 256)
        }
    }

    @Test func ikeAuthMessagesHaveTheSKLayoutOfAESCBCWithHMAC() throws {
        let auths = try Self.load().messages.filter { $0.exchange == IKEv2ExchangeType.ikeAuth }
        #expect(auths.count == 2)
        for message in auths {
            let parsed = try IKEv2Message.parse(Array(Hex.decode(message.udp).dropFirst(4)))
            guard case .encrypted(let sk) = try #require(parsed.payloads.last) else { Issue.record("SK"); continue }
            // IV 16 | ciphertext (n·16) | ICV 16 (AES-CBC, HMAC-SHA2-256-128).
            #expect(sk.content.count > 32 && (sk.content.count - 32) % 16 == 0)
            #expect(sk.firstInnerPayload == (parsed.header.isResponse ? 36 : 35))
        }
    }
}
