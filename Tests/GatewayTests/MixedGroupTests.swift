import EngineCore
import Foundation
import GDOI
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
import Testing

/// One group, two protocols (issue 9): GDOI and G-IKEv2 members of the demo group over loopback,
/// every rekey and eviction reaching both populations with the same SA, and the evicted members of
/// either protocol left without it.
@Suite("MixedGroup: one group served to GDOI and G-IKEv2 members", .serialized)
struct MixedGroupTests {
    /// 50 + 50 members: registrations of both protocols take a few seconds on two shared cores.
    static let perProtocol = 50

    /// The server's current TEK (the newest) as members must hold it.
    static func currentTEK(_ fixture: MixedGroupFixture) throws -> DataSecuritySA {
        try #require(fixture.state?.dataSecuritySAs.last)
    }

    /// Every listed member holds `spi`; the GDOI members also hold its key bytes.
    static func allHold(_ tek: DataSecuritySA, gdoi: [String], ike: [String], fixture: MixedGroupFixture) -> Bool {
        let spi = controlHex(tek.spi)
        return gdoi.allSatisfy { name in
            fixture.gdoi(name).last?.teks.contains { $0.spi == tek.spi && $0.keyMaterial == tek.keyMaterial } == true
        } && ike.allSatisfy { fixture.heldSPIs($0).contains(spi) }
    }

    @Test("50 GDOI and 50 G-IKEv2 members hold the same SA; a forced rekey and three evictions reach every remaining member and no evicted one")
    func mixedGroupRekeysAndEvictions() async throws {
        if let reason = await MulticastTests.loopbackMulticastUnavailable() {
            print("skipped: \(reason)")
            return
        }
        let fixture = try await MixedGroupFixture(policy: MixedGroupFixture.policy(maxMembers: 128, multicast: MulticastTests.freshGroup()))
        let gdoiMembers = (0..<Self.perProtocol).map { "gm-gdoi-\($0)" }
        let ikeMembers = (0..<Self.perProtocol).map { "gm-ike-\($0)" }
        for (gdoi, ike) in zip(gdoiMembers, ikeMembers) {
            fixture.followGDOI(gdoi)
            fixture.followIKE(ike)
        }
        let registered = await fixture.wait(seconds: 120) {
            gdoiMembers.allSatisfy { !fixture.gdoi($0).isEmpty } && ikeMembers.allSatisfy { fixture.ike($0) != nil }
        }
        #expect(registered, "all \(2 * Self.perProtocol) members registered")

        // Same SPIs and key bytes in both protocols, and the server's.
        let first = try Self.currentTEK(fixture)
        for name in gdoiMembers {
            let tek = try #require(fixture.gdoi(name).first?.teks.last)
            #expect(tek.spi == first.spi && tek.keyMaterial == first.keyMaterial, "\(name)")
        }
        for name in ikeMembers {
            let tek = try #require(fixture.ike(name)?.dataSecuritySAs.last)
            #expect(tek.spi == first.spi && tek.keyMaterial == first.keyMaterial, "\(name)")
        }
        let status = try #require(try await fixture.send(.status).status)
        let group = try #require(status.groups.first)
        #expect(group.members.filter { $0.protocol == "gdoi" }.count == Self.perProtocol)
        #expect(group.members.filter { $0.protocol == "gikev2" }.count == Self.perProtocol)
        #expect(status.counters.gdoi?.pulls == Self.perProtocol)

        // 1. A forced rekey.
        var remainingGDOI = gdoiMembers, remainingIKE = ikeMembers
        let rekey = try await fixture.send(.rekey(group: MixedGroupFixture.group, dryRun: false))
        #expect(rekey.ok, "\(String(describing: rekey.error))")
        let afterRekey = try Self.currentTEK(fixture)
        #expect(afterRekey.spi != first.spi)
        #expect(await fixture.wait { Self.allHold(afterRekey, gdoi: remainingGDOI, ike: remainingIKE, fixture: fixture) },
                "every member holds the forced rekey's TEK")

        // 2-4. Evictions: a GDOI member, a G-IKEv2 member, then a batch of both.
        let rounds: [[String]] = [["gm-gdoi-0"], ["gm-ike-0"], ["gm-gdoi-1", "gm-gdoi-2", "gm-ike-1", "gm-ike-2"]]
        var evicted: [(name: String, after: [UInt8])] = []
        for round in rounds {
            let before = try Self.currentTEK(fixture)
            let response = try await fixture.send(.evict(group: MixedGroupFixture.group, members: round, dryRun: false))
            #expect(response.ok, "\(round): \(String(describing: response.error))")
            #expect(Set(response.rekey?.evicted ?? []) == Set(round.map { "id2:\($0)" }))
            remainingGDOI.removeAll { round.contains($0) }
            remainingIKE.removeAll { round.contains($0) }
            let tek = try Self.currentTEK(fixture)
            #expect(tek.spi != before.spi)
            evicted += round.map { ($0, tek.spi) }
            #expect(await fixture.wait { Self.allHold(tek, gdoi: remainingGDOI, ike: remainingIKE, fixture: fixture) },
                    "after evicting \(round) every remaining member holds the new TEK")
        }
        // Wait until every evicted GDOI member has refused a push that followed its eviction (the
        // last round's included), so the checks below see what reached them.
        let evictedGDOI = ["gm-gdoi-0", "gm-gdoi-1", "gm-gdoi-2"]
        #expect(await fixture.wait { evictedGDOI.allSatisfy { fixture.gdoiPushes($0).contains { !$0.accepted } } },
                "each evicted GDOI member refused the pushes after its eviction (it cannot read the new KEK)")
        let final = try Self.currentTEK(fixture)
        let finalStatus = try #require(try await fixture.send(.status).status)
        await fixture.stop()

        #expect(Self.allHold(final, gdoi: remainingGDOI, ike: remainingIKE, fixture: fixture))
        #expect(finalStatus.groups.first?.members.count == remainingGDOI.count + remainingIKE.count)
        #expect((finalStatus.counters.gdoi?.pushesSent ?? 0) >= 7, "rekey 1 + three evictions of 2 pushes each")
        // No evicted member holds the TEK made at its eviction nor any later one.
        for (index, entry) in evicted.enumerated() {
            let laterTEKs = Set(evicted[index...].map { controlHex($0.after) } + [controlHex(final.spi)])
            let held = fixture.heldSPIs(entry.name)
            #expect(held.isDisjoint(with: laterTEKs), "\(entry.name) holds a TEK made after its eviction: \(held)")
        }
    }
}
