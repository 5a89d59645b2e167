import GroupKeyCrypto
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
        let connection: String
        let proposal: String
        let keys: [String: String]
    }
    let source: String
    let messages: [Message]
}

/// Real octets from an independent implementation: strongSwan 5.9.8's IKEv2 messages captured on
/// loopback (scripts/interop/strongswan-loopback.sh) for three proposals, each with the non-ESP
/// marker strongSwan adds on 848, and the SK keys charon derived for them. The IKE_AUTH messages
/// are opened with GroupKeyCrypto's ciphers and charon's keys: a wrong SK layout, AAD or ICV
/// span fails here against another implementation's bytes.
@Suite("GIKEv2Wire on strongSwan's own IKEv2 messages")
struct StrongSwanCaptureTests {
    static func load() throws -> CapturedMessages {
        try VectorLoader.load(CapturedMessages.self, named: "strongswan-ikev2.json", in: .module)
    }

    /// What each connection of the capture negotiated: ENCR transform, its key length attribute,
    /// KE method and KE data length.
    static let negotiated: [String: (encr: UInt16, keyBits: UInt16, ke: UInt16, keLength: Int)] = [
        "v2modp": (12, 128, 14, 256), "v2gcm": (20, 256, 20, 96), "v2x25519": (12, 256, 31, 32),
    ]

    @Test func everyMessageParsesAndReserialisesToTheSameOctets() throws {
        let captured = try Self.load()
        #expect(captured.messages.count == 12)
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
        #expect(inits.count == 6)
        for message in inits {
            let expected = try #require(Self.negotiated[message.connection])
            let parsed = try IKEv2Message.parse(Array(Hex.decode(message.udp).dropFirst(4)))
            try parsed.checkClearRules()
            guard case .securityAssociation(let sa) = parsed.payloads[0], case .keyExchange(let ke) = parsed.payloads[1] else {
                Issue.record("SA, KE first"); continue
            }
            let encr = IKEv2Transform(type: 1, id: expected.encr, attributes: [.tv(14, expected.keyBits)])
            #expect(sa.proposals.first?.transforms.contains(encr) == true, "\(message.connection)")
            #expect(ke.group == expected.ke && ke.data.count == expected.keLength, "\(message.connection)")
        }
    }

    func protection(for message: CapturedMessages.Message, isResponse: Bool) throws -> CipherSuiteProtection {
        let expected = try #require(Self.negotiated[message.connection])
        let side = isResponse ? "r" : "i"
        let encryption = try AlgorithmRegistry.encryption(ikev2Number: expected.encr, keyLength: expected.keyBits)
        let integrityKey = Hex.decode(message.keys["ska\(side)"] ?? "")
        let integrity: IntegrityAlgorithm? = encryption.parameters.isAEAD ? nil : integrityKey.count == 64 ? .hmacSHA2_512_256 : .hmacSHA2_256_128
        return try CipherSuiteProtection(encryption: encryption, encryptionKey: SecretBytes(Hex.decode(message.keys["ske\(side)"] ?? "")),
                                         integrity: integrity, integrityKey: integrity == nil ? nil : SecretBytes(integrityKey))
    }

    @Test func ikeAuthMessagesOpenWithCharonsKeysAndSealBackToTheSameOctets() throws {
        let auths = try Self.load().messages.filter { $0.exchange == IKEv2ExchangeType.ikeAuth }
        #expect(auths.count == 6)
        for message in auths {
            let bytes = Array(Hex.decode(message.udp).dropFirst(4))
            let parsed = try IKEv2Message.parse(bytes)
            let real = try protection(for: message, isResponse: parsed.header.isResponse)
            let opened = try SKProtection.open(bytes, protection: real)
            // RFC 7296 §1.2: IDi first from the initiator, IDr first from the responder.
            let first = try #require(opened.innerPayloads.first)
            #expect(first.type == (parsed.header.isResponse ? 36 : 35), "\(message.connection)")
            guard case .encrypted(let sk) = try #require(parsed.payloads.last) else { Issue.record("SK"); continue }
            let iv = Array(sk.content.prefix(real.ivLength))
            // strongSwan pads with its own padding octets; re-sealing gives the same octets only
            // when ours match, so compare the part padding cannot change: the opened payloads.
            let resealed = try SKProtection.seal(header: parsed.header, innerPayloads: opened.innerPayloads, iv: iv, protection: real)
            let reopened = try SKProtection.open(resealed, protection: real)
            #expect(reopened.innerPayloads == opened.innerPayloads)
            var tampered = bytes
            tampered[bytes.count - 1] ^= 0x80
            #expect(throws: CryptoError.authenticationFailed) { _ = try SKProtection.open(tampered, protection: real) }
        }
    }
}
