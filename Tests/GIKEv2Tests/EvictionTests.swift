import EngineCore
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import LKH
import Testing

@Suite("Eviction: GSA_REKEY through the key tree locks out evicted members only")
struct EvictionTests {
    @Test("Out of 8, the evicted member cannot reach the new rekey SA or TEK; the other 7 install both", arguments: [0, 3, 7])
    func singleEviction(victim: Int) throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 8, senders: [1])
        let held = group.members[victim].receiver.holdings
        group.now = EngineTime(milliseconds: 60_000)
        let actions = group.gcks.evict(group: group.groupName, members: [group.members[victim].stateName], now: group.now)
        group.deliver(actions)
        #expect(group.sent.count == 2, "key update, then TEKs under the new rekey SA")
        #expect(actions.logCodes.contains("GCKS-IKE-SA-CLOSED"), "the evicted member's registration IKE SA is closed")
        let state = group.state
        let newTEK = try #require(state.currentTEKs.first)
        for (index, member) in group.members.enumerated() {
            let receiver = member.receiver
            if index == victim {
                #expect(receiver.rejected[.excluded] == 1 && receiver.rejected[.wrongSPI] == 1)
                #expect(receiver.reregistration == .excluded)
                #expect(receiver.holdings.rekeySA?.spi == held.rekeySA?.spi)
                #expect(!receiver.holdings.dataSecuritySAs.contains { $0.spi == newTEK.spi })
            } else {
                #expect(receiver.accepted == 2 && receiver.rejectedCount == 0, "gm\(index)")
                #expect(receiver.holdings.rekeySA?.spi == state.rekeySA?.spi)
                #expect(receiver.holdings.rekeySA?.keyMaterial == state.rekeySA?.keyMaterial)
                #expect(receiver.holdings.dataSecuritySAs.first { $0.spi == newTEK.spi }?.keyMaterial == newTEK.keyMaterial)
                #expect(receiver.holdings.workingKeyPath.keys.first?.id == state.keyTree?.root.serial, "new root at the top of the path")
            }
        }
        try Self.provablyLockedOut(message: group.sent[0], heldBy: held, state: state)
    }

    @Test("A batch eviction of 3 out of 12 sends one key update; exactly the 9 others follow")
    func batchEviction() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 12, senders: [])
        let victims: Set<Int> = [2, 3, 9]
        let held = victims.map { group.members[$0].receiver.holdings }
        group.now = EngineTime(milliseconds: 1000)
        group.deliver(group.gcks.evict(group: group.groupName, members: victims.map { group.members[$0].stateName }, now: group.now))
        #expect(group.sent.count == 2)
        for (index, member) in group.members.enumerated() {
            #expect(member.receiver.holdings.rekeySA?.spi == (victims.contains(index) ? held[0].rekeySA?.spi : group.state.rekeySA?.spi))
            #expect((member.receiver.reregistration == .excluded) == victims.contains(index), "gm\(index)")
        }
        for holdings in held { try Self.provablyLockedOut(message: group.sent[0], heldBy: holdings, state: group.state) }
        #expect(group.state.members.count == 9)
        #expect(group.state.members.allSatisfy { group.state.memberProtocol(of: $0) == .gikev2 }, "admission records the protocol")
        // Later rekeys reach the remaining members only.
        group.now = EngineTime(milliseconds: 2000)
        group.deliver(group.gcks.rekeyNow(group: group.groupName, now: group.now))
        let tek = try #require(group.state.currentTEKs.first)
        for (index, member) in group.members.enumerated() {
            #expect(member.receiver.holdings.dataSecuritySAs.contains { $0.spi == tek.spi } == !victims.contains(index))
        }
    }

    @Test("Evicting twice in a row: the second update travels under the rekey SA the first delivered")
    func consecutiveEvictions() throws {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 6, senders: [])
        group.deliver(group.gcks.evict(group: group.groupName, members: [group.members[1].stateName], now: group.now))
        group.deliver(group.gcks.evict(group: group.groupName, members: [group.members[4].stateName], now: group.now))
        for (index, member) in group.members.enumerated() where ![1, 4].contains(index) {
            #expect(member.receiver.accepted == 4 && member.receiver.holdings.rekeySA?.spi == group.state.rekeySA?.spi)
        }
        #expect(group.members[4].receiver.accepted == 2 && group.members[4].receiver.reregistration == .excluded)
    }

    /// With every key the evicted member held (its Working Key Path, the old rekey SA's GSK_w)
    /// no wrapped key in the update unwraps: opens the message with the old rekey SA (which the
    /// member still has) and tries every WRAP_KEY and SA_KEY under every key it holds.
    static func provablyLockedOut(message: [UInt8], heldBy holdings: GroupMemberHoldings, state: GroupState) throws {
        let rekey = try #require(holdings.rekeySA)
        let keys = try RekeySAKeys(encryption: rekey.encryption, keyBits: rekey.keyBits, integrity: rekey.integrity,
                                   keyWrap: rekey.keyWrap, keyMaterial: rekey.keyMaterial)
        let opened = try SKProtection.open(message, protection: keys.protection)
        var wrapped: [[UInt8]] = []
        for case .keyDownload(let kd) in opened.innerPayloads {
            for bag in kd.bags {
                switch bag {
                case .group(let g): wrapped += g.saKeys.map(\.encryptedKey)
                case .member(let m):
                    for case .wrapKey(let key) in m.attributes { wrapped.append(key.encryptedKey) }
                }
            }
        }
        #expect(wrapped.count > 2, "the update carries the new rekey SA and path keys")
        let candidates = holdings.workingKeyPath.keys.map(\.key) + [keys.keyWrapKey]
        var unwrapped = 0
        for blob in wrapped {
            for key in candidates where (try? AESKeyWrap(mode: .rfc5649, kek: key).unwrap(blob)) != nil { unwrapped += 1 }
        }
        #expect(unwrapped == 0, "an evicted member unwrapped \(unwrapped) key(s)")
        // And nothing it holds equals a key the tree now uses.
        let treeKeys = Set((state.keyTree?.root).map { [$0.key.unsafeCopyBytes()] } ?? [])
        #expect(candidates.allSatisfy { !treeKeys.contains($0.unsafeCopyBytes()) })
    }
}

