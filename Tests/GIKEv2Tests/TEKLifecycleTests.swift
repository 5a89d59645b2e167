import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import LKH
import Testing

/// The protocol-neutral rekey lifecycle of GroupState (GroupState+Rekey.swift) on a manual clock.
/// Group 2002: TEK lifetime 900 s, rekey SA 7200 s, lead time 90 s, ATD 5 s, DTD 30 s.
@Suite("TEKLifecycle: scheduled rollovers, eviction and counters in GroupState")
struct TEKLifecycleTests {
    @Test("A TEK is replaced its lead time before expiry; old and new overlap until the deactivation delay")
    func tekRolloverTiming() throws {
        let random = DeterministicRandom(seed: 7)
        var state = try GroupFixtures.lkhGroup(random: random)
        let first = try #require(state.currentTEKs.first)
        #expect(state.nextRekeyEventMilliseconds == 810_000, "900 s lifetime − 90 s lead")
        #expect(state.dueRekeyWork(atMilliseconds: 809_999).isEmpty)
        #expect(try state.performDueRekeys(atMilliseconds: 809_999, random: random).isEmpty)
        let rekeys = try state.performDueRekeys(atMilliseconds: 810_000, random: random)
        let rekey = try #require(rekeys.first)
        #expect(rekeys.count == 1 && rekey.reason == .tekRollover)
        #expect(rekey.newTEKs.count == 1 && rekey.retiredTEKSPIs == [first.spi])
        #expect(rekey.newTEKs[0].spi != first.spi && rekey.newTEKs[0].keyMaterial != first.keyMaterial)
        #expect(rekey.gikev2MessageID == 0 && rekey.gdoiSequence == 1, "G-IKEv2 Message ID from 0, GDOI SEQ from 1")
        #expect(rekey.activationDelaySeconds == 5 && rekey.deactivationDelaySeconds == 30)
        #expect(state.dataSecuritySAs.count == 2, "old and new overlap")
        #expect(state.currentTEKs.map(\.spi) == rekey.newTEKs.map(\.spi))
        #expect(state.nextRekeyEventMilliseconds == 840_000, "the old TEK is forgotten after DTD")
        _ = try state.performDueRekeys(atMilliseconds: 840_000, random: random)
        #expect(state.dataSecuritySAs.map(\.spi) == rekey.newTEKs.map(\.spi))
        #expect(state.nextRekeyEventMilliseconds == 1_620_000, "the new TEK, made at 810 s, rolls at 1620 s")
    }

