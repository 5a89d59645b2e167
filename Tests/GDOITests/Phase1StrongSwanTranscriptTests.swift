import EngineCore
import Foundation
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupKeyTypes
import Testing
@testable import GDOI

/// A known-answer test of our Main Mode against real octets: three Main Mode exchanges between two
/// strongSwan 5.9.8 charons on loopback (AES-128/SHA-256, AES-256/SHA-1, 3DES/SHA-1/MODP-1024),
/// captured by scripts/interop/strongswan-loopback.sh with the inputs charon logged
/// (Tests/GDOIWireTests/Vectors/strongswan-ikev1.json for the messages,
/// Tests/GroupKeyCryptoTests/Vectors/strongswan-kdf.json for g^xy, nonces and the PSK, read from
/// the source tree). Our phase-1 code must read charon's transform, derive charon's keys and
/// first IV, decrypt messages 5 and 6 along the App. B chain, compute the same HASH_I and HASH_R,
/// and re-encrypt message 6 to the very octets charon sent.
@Suite("Phase1 known answers from strongSwan's Main Mode")
struct Phase1StrongSwanTranscriptTests {
    struct Messages: Decodable {
        struct Message: Decodable {
            let udp: String
            let connection: String
        }
        let messages: [Message]
    }

    struct Derivations: Decodable {
        struct Exchange: Decodable {
            let name: String
            let version: Int
            let sharedSecret: String
            let preSharedKey: String?
            let cookieInitiator, cookieResponder, publicValueInitiator, publicValueResponder: String?
            let nonceInitiator, nonceResponder: String
            let skeyidA, encryptionKey, initialIV: String?
        }
        let exchanges: [Exchange]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: root.appendingPathComponent(path)))
    }

    static let suites: [String: Phase1Proposal] = [
        "v1modp": Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey),
        "v1sha1": Phase1Proposal(cipher: .aes256, hash: .sha1, group: .modp2048, authentication: .preSharedKey),
        "v1legacy": Phase1Proposal(cipher: .tripleDES, hash: .sha1, group: .modp1024, authentication: .preSharedKey),
    ]

    @Test("Charon's Main Mode, message by message, through our phase-1 code", arguments: ["v1modp", "v1sha1", "v1legacy"])
    func transcript(_ connection: String) throws {
        let messages = try Self.load(Messages.self, "Tests/GDOIWireTests/Vectors/strongswan-ikev1.json").messages
            .filter { $0.connection == connection }.map { Array(Hex.decode($0.udp).dropFirst(4)) }  // the non-ESP marker
        let inputs = try #require(try Self.load(Derivations.self, "Tests/GroupKeyCryptoTests/Vectors/strongswan-kdf.json")
            .exchanges.first { $0.name == connection && $0.version == 1 })
        try #require(messages.count == 6)
        let expected = try #require(Self.suites[connection])

        // Message 1: our responder reads charon's offer as the suite, with the lifetime it asked for.
        let message1 = try ISAKMPMessage.parse(messages[0])
        guard case .securityAssociation(let offer) = message1.payloads[0] else { Issue.record("no SA"); return }
        let selection = try Phase1ProposalSelection.select(from: offer, acceptable: [expected])
        #expect(selection.proposal.sameSuite(as: expected))
        let saBody = try #require(RawPayloads.body(in: messages[0], at: message1.payloadOffsets[0]))
        // Message 2: charon's answer is a transform we would accept as initiator.
        guard case .securityAssociation(let answer) = try ISAKMPMessage.parse(messages[1]).payloads[0] else { Issue.record("no SA"); return }
        #expect(try Phase1ProposalSelection.accept(answer, offered: [expected]).sameSuite(as: expected))

        // Messages 3 and 4: the public values and nonces charon logged.
        let method = try KeyExchangeMethod(expected.group)
        let (gxi, ni) = try Phase1Exchange.keyExchangeAndNonce(try ISAKMPMessage.parse(messages[2]).payloads, method: method)
        let (gxr, nr) = try Phase1Exchange.keyExchangeAndNonce(try ISAKMPMessage.parse(messages[3]).payloads, method: method)
        #expect(gxi == Hex.decode(inputs.publicValueInitiator ?? "") && gxr == Hex.decode(inputs.publicValueResponder ?? ""))
        #expect(ni == Hex.decode(inputs.nonceInitiator) && nr == Hex.decode(inputs.nonceResponder))

        let cookieI = Array(messages[0][0..<8]), cookieR = Array(messages[1][8..<16])
        let material = try Phase1KeyMaterial(proposal: expected, secret: .preSharedKey(SecretBytes(Hex.decode(inputs.preSharedKey ?? ""))),
                                             sharedSecret: SecretBytes(Hex.decode(inputs.sharedSecret)), nonceInitiator: ni,
                                             nonceResponder: nr, cookieInitiator: cookieI, cookieResponder: cookieR,
                                             publicValueInitiator: gxi, publicValueResponder: gxr)
        #expect(material.keys.skeyidA == SecretBytes(Hex.decode(inputs.skeyidA ?? "")))
        #expect(material.protection.key == SecretBytes(Hex.decode(inputs.encryptionKey ?? "")))
        #expect(material.initialIV == Hex.decode(inputs.initialIV ?? ""))

        // Message 5: decrypts under the first IV; its HASH is our HASH_I.
        let message5 = try ISAKMPMessage.parse(messages[4])
        let opened5 = try material.protection.open(message5, iv: material.initialIV)
        try Phase1Exchange.checkRules(message5.header, opened5.payloads, opened5.offsets, message: 5)
        let idIndex5 = try #require(opened5.payloads.firstIndex { if case .identification = $0 { return true } else { return false } })
        let hashI = try material.authenticationHash(of: .initiator, publicValueInitiator: gxi, publicValueResponder: gxr,
                                                    cookieInitiator: cookieI, cookieResponder: cookieR, saInitiatorBody: saBody,
                                                    identityBody: try #require(opened5.body(idIndex5)))
        #expect(opened5.payloads.contains(.hash(data: hashI)), "HASH_I")

        // Message 6: decrypts under message 5's last block; its HASH is our HASH_R.
        let message6 = try ISAKMPMessage.parse(messages[5])
        let opened6 = try material.protection.open(message6, iv: opened5.lastBlock)
        let idIndex6 = try #require(opened6.payloads.firstIndex { if case .identification = $0 { return true } else { return false } })
        guard case .identification(let responderID) = opened6.payloads[idIndex6] else { return }
        let hashR = try material.authenticationHash(of: .responder, publicValueInitiator: gxi, publicValueResponder: gxr,
                                                    cookieInitiator: cookieI, cookieResponder: cookieR, saInitiatorBody: saBody,
                                                    identityBody: try Phase1Exchange.identityBody(responderID))
        #expect(opened6.payloads == [.identification(responderID), .hash(data: hashR)], "HASH_R")
        // Our responder's message 6 for the same inputs: charon's octets, up to padding. Charon pads an
        // aligned chain with a whole block of zeros, we add none (App. B allows both); under the same
        // key and IV the CBC output of the common plaintext is the same.
        let ours = try material.protection.seal(header: message6.header, payloads: [.identification(responderID), .hash(data: hashR)],
                                                iv: opened5.lastBlock)
        #expect(Array(ours.datagram[0..<24]) == Array(messages[5][0..<24]), "header before Length")
        #expect(Array(messages[5][28...]).starts(with: ours.datagram[28...]), "ciphertext")
        #expect((0...material.protection.blockSize).contains(messages[5].count - ours.datagram.count), "at most charon's extra block")
    }
}
