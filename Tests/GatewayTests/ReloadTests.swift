import Foundation
import Gateway
import Testing

/// `reload` (and SIGHUP, which calls the same path): a valid change applies, an invalid one
/// changes nothing.
@Suite("Policy reload")
struct ReloadTests {
    @Test("Adding a group, then a silent change, then a TEK-relevant change, then removing the group")
    func reloadSequence() async throws {
        let fixture = try await ControlFixture()
        _ = try await fixture.join("alice")
        let before = try #require(try await fixture.send(.status).status?.groups.first)

        fixture.policy = Self.withSecondGroup(ControlFixture.demoPolicy())
        let added = try #require(try await fixture.send(.reload).reload)
        #expect(added.applied, "\(added.diagnostics)")
        #expect(added.added == ["branch-2"] && added.removed.isEmpty && added.unchanged == ["demo-1001"])
        let afterAdd = try #require(try await fixture.send(.status).status)
        #expect(afterAdd.groups.map(\.name) == ["demo-1001", "branch-2"])
        #expect(afterAdd.groups[0].ignoringClock == before.ignoringClock, "the unchanged group keeps its keys and members")

        // A retransmission timer is silent; a TEK lifetime needs a new TEK.
        fixture.policy = fixture.policy.replacingOccurrences(of: #"<retransmit count="2" interval="10"/>"#,
                                                             with: #"<retransmit count="3" interval="10"/>"#)
        let silent = try #require(try await fixture.send(.reload).reload)
        #expect(silent.applied && silent.changed.map(\.rekey).allSatisfy { $0 == "not needed" })
        #expect(silent.changed.first?.aspects == ["rekey timers"])

        fixture.policy = fixture.policy.replacingOccurrences(of: #"<lifetime seconds="3600"/>"#, with: #"<lifetime seconds="1800"/>"#)
        let lifetime = try #require(try await fixture.send(.reload).reload)
        #expect(lifetime.applied)
        #expect(lifetime.changed.map(\.name).sorted() == ["branch-2", "demo-1001"])
        #expect(lifetime.changed.allSatisfy { $0.aspects == ["data-security SAs"] && $0.rekey == "sent" })

        fixture.policy = ControlFixture.demoPolicy(lifetime: 1800)
        let removed = try #require(try await fixture.send(.reload).reload)
        let final = try #require(try await fixture.send(.status).status)
        await fixture.stop()
        #expect(removed.applied && removed.removed == ["branch-2"])
        #expect(final.groups.map(\.name) == ["demo-1001"])
        #expect(final.groups[0].members.map(\.identity) == ["id2:alice"], "members survive reloads")
        // The old TEK is kept for the deactivation delay beside the new one made under the new policy.
        let teks = final.groups[0].dataSecuritySAs
        #expect(teks.contains { $0.spi == before.dataSecuritySAs[0].spi && $0.lifetimeSeconds == 3600 && !$0.current })
        #expect(teks.contains { $0.spi != before.dataSecuritySAs[0].spi && $0.lifetimeSeconds == 1800 })
        #expect(final.counters.rekeysSent == 2, "one policy-change rekey per changed group")
    }

    @Test("A reload that does not validate, or changes what cannot change live, changes nothing", arguments: [
        "not xml at all",
        ControlFixture.demoPolicy().replacingOccurrences(of: #"algorithm="aes-gcm-16""#, with: #"algorithm="rot13""#),
        ControlFixture.demoPolicy().replacingOccurrences(of: "secrets:demo-psk", with: "secrets:missing-psk"),
        ControlFixture.demoPolicy().replacingOccurrences(of: #"max-members="16""#, with: #"max-members="64""#),
        ControlFixture.demoPolicy().replacingOccurrences(of: "000003e9", with: "000003ff"),
    ])
    func refusedReload(policy: String) async throws {
        let fixture = try await ControlFixture()
        _ = try await fixture.join("alice")
        let before = try #require(try await fixture.send(.status).status)
        fixture.policy = policy
        let response = try await fixture.send(.reload)
        let after = try #require(try await fixture.send(.status).status)
        await fixture.stop()
        let report = try #require(response.reload)
        #expect(!report.applied && !response.ok)
        #expect(!report.diagnostics.isEmpty)
        #expect(before.groups.map(\.ignoringClock) == after.groups.map(\.ignoringClock), "state unchanged")
    }

    @Test("The server's own reload() (what SIGHUP calls) does the same")
    func inProcessReload() async throws {
        let fixture = try await ControlFixture()
        fixture.policy = "broken"
        let refused = await fixture.server.reload()
        fixture.policy = ControlFixture.demoPolicy()
        let applied = await fixture.server.reload()
        await fixture.stop()
        #expect(!refused.applied && applied.applied && applied.unchanged == ["demo-1001"])
    }

    /// The policy with a second group, "branch-2" (group 1002, its own multicast address).
    static func withSecondGroup(_ policy: String) -> String {
        guard let start = policy.range(of: "<group "), let end = policy.range(of: "</group>") else { return policy }
        let second = String(policy[start.lowerBound..<end.upperBound])
            .replacingOccurrences(of: #"name="demo-1001""#, with: #"name="branch-2""#)
            .replacingOccurrences(of: "000003e9", with: "000003ea").replacingOccurrences(of: #"gdoi-id="1001""#, with: #"gdoi-id="1002""#)
            .replacingOccurrences(of: "239.192.0.1", with: "239.192.0.2")
            .replacingOccurrences(of: "10.0.0.0/8", with: "172.16.0.0/12")
        return policy.replacingOccurrences(of: "</policies>", with: second + "\n</policies>")
    }
}
