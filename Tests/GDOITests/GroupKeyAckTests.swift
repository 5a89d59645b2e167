import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("GroupKeyPush acknowledgements")
struct GroupKeyPushAckTests {
    static let memberAddress: [UInt8] = [127, 0, 0, 2]
    static let silentMember: [UInt8] = [127, 0, 0, 3]

    @Test("A unicast KEK asks for acks; the member's GROUPKEY-PUSH-ACK carries the RFC 8263 HASH, recomputed here by hand")
    func ackHashByHand() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(unicast: true)])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1, localAddress: Self.memberAddress)
        #expect(member.holdings?.kek?.ackRequested == 1)
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, deletedTEKSPIs: [[9, 9, 9, 9]], sequence: 1),
                                                   group: group, encryptingUnder: kek)
        let actions = try PushFixtures.deliver(push, to: &member)
        let acks = actions.compactMap { action -> ([UInt8], EndpointAddress)? in
            if case .send(let datagram, let to) = action { return (datagram, to) } else { return nil }
        }
        #expect(acks.count == 1)
        let (ack, destination) = try #require(acks.first)
        #expect(destination == GroupKeyFixtures.serverAddress)  // back to the push's source (RFC 8263 §3)
        // HDR: the push's cookies, Next Payload HASH, version 1.0, exchange 35, no flags, M-ID 0.
        #expect(Array(ack[0..<16]) == kek.spi)
        #expect(Array(ack[16..<24]) == [8, 0x10, 35, 0, 0, 0, 0, 0])
        // HASH(32) | SEQ payload | ID payload (ID_IPV4_ADDR, protocol and port 0).
        let seqAndID = Array(ack[(28 + 36)...])
        #expect(seqAndID == [5, 0, 0, 8, 0, 0, 0, 1] + [0, 0, 0, 12, 1, 0, 0, 0] + Self.memberAddress)
        // ack_key = prf(KEK key, "GROUPKEY-PUSH ACK\0" | SPI | L=512); HASH = prf(ack_key, SEQ | ID).
        let ackKey = try HMAC(.sha256).authenticationCode(key: kek.key, parts: [Array("GROUPKEY-PUSH ACK".utf8) + [0], kek.spi, [0x02, 0x00]])
        let hash = try HMAC(.sha256).authenticationCode(key: ackKey, parts: [seqAndID])
        #expect(Array(ack[32..<64]) == hash)
    }

    @Test("The key server's ledger counts acks and reports members that missed the configured number in a row")
    func ledgerCountsMissedAcks() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(unicast: true)])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1, localAddress: Self.memberAddress)
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        var ledger = GroupKeyPushAckLedger()
        for sequence in UInt32(1)...2 {
            let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, deletedTEKSPIs: [[9, 9, 9, 9]], sequence: sequence),
                                                       group: group, encryptingUnder: kek)
            ledger.sent(sequence: sequence, to: [Self.memberAddress, Self.silentMember])
            let ack = try #require(GroupKeyFixtures.datagrams(try PushFixtures.deliver(push, to: &member)).first)
            // A forged ack (one octet of the ID changed) is refused and counted.
            var forged = ack
            forged[forged.count - 1] ^= 1
            guard case .failure = ledger.receive(forged, type: .kekSHA256, baseKey: kek.key) else {
                Issue.record("a forged ack was accepted")
                return
            }
            guard case .success(let verified) = ledger.receive(ack, type: .kekSHA256, baseKey: kek.key) else {
                Issue.record("the member's ack was refused")
                return
            }
            #expect(verified.sequence == sequence && verified.memberAddress == Self.memberAddress)
            let removable = ledger.close(sequence: sequence, removeAfter: 2)
            #expect(removable == (sequence == 2 ? [Self.silentMember] : []))
        }
        #expect(ledger.missed[Self.memberAddress] == 0)
        #expect(ledger.missed[Self.silentMember] == 2)
        #expect(ledger.acknowledged == 2 && ledger.rejected == 2)
    }

    @Test("A multicast KEK asks for no acks and the member sends none")
    func multicastNoAck() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1, localAddress: Self.memberAddress)
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, deletedTEKSPIs: [[9, 9, 9, 9]], sequence: 1),
                                                   group: group, encryptingUnder: kek)
        #expect(GroupKeyFixtures.datagrams(try PushFixtures.deliver(push, to: &member)).isEmpty)
        #expect(member.holdings?.sequence == 1)
    }
}
