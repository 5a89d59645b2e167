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
@Suite("GroupKeyPush and GroupKeyPull mutation sweeps")
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

    /// Whether a mutation changed only what the phase-2 HASH does not cover and routing does not
    /// use: the header's Next Payload, version, exchange type or flags (RFC 2409 §5.5: the HASH
    /// covers the M-ID and the payloads, not the rest of the header).
    static func onlyUnprotectedHeader(_ mutated: [UInt8], _ original: [UInt8]) -> Bool {
        mutated.count == original.count && mutated[0..<16] == original[0..<16] && mutated[20...] == original[20...]
    }

    @Test("Every mutation of GROUPKEY-PULL messages 1 and 3 that touches the M-ID, Length or payloads is dropped by the key server")
    func pullSweep() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        let pair = try GroupKeyFixtures.phase1Pair()
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: 70))
        var client = GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: 1), random: DeterministicRandom(seed: 71))
        let message1 = try #require(GroupKeyFixtures.datagrams(client.phase1Established(pair.member, now: .zero)).first)
        var answered = 0, tried = 0
        WireMutator.forEachMutation(of: message1, randomRuns: 100) { mutated in
            // Other cookies name another ISAKMP SA, and a header the transport cannot read never
            // reaches the engine.
            guard mutated != message1, mutated.count >= 16, mutated[0..<16] == message1[0..<16],
                  let header = try? GroupKeyFixtures.header(mutated) else { return }
            tried += 1
            var fresh = server
            let actions = fresh.handle(datagram: mutated, header: header, under: pair.server, now: .zero)
            if !GroupKeyFixtures.datagrams(actions).isEmpty && !Self.onlyUnprotectedHeader(mutated, message1) { answered += 1 }
        }
        #expect(tried > 1000)
        #expect(answered == 0)
        // Message 3 against an exchange that has sent message 2, on a copy of the group state each time.
        let message2 = try #require(GroupKeyFixtures.datagrams(server.handle(datagram: message1, header: try GroupKeyFixtures.header(message1),
                                                                             under: pair.server, now: .zero)).first)
        let message3 = try #require(GroupKeyFixtures.datagrams(client.handle(datagram: message2, header: try GroupKeyFixtures.header(message2),
                                                                             under: pair.member, from: GroupKeyFixtures.serverAddress,
                                                                             now: .zero)).first)
        var admitted = 0, triedMessage3 = 0
        WireMutator.forEachMutation(of: message3, randomRuns: 100) { mutated in
            guard mutated != message3, mutated.count >= 16, mutated[0..<16] == message3[0..<16],
                  let header = try? GroupKeyFixtures.header(mutated) else { return }
            triedMessage3 += 1
            var fresh = server
            let actions = fresh.handle(datagram: mutated, header: header, under: pair.server, now: .zero)
            // Only a byte-identical retransmission of message 1 is answered (with message 2 again).
            let protectedChange = !Self.onlyUnprotectedHeader(mutated, message3)
            if protectedChange && GroupKeyFixtures.datagrams(actions).contains(where: { $0 != message2 }) { answered += 1 }
            // An admission shows in the engine's own actions: the shared directory's member count
            // would not move for an identity a header-only mutant had already admitted.
            let admits = actions.contains { if case .persist(.memberRegistered) = $0 { return true } else { return false } }
            if protectedChange && admits { admitted += 1 }
        }
        #expect(triedMessage3 > 1000)
        #expect(answered == 0)
        #expect(admitted == 0)
    }
}
