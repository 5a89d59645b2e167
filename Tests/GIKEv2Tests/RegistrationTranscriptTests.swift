import EngineCore
import Foundation
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import LKH
import Testing

/// Whole-message known answers for one registration with injected randomness, checked by an
/// independent implementation: scripts/check-gikev2-registration.py re-derives the IKE SA from
/// the GM's X25519 private value with Python `cryptography`, verifies both AUTH payloads,
/// decrypts the GSA_AUTH response (sent as RFC 7383 fragments) and unwraps every key (RFC 5649)
/// on its own. Its findings are
/// in Vectors/gikev2-registration.json. To regenerate after a deliberate change:
///   GROUPKEY_WRITE_TRANSCRIPT=/tmp/t.json swift test --filter RegistrationTranscriptTests
///   python3 scripts/check-gikev2-registration.py /tmp/t.json > Tests/GIKEv2Tests/Vectors/gikev2-registration.json
@Suite("Registration transcript against Python")
struct RegistrationTranscriptTests {
    struct Transcript: Codable {
        var initRequest: String
        var initResponse: String
        var authRequest: String
        /// The GSA_AUTH response as sent: RFC 7383 fragments at the default IPv4 threshold.
        var authResponse: [String]
        /// The GM's X25519 private scalar, as the deterministic source gave it (a test key).
        var memberPrivateKey: String
        var psk: String
    }

    struct Checked: Decodable {
        var source: String
        var transcript: Transcript
        var initiatorAuthValid: Bool
        var responderAuthValid: Bool
        var gskW: String
        var tekSPI: String
        var tekKeyMaterial: String
        var rekeySPI: String
        var rekeyKeyMaterial: String
        var workingKeyPath: [UInt32]
        var senderIDs: [UInt32]
    }

    /// The LKH group (X25519, AES-GCM) with fixed seeds, one sender.
    static func run() throws -> (Transcript, BackToBackHarness<GroupMemberInitiator, GCKSResponder>, GroupDirectory) {
        let directory = GroupDirectory(groups: [try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 0x31))])
        let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, identity: "gm1.example", psk: GroupFixtures.lkhPSK,
                                                  proposals: [RegistrationSetup.lkhProposal], senderIDs: 2, seed: 0x51)
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory, seed: 0x71), member: member)
        let messages = harness.delivered.map(\.bytes)
        // The GM drew its SPI (8 octets), its nonce (32), then its X25519 scalar (32).
        let scalar = try DeterministicRandom(seed: 0x51).bytes(72).suffix(32)
        let transcript = Transcript(initRequest: Hex.encode(messages[0]), initResponse: Hex.encode(messages[1]),
                                    authRequest: Hex.encode(messages[2]), authResponse: messages[3...].map { Hex.encode($0) },
                                    memberPrivateKey: Hex.encode(scalar), psk: Hex.encode(Array("lkh-group-psk".utf8)))
        return (transcript, harness, directory)
    }

    @Test("Writes the transcript for the Python checker when asked")
    func writeTranscript() throws {
        guard let path = ProcessInfo.processInfo.environment["GROUPKEY_WRITE_TRANSCRIPT"] else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(try Self.run().0).write(to: URL(fileURLWithPath: path))
    }

    @Test("The four messages are byte for byte the checked transcript, and Python recovered our keys from them")
    func matchesPython() throws {
        let checked = try VectorLoader.load(Checked.self, named: "gikev2-registration.json", in: .module)
        let (transcript, harness, directory) = try Self.run()
        #expect(transcript.initRequest == checked.transcript.initRequest)
        #expect(transcript.initResponse == checked.transcript.initResponse)
        #expect(transcript.authRequest == checked.transcript.authRequest)
        #expect(transcript.authResponse == checked.transcript.authResponse)
        #expect(transcript.authResponse.count > 1, "the response went as SKF fragments, which Python reassembled")
        #expect(checked.initiatorAuthValid && checked.responderAuthValid)
        let state = try #require(directory.snapshot.first)
        let tek = try #require(state.dataSecuritySAs.first)
        #expect(Hex.encode(tek.spi) == checked.tekSPI)
        #expect(tek.keyMaterial == SecretBytes(Hex.decode(checked.tekKeyMaterial)))
        let rekey = try #require(state.rekeySA)
        #expect(Hex.encode(rekey.spi) == checked.rekeySPI)
        #expect(rekey.keyMaterial == SecretBytes(Hex.decode(checked.rekeyKeyMaterial)))
        let holdings = try #require(harness.left.holdings)
        #expect(holdings.workingKeyPath.keys.map(\.id) == checked.workingKeyPath)
        #expect(holdings.senderIDs == checked.senderIDs)
    }
}