@Suite("Eviction: the key update grows as log N")
struct EvictionSizeTests {
    /// Evicts one member of a full binary tree and returns (wraps, octets) of the key update.
    static func update(members: Int) throws -> (Int, Int, Int) {
        var definition = try RekeyGroup.state().definition
        definition.lkh = LKHParameters(maximumMembers: members)
        var state = try GroupState(definition: definition, secrets: GroupSecrets(preSharedKey: GroupFixtures.lkhPSK), random: SystemRandom())
        for index in 0..<members { _ = try state.admit(member: "m\(index)", senderIDCount: nil, random: SystemRandom()) }
        let rekeys = try state.evict(["m\(members / 3)"], atMilliseconds: 0, random: SystemRandom())
        let datagram = try GSARekeyMessage.build(rekeys[0], group: state, random: SystemRandom())
        return (try #require(rekeys[0].keyTreeUpdate).wraps.count, datagram.count, try #require(state.keyTree).shape.depth)
    }

    @Test("2·depth − 1 wraps; each doubling of the group adds one level's two wraps, not N")
    func logarithmicGrowth() throws {
        let (wrapsSmall, octetsSmall, depthSmall) = try Self.update(members: 256)
        let (wrapsLarge, octetsLarge, depthLarge) = try Self.update(members: 4096)
        #expect(depthSmall == 8 && depthLarge == 12)
        #expect(wrapsSmall == 2 * depthSmall - 1 && wrapsLarge == 2 * depthLarge - 1)
        // Each wrap of a 16-octet node key: attribute header 4 + Key ID 4 + KWK ID 4 + 24 wrapped.
        #expect(octetsLarge - octetsSmall == (wrapsLarge - wrapsSmall) * 36)
        #expect(octetsLarge < 2048)
    }
}

@Suite("Eviction: a multicast group without a key tree cannot exclude by GSA_REKEY")
struct EvictionWithoutTreeTests {
    @Test("The GCKS refuses to multicast a new rekey SA under a GSK_w the evicted member holds")
    func refusedWithoutTree() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: SystemRandom())])
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                      identity: RegistrationSetup.gcksIdentity),
                                     directory: directory, random: SystemRandom())
        let harness = RegistrationSetup.run(gcks: gcks, member: try RegistrationSetup.member())
        gcks = harness.right
        let member = try #require(directory.snapshot[0].members.first)
        let actions = gcks.evict(group: "demo-1001", members: [member], now: .zero)
        let multicast = actions.filter { if case .send(_, let to) = $0 { (224...239).contains(to.addressOctets.first ?? 0) } else { false } }
        #expect(multicast.isEmpty, "neither the update nor the TEKs behind it")
        #expect(actions.logCodes.contains("GCKS-REKEY-FAILED"))
        #expect(directory.snapshot[0].members.isEmpty)
    }
}
