import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// Damaged pushes that still decrypt cleanly: every mutation of the plaintext of a valid push,
/// re-encrypted under the right KEK, so the payload rules, SEQ and signature checks see it. None
/// may be accepted, none may crash, and the member's holdings must not move.
@Suite("GroupKeyPush mutation sweep")
struct GroupKeySweepTests {
    @Test("Every single-octet, truncation and length-lie mutation of a push's payloads is refused, state unchanged")
    func pushPlaintextSweep() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        let member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1)
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let fresh = PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 7, 0, 7], fill: 0x70)
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], deletedTEKSPIs: [[1, 2, 3, 4]], sequence: 1),
                                                   group: group, encryptingUnder: kek)
        let cipher = try CBCCipher(kek.algorithm, key: kek.key)
        let padded = try cipher.decrypt(Array(push[28...]), iv: kek.iv, aad: [UInt8]())
        let plaintext = Array(padded.prefix(GroupKeyCaptureTests.chainEnd(padded, first: push[16])))
        let before = member.holdings
        var tried = 0, accepted = 0
        var acceptedExamples: [String] = []
        try WireMutator.forEachMutation(of: plaintext, randomRuns: 300) { mutated in
            guard mutated != plaintext else { return }
            tried += 1
            var body = mutated + [UInt8](repeating: 0, count: (16 - mutated.count % 16) % 16)
            if body.isEmpty { body = [UInt8](repeating: 0, count: 16) }
            var datagram = Array(push[0..<28]) + (try cipher.encrypt(body, iv: kek.iv, aad: [UInt8]()))
            let length = UInt32(datagram.count)
            datagram.replaceSubrange(24..<28, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            var copy = member
            _ = try PushFixtures.deliver(datagram, to: &copy)
            if copy.pushes.accepted > 0 {
                accepted += 1
                if acceptedExamples.count < 3 {
                    let at = zip(mutated, plaintext).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(mutated.count, plaintext.count)
                    acceptedExamples.append("length \(mutated.count) first difference at \(at)")
                }
            }
            #expect(copy.holdings == before || copy.pushes.accepted > 0)
        }
        #expect(tried > 5000)
        #expect(accepted == 0, "accepted: \(acceptedExamples)")
        #expect(member.holdings == before)
    }
}