    @Test("Over many lifetimes every instant has a current TEK and rollovers happen exactly when due")
    func manyLifetimes() throws {
        let random = DeterministicRandom(seed: 8)
        var state = try GroupFixtures.lkhGroup(random: random)
        var now: Int64 = 0
        var tekRollovers: [Int64] = [], kekRollovers: [Int64] = []
        var messageIDs: [UInt32] = [], sequences: [UInt32] = []
        while now < 30 * 3600 * 1000 {
            guard let next = state.nextRekeyEventMilliseconds else { Issue.record("nothing scheduled"); return }
            #expect(next > now || next == now)
            now = next
            for rekey in try state.performDueRekeys(atMilliseconds: now, random: random) {
                if rekey.reason == .tekRollover { tekRollovers.append(now) }
                if rekey.reason == .rekeySARollover { kekRollovers.append(now) }
                if let id = rekey.gikev2MessageID { messageIDs.append(id) }
                sequences.append(rekey.gdoiSequence)
            }
            // Coverage: the current TEK is valid now and for at least the lead time more.
            let tek = try #require(state.currentTEKs.first)
            #expect(tek.createdAtMilliseconds + 900_000 - now >= 90_000)
        }
        #expect(tekRollovers.first == 810_000)
        #expect(zip(tekRollovers, tekRollovers.dropFirst()).allSatisfy { $1 - $0 == 810_000 })
        #expect(kekRollovers.first == 7_110_000, "7200 s − 90 s lead")
        #expect(zip(kekRollovers, kekRollovers.dropFirst()).allSatisfy { $1 - $0 == 7_110_000 })
        #expect(sequences == Array(1...UInt32(sequences.count)), "GDOI SEQ counts up from 1 for the group's life")
        #expect(messageIDs.contains(0) && messageIDs.filter { $0 == 0 }.count == kekRollovers.count + 1,
                "each rekey SA numbers its messages from 0")
    }

    @Test("Evicting a member: a key update under the old rekey SA, then TEKs under the new one")
    func evictionIsTwoRekeys() throws {
        let random = DeterministicRandom(seed: 9)
        var state = try GroupFixtures.lkhGroup(random: random)
        var paths: [String: [LKHNodeKey]] = [:]
        for name in ["a", "b", "c", "d", "e"] {
            paths[name] = try state.admit(member: name, senderIDCount: nil, random: random).keyPath
            state.setProtocol(name == "e" ? .gdoi : .gikev2, of: name)
        }
        let oldRekeySA = try #require(state.rekeySA)
        let oldTEK = try #require(state.currentTEKs.first)
        let rekeys = try state.evict(["c"], atMilliseconds: 1000, random: random)
        #expect(rekeys.map(\.reason) == [.eviction, .postEvictionTEK])
        let update = rekeys[0], teks = rekeys[1]
        #expect(update.newTEKs.isEmpty, "a rekey that changes membership carries no TEK (RFC 9838 §3.2.1)")
        #expect(update.protectingRekeySA?.spi == oldRekeySA.spi)
        let newRekeySA = try #require(update.newRekeySA)
        #expect(newRekeySA.spi != oldRekeySA.spi && newRekeySA.nextMessageID == 0)
        #expect(teks.protectingRekeySA?.spi == newRekeySA.spi && teks.gikev2MessageID == 0)
        #expect(teks.retiredTEKSPIs == [oldTEK.spi] && teks.newTEKs.count == 1)
        #expect(update.evictedMembers == ["c"] && !state.members.contains("c") && state.memberProtocol(of: "c") == nil)
        #expect(state.memberProtocol(of: "e") == .gdoi)
        let plan = try #require(update.keyTreeUpdate)
        // The evicted member's keys reach none of the new keys; every other member reaches the root.
        let newRoot = plan.newRoot.serial
        for (name, path) in paths {
            let reach = LKHReplay.reachable(from: Set(path.map(\.serial)), wraps: plan.wraps)
            #expect(reach.contains(newRoot) == (name != "c"), "\(name)")
        }
        #expect(state.keyTree?.root.serial == newRoot)
    }

    @Test("A batch eviction replaces shared ancestors once; unknown members change nothing")
    func batchEviction() throws {
        let random = DeterministicRandom(seed: 10)
        var state = try GroupFixtures.lkhGroup(random: random)
        var paths: [String: [LKHNodeKey]] = [:]
        for index in 0..<8 { paths["m\(index)"] = try state.admit(member: "m\(index)", senderIDCount: nil, random: random).keyPath }
        let before = state.lifecycle
        #expect(throws: GroupStateError.self) { try state.evict(["m1", "nobody"], atMilliseconds: 0, random: random) }
        #expect(state.lifecycle == before && state.members.count == 8)
        let rekeys = try state.evict(["m1", "m2", "m6"], atMilliseconds: 0, random: random)
        let plan = try #require(rekeys.first?.keyTreeUpdate)
        #expect(Set(plan.newKeys.map(\.position)).count == plan.newKeys.count, "each node replaced once")
        for (name, path) in paths {
            let reach = LKHReplay.reachable(from: Set(path.map(\.serial)), wraps: plan.wraps)
            #expect(reach.contains(plan.newRoot.serial) == !["m1", "m2", "m6"].contains(name), "\(name)")
        }
    }

    @Test("An operator rekey replaces every current TEK now")
    func operatorRekey() throws {
        let random = DeterministicRandom(seed: 11)
        var state = try GroupFixtures.lkhGroup(random: random)
        let rekey = try state.rollOverTEKs(atMilliseconds: 5000, random: random)
        #expect(rekey.reason == .operatorRequest && rekey.newTEKs.count == 1 && rekey.newRekeySA == nil)
        #expect(state.nextRekeyEventMilliseconds == 35_000, "old TEK forgotten 30 s (DTD) later")
    }
}
