import GroupKeyCrypto
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
        let connection: String
        let keys: [String: String]
    }
    let source: String
    let messages: [Message]
}

/// Real octets from an independent implementation: strongSwan 5.9.8's IKEv1 Main Mode for three
/// proposals (AES-128, AES-256 with SHA-1, 3DES), captured on loopback
/// (scripts/interop/strongswan-loopback.sh) with the non-ESP marker it adds on port 848. Messages 5
/// and 6 are decrypted with the key and first IV charon derived (RFC 2409 Appendix B CBC chaining)
/// and must then pass the Main Mode rules.
@Suite("GDOIWire on strongSwan's own Main Mode")
struct StrongSwanMainModeTests {
    static let ciphers: [String: (algorithm: CBCCipher.Algorithm, keyBits: UInt16?, encryption: UInt16)] = [
        "v1modp": (.aes128, 128, 7), "v1sha1": (.aes256, 256, 7), "v1legacy": (.tripleDES, nil, 5),
    ]

    @Test func mainModeParsesReserialisesDecryptsAndPassesTheRules() throws {
        let captured = try VectorLoader.load(CapturedISAKMPMessages.self, named: "strongswan-ikev1.json", in: .module)
        #expect(captured.messages.count == 18)
        let exchanges = Dictionary(grouping: captured.messages, by: \.connection)
        #expect(Set(exchanges.keys) == Set(Self.ciphers.keys))
        for (connection, messages) in exchanges {
            let cipherSpec = try #require(Self.ciphers[connection])
            #expect(messages.count == 6, "\(connection)")
            var iv = Hex.decode(messages[0].keys["initialIV"] ?? "")
            let cipher = try CBCCipher(cipherSpec.algorithm, key: SecretBytes(Hex.decode(messages[0].keys["encryptionKey"] ?? "")))
            for (index, message) in messages.enumerated() {
                let udp = Hex.decode(message.udp)
                guard case .isakmp(let buffer) = try DatagramClassifier.classify(ByteBuffer(bytes: udp), port: .gdoi) else {
                    Issue.record("not ISAKMP"); continue
                }
                let parsed = try ISAKMPMessage.parse(buffer)
                #expect(try parsed.serializedBytes() == Array(udp.dropFirst(4)))
                #expect(parsed.header.exchangeType == ISAKMPExchangeType.identityProtection)
                if let body = parsed.encryptedBody {
                    #expect(index >= 4 && body.count % iv.count == 0, "\(connection) message \(index + 1)")
                    let plaintext = try cipher.decrypt(body, iv: iv, aad: [UInt8]())
                    iv = Array(body.suffix(iv.count))  // the next message chains from this one's last block
                    let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: parsed.header)
                    try GDOIExchangeRules.check(header: parsed.header, payloads: payloads, offsets: offsets, message: index + 1)
                } else {
                    try GDOIExchangeRules.check(header: parsed.header, payloads: parsed.payloads, offsets: parsed.payloadOffsets,
                                                message: index + 1)
                }
            }
            let first = try ISAKMPMessage.parse(Array(Hex.decode(messages[0].udp).dropFirst(4)))
            guard case .securityAssociation(let sa) = first.payloads[0] else { Issue.record("SA"); continue }
            #expect(sa.doi == ISAKMPDOI.ipsec && sa.situation == ISAKMPSecurityAssociation.identityOnly)
            let attributes = sa.proposals.first?.transforms.first?.attributes ?? []
            #expect(attributes.contains(.tv(1, cipherSpec.encryption)), "\(connection)")
            if let bits = cipherSpec.keyBits { #expect(attributes.contains(.tv(14, bits)), "\(connection)") }
        }
    }
}
