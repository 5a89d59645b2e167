import Foundation
import Gateway
import GroupState
import LKH
import Testing

/// `rekey --dry-run` and `evict --dry-run`: what the rekey would carry and who could read it,
/// with nothing changed.
@Suite("Control rekey and eviction previews")
struct ControlRekeyPreviewTests {
    @Test("An operator rekey carries every TEK anew and every member reads it")
    func operatorRekeyPreview() async throws {
        let fixture = try await ControlFixture()
        for name in ["alice", "bob"] { _ = try await fixture.join(name) }
        let response = try await fixture.send(.rekey(group: "demo-1001", dryRun: true))
        await fixture.stop()
        let preview = try #require(response.rekey)
        #expect(preview.dryRun && preview.reason == "operator")
        #expect(preview.newTEKs == 1 && preview.wrappedKeys == 1)
        #expect(preview.readers == ["id2:alice", "id2:bob"] && preview.evicted.isEmpty)
        #expect(preview.destination == "multicast 239.192.0.1:848")
        #expect(preview.messageOctets > 300 && preview.messageOctets < 1500)
    }

    @Test("Evicting one of four in a binary tree of 16: no new TEK, the path re-keyed, the evicted one excluded; state unchanged")
    func evictionPreview() async throws {
        let fixture = try await ControlFixture()
        for name in ["alice", "bob", "carol", "dave"] { _ = try await fixture.join(name) }
        let before = try #require(try await fixture.send(.status).status?.groups.first)
        // By the identity as given to `member join --id`, or as status shows it.
        let response = try await fixture.send(.evict(group: "demo-1001", members: ["bob"], dryRun: true))
        let byStoredName = try await fixture.send(.evict(group: "demo-1001", members: ["id2:bob"], dryRun: true))
        let after = try #require(try await fixture.send(.status).status?.groups.first)
        await fixture.stop()
        let preview = try #require(response.rekey)
        #expect(byStoredName.rekey?.evicted == preview.evicted)
        // Two messages: the key update (no TEK, RFC 9838 §3.2.1), then the TEK under the new rekey SA.
        #expect(preview.reason == "eviction" && preview.newTEKs == 1 && !preview.sizeIsEstimate)
        #expect(preview.notes.contains { $0.hasPrefix("2 messages") })
        #expect(preview.evicted == ["id2:bob"])
        #expect(preview.readers == ["id2:alice", "id2:carol", "id2:dave"])
        // Depth 4, members on leaves 16-19 (positions 1...31): bob's ancestors 8, 4, 2, 1 are
        // replaced, each wrapped under its children that still hold a key: node 8 under alice's
        // leaf 16 (1), node 4 under new 8 and node 9 (2), node 2 under new 4 (node 5 is empty: 1),
        // the root under new 2 (node 3 is empty: 1); plus the new rekey SA under the new root,
        // plus the new TEK's KEYMAT in the second message.
        #expect(preview.wrappedKeys == 7)
        #expect(before.ignoringClock == after.ignoringClock, "a dry run changes nothing")
    }

    @Test("Unknown group and member are refused with their codes; nothing changes")
    func refusals() async throws {
        let fixture = try await ControlFixture()
        _ = try await fixture.join("alice")
        let noGroup = try await fixture.send(.rekey(group: "nope", dryRun: true))
        let noMember = try await fixture.send(.evict(group: "demo-1001", members: ["alice", "zed"], dryRun: true))
        let real = try await fixture.send(.rekey(group: "demo-1001", dryRun: false))
        let members = try await fixture.send(.status).status?.groups.first?.members.count
        await fixture.stop()
        #expect(noGroup.error?.code == .unknownGroup)
        #expect(noMember.error?.code == .unknownMember && noMember.error?.message.contains("zed") == true)
        #expect(real.ok)
        #expect(members == 1)
    }

    @Test("Without a key tree an eviction is previewed with a warning and refused for real: the evicted could read it")
    func evictionWithoutKeyTree() async throws {
        let fixture = try await ControlFixture(policy: ControlFixture.demoPolicy(keyTree: false))
        for name in ["alice", "bob", "carol"] { _ = try await fixture.join(name) }
        let response = try await fixture.send(.evict(group: "demo-1001", members: ["carol", "bob"], dryRun: true))
        let real = try await fixture.send(.evict(group: "demo-1001", members: ["carol", "bob"], dryRun: false))
        let members = try await fixture.send(.status).status?.groups.first?.members.count
        await fixture.stop()
        let preview = try #require(response.rekey)
        #expect(preview.evicted == ["id2:bob", "id2:carol"] && preview.readers == ["id2:alice"])
        #expect(preview.notes.contains { $0.contains("no key tree") })
        #expect(real.error?.code == .unsupported && members == 3, "refused, nothing changed")
    }
}
