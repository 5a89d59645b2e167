import EngineCore
import Foundation
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing
import WireCore

/// A GROUPKEY-PULL, a GROUPKEY-PUSH and its ACK as they go on the wire, each encrypted message
/// decrypted here independently of the engines: the PULL with the RFC 2409 App. B IV chain
/// (hash(last phase-1 block | M-ID), then the last ciphertext block of the message before), the
/// PUSH under the KEK's explicit IV. With GROUPKEY_GDOI_CAPTURE=FILE set the frames (and decrypted
/// copies with the E flag clear) are written as JSON for scripts/interop/tshark-gdoi-groupkey.py.
@Suite("GroupKeyPull capture")
struct GroupKeyCaptureTests {
    struct Frame: Encodable {
        let name: String
        let hex: String
    }

    struct Capture: Encodable {
        let frames: [Frame]
        let tekSPIs: [String]
        let pushSequence: UInt32
    }

    /// Payload chain end in a plaintext (padding excluded).
    static func chainEnd(_ plaintext: [UInt8], first: UInt8) -> Int {
        PushFixtures.walk(plaintext, first: first).last.map { $0.offset + $0.length } ?? 0
    }

    static func clearCopy(_ message: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        let body = Array(plaintext[0..<chainEnd(plaintext, first: message[16])])
        var header = Array(message[0..<28])
        header[19] &= 0xFE
        let length = UInt32(28 + body.count)
        header.replaceSubrange(24..<28, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        return header + body
    }

    @Test("Every PULL message decrypts with the App. B IV chain computed here and carries the HASH(n) of RFC 6407 §3.2 recomputed here; the PUSH decrypts under the KEK IV")
    func captureDecryptsIndependently() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(unicast: true)])
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 61))
        var client = GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: 1, localAddress: [127, 0, 0, 2]),
                                        random: DeterministicRandom(seed: 62))
        let pair = try GroupKeyFixtures.phase1Pair()
        let run = try GroupKeyFixtures.runPull(client: &client, server: &server, pair: pair)
        #expect(run.transcript.count == 4)
        var frames: [Frame] = []
        let messageIDOctets = Array(run.transcript[0][20..<24])
        var iv = Array(try DigestAlgorithm.sha256.hash([pair.member.lastPhase1Block, messageIDOctets]).prefix(16))
        let cipher = try CBCCipher(.aes256, key: pair.member.encryptionKey)
        var nonces: [[UInt8]] = []   // Ni_b, Nr_b as they appear
        for (index, message) in run.transcript.enumerated() {
            #expect(Array(message[20..<24]) == messageIDOctets)
            let ciphertext = Array(message[28...])
            let plaintext = try cipher.decrypt(ciphertext, iv: iv, aad: [UInt8]())
            iv = Array(ciphertext.suffix(16))
            let clear = Self.clearCopy(message, plaintext: plaintext)
            let parsed = try ISAKMPMessage.parse(clear)
            #expect(parsed.payloads.first?.type == ISAKMPPayloadType.hash)
            // HASH(n) = prf(SKEYID_a, M-ID | [Ni_b | Nr_b ...] | everything after HASH up to the padding):
            // HASH(1) no nonce data, HASH(2) Ni_b, HASH(3) and HASH(4) Ni_b | Nr_b.
            let walked = PushFixtures.walk(plaintext, first: message[16])
            let hashLength = walked[0].length
            let rest = Array(plaintext[hashLength..<Self.chainEnd(plaintext, first: message[16])])
            let prefix = Array(nonces.prefix(index == 0 ? 0 : index == 1 ? 1 : 2).joined())
            let expected = try HMAC(.sha256).authenticationCode(key: pair.member.keys.skeyidA, parts: [messageIDOctets, prefix, rest])
            #expect(Array(plaintext[4..<hashLength]) == expected, "HASH(\(index + 1))")
            if let nonce = walked.first(where: { $0.type == ISAKMPPayloadType.nonce }) {
                nonces.append(Array(plaintext[(nonce.offset + 4)..<(nonce.offset + nonce.length)]))
            }
            frames += [Frame(name: "GROUPKEY-PULL message \(index + 1)", hex: Hex.encode(message)),
                       Frame(name: "GROUPKEY-PULL message \(index + 1) (decrypted copy)", hex: Hex.encode(clear))]
        }
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let old = group.dataSecuritySAs[0]
        let fresh = PushFixtures.newTEK(like: old, spi: [0x0A, 0x0B, 0x0C, 0x0D], fill: 0x66)
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], deletedTEKSPIs: [old.spi], sequence: 7),
                                                   group: group, encryptingUnder: kek)
        let pushPlain = try CBCCipher(.aes256, key: kek.key).decrypt(Array(push[28...]), iv: kek.iv, aad: [UInt8]())
        let pushClear = Self.clearCopy(push, plaintext: pushPlain)
        #expect(try ISAKMPMessage.parse(pushClear).payloads.map(\.type) == [18, 12, 1, 17, 9])
        let ack = try #require(GroupKeyFixtures.datagrams(try PushFixtures.deliver(push, to: &client)).first)
        frames += [Frame(name: "GROUPKEY-PUSH SEQ 7", hex: Hex.encode(push)),
                   Frame(name: "GROUPKEY-PUSH SEQ 7 (decrypted copy)", hex: Hex.encode(pushClear)),
                   Frame(name: "GROUPKEY-PUSH-ACK SEQ 7", hex: Hex.encode(ack))]
        if let path = ProcessInfo.processInfo.environment["GROUPKEY_GDOI_CAPTURE"] {
            let capture = Capture(frames: frames, tekSPIs: [Hex.encode(old.spi), Hex.encode(fresh.spi)], pushSequence: 7)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(capture).write(to: URL(fileURLWithPath: path))
        }
    }
}
