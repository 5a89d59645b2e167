import Foundation
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import Testing
@testable import GIKEv2

/// strongSwan as the judge of our AUTH and IKE SA key chain. The capture and charon's derived
/// keys come from scripts/interop/strongswan-loopback.sh (two strongSwan 5.9.8 charons, PSK
/// "interop-psk-0123456789") via scripts/interop/extract_strongswan_vectors.py; the files are
/// copies of Tests/GIKEv2WireTests/Vectors/strongswan-ikev2.json and
/// Tests/GroupKeyCryptoTests/Vectors/strongswan-kdf.json.
@Suite("AUTH and IKE SA keys against strongSwan")
struct StrongSwanAuthTests {
    struct Capture: Decodable {
        struct Message: Decodable {
            var udp: String
            var exchange: Int
            var flags: Int
            var marker: Bool
            var connection: String
            var keys: [String: String]
        }
        var messages: [Message]
    }

    struct Derived: Decodable {
        struct Exchange: Decodable {
            // Optional: the IKEv1 entries of the same file have other fields.
            var name: String
            var sharedSecret: String?
            var spiInitiator: String?
            var spiResponder: String?
            var nonceInitiator: String?
            var nonceResponder: String?
            var skd: String?
            var skpi: String?
            var skpr: String?
        }
        var exchanges: [Exchange]
    }

    /// The connections' proposals as the engine's suite (KWA added: strongSwan has none, and it
    /// does not enter the IKEv2 key chain).
    static let suites: [String: NegotiatedSuite] = [
        "v2modp": NegotiatedSuite(encryptionID: 12, keyBits: 128, integrityID: 12, prfID: 5, keyExchangeID: 14, keyWrapID: 1),
        "v2gcm": NegotiatedSuite(encryptionID: 20, keyBits: 256, integrityID: nil, prfID: 6, keyExchangeID: 20, keyWrapID: 3),
        "v2x25519": NegotiatedSuite(encryptionID: 12, keyBits: 256, integrityID: 14, prfID: 7, keyExchangeID: 31, keyWrapID: 3),
    ]
    static let psk = SecretBytes(Array("interop-psk-0123456789".utf8))

    static func load() throws -> (Capture, Derived) {
        (try VectorLoader.load(Capture.self, named: "strongswan-ikev2.json", in: .module),
         try VectorLoader.load(Derived.self, named: "strongswan-kdf.json", in: .module))
    }

    static func bytes(_ message: Capture.Message) -> [UInt8] {
        let udp = Hex.decode(message.udp)
        return message.marker ? Array(udp.dropFirst(4)) : udp  // the non-ESP marker is not part of the message
    }

    @Test("Our keys from charon's g^ir, nonces and SPIs are charon's keys", arguments: ["v2modp", "v2gcm", "v2x25519"])
    func keyChain(connection: String) throws {
        let (_, derived) = try Self.load()
        let exchange = try #require(derived.exchanges.first { $0.name == connection })
        let suite = try #require(Self.suites[connection])
        let keys = try IKESAKeys(suite: suite, sharedSecret: SecretBytes(Hex.decode(try #require(exchange.sharedSecret))),
                                 nonceInitiator: Hex.decode(try #require(exchange.nonceInitiator)),
                                 nonceResponder: Hex.decode(try #require(exchange.nonceResponder)),
                                 spiInitiator: Hex.decode(try #require(exchange.spiInitiator)).bigEndianValue,
                                 spiResponder: Hex.decode(try #require(exchange.spiResponder)).bigEndianValue)
        #expect(keys.skD == SecretBytes(Hex.decode(try #require(exchange.skd))))
        #expect(keys.skPi == SecretBytes(Hex.decode(try #require(exchange.skpi))))
        #expect(keys.skPr == SecretBytes(Hex.decode(try #require(exchange.skpr))))
    }

    @Test("Our PSK AUTH reproduces the AUTH payloads charon sent, both directions", arguments: ["v2modp", "v2gcm", "v2x25519"])
    func pskAuth(connection: String) throws {
        let (capture, derived) = try Self.load()
        let exchange = try #require(derived.exchanges.first { $0.name == connection })
        let suite = try #require(Self.suites[connection])
        let messages = capture.messages.filter { $0.connection == connection }
        let initRequest = try #require(messages.first { $0.exchange == 34 && $0.flags & 0x20 == 0 })
        let initResponse = try #require(messages.first { $0.exchange == 34 && $0.flags & 0x20 != 0 })
        let authRequest = try #require(messages.first { $0.exchange == 35 && $0.flags & 0x20 == 0 })
        let authResponse = try #require(messages.first { $0.exchange == 35 && $0.flags & 0x20 != 0 })
        let encryption = try suite.encryption
        let integrity = try suite.integrity
        let keys = authRequest.keys
        let initiatorSide = try CipherSuiteProtection(encryption: encryption, encryptionKey: SecretBytes(Hex.decode(try #require(keys["skei"]))),
                                                      integrity: integrity, integrityKey: integrity == nil ? nil : SecretBytes(Hex.decode(try #require(keys["skai"]))))
        let responderSide = try CipherSuiteProtection(encryption: encryption, encryptionKey: SecretBytes(Hex.decode(try #require(keys["sker"]))),
                                                      integrity: integrity, integrityKey: integrity == nil ? nil : SecretBytes(Hex.decode(try #require(keys["skar"]))))
        let prf = try suite.prf
        for (message, protection, realMessage, peerNonce, identityKey) in [
            (authRequest, initiatorSide, Self.bytes(initRequest), try #require(exchange.nonceResponder), try #require(exchange.skpi)),
            (authResponse, responderSide, Self.bytes(initResponse), try #require(exchange.nonceInitiator), try #require(exchange.skpr)),
        ] {
            let opened = try SKProtection.open(Self.bytes(message), protection: protection)
            let identity = try #require(opened.innerPayloads.compactMap { payload -> IdentificationPayload? in
                switch payload {
                case .identificationInitiator(let id), .identificationResponder(let id): return id
                default: return nil
                }
            }.first)
            let auth = try #require(opened.innerPayloads.compactMap { payload -> AuthenticationPayload? in
                if case .authentication(let a) = payload { return a } else { return nil }
            }.first)
            #expect(auth.method == AuthenticationPayload.sharedKeyMIC)
            let octets = try PSKAuthentication.signedOctets(prf: prf, realMessage: realMessage, peerNonce: Hex.decode(peerNonce),
                                                            identityKey: SecretBytes(Hex.decode(identityKey)), identity: identity)
            #expect(try PSKAuthentication.compute(prf: prf, sharedSecret: Self.psk, signedOctets: octets) == auth.data)
            #expect(try PSKAuthentication.verify(auth.data, prf: prf, sharedSecret: Self.psk, signedOctets: octets))
            #expect(try !PSKAuthentication.verify(auth.data, prf: prf, sharedSecret: SecretBytes(Array("interop-psk-0123456788".utf8)),
                                                  signedOctets: octets))
        }
    }
}
