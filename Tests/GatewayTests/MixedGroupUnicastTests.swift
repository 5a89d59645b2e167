import EngineCore
import Foundation
import GDOI
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
import KeyStore
import Testing

/// The mixed group with unicast rekeys (GROUPKEY-PUSH to each GDOI member's address, acknowledged
/// per RFC 8263; GSA_INBAND_REKEY to each G-IKEv2 member), missed acknowledgements ending in an
/// eviction both populations hear, the sequence GROUPKEY-PULL reports, the protocol stored for
/// GDOI members, and the refusals across protocols.
@Suite("MixedGroup: unicast pushes, acknowledgements, refusals", .serialized)
struct MixedGroupUnicastTests {
    static let unicastPolicy = MixedGroupFixture.policy(maxMembers: 16, multicast: nil)
        .replacingOccurrences(of: #"<retransmit count="2" interval="10"/>"#, with: #"<retransmit count="1" interval="1"/>"#)

    @Test("Unicast: a forced rekey reaches GDOI members at their addresses, every one acknowledges, G-IKEv2 members get it in-band")
    func unicastRekeyIsAcknowledged() async throws {
        let fixture = try await MixedGroupFixture(policy: Self.unicastPolicy, stateFile: true)
        let gdoi = ["u-gdoi-a", "u-gdoi-b", "u-gdoi-c"], ike = ["u-ike-a", "u-ike-b"]
        gdoi.forEach(fixture.followGDOI)
        ike.forEach(fixture.followIKE)
        #expect(await fixture.wait { gdoi.allSatisfy { !fixture.gdoi($0).isEmpty } && ike.allSatisfy { fixture.ike($0) != nil } })
        let rekey = try await fixture.send(.rekey(group: MixedGroupFixture.group, dryRun: false))
        #expect(rekey.ok, "\(String(describing: rekey.error))")
        let tek = try #require(fixture.state?.dataSecuritySAs.last)
        #expect(await fixture.wait { MixedGroupTests.allHold(tek, gdoi: gdoi, ike: ike, fixture: fixture) })
        var counters = try #require(try await fixture.send(.status).status?.counters.gdoi)
        for _ in 0..<100 where counters.acksReceived < gdoi.count {
            try await Task.sleep(for: .milliseconds(50))
            counters = try #require(try await fixture.send(.status).status?.counters.gdoi)
        }
        #expect(counters.pushesSent == 1 && counters.acksReceived == gdoi.count && counters.pulls == gdoi.count, "\(counters)")

        // GROUPKEY-PULL message 4 carries the group's last push SEQ (RFC 6407 §3.2).
        let late = try await GDOIMemberClient.join(fixture.gdoiOptions("u-gdoi-late"), logger: LoopbackRegistrationTests.quietLogger)
        let lastSequence = try #require(fixture.state?.lifecycle.lastGDOISequence)
        guard case .registered(_, let holdings) = late else {
            Issue.record("late member not registered: \(late)")
            await fixture.stop()
            return
        }
        #expect(lastSequence >= 1 && holdings.sequence == lastSequence)

        // GDOI admissions are stored with their protocol.
        let status = try #require(try await fixture.send(.status).status?.groups.first)
        let store = try KeyStore(path: fixture.statePath)
        let stored = try (gdoi + ["u-gdoi-late", "u-ike-a"]).map { try store.member("id2:\($0)", group: MixedGroupFixture.group)?.protocol }
        await fixture.stop()
        #expect(status.members.filter { $0.protocol == "gdoi" }.count == gdoi.count + 1)
        #expect(stored == ["gdoi", "gdoi", "gdoi", "gdoi", "gikev2"], "\(stored)")
    }

    @Test("A GDOI member that stops acknowledging is evicted through the group state: GDOI and G-IKEv2 members both rekey")
    func missedAcksEvict() async throws {
        let fixture = try await MixedGroupFixture(policy: Self.unicastPolicy,
                                                  push: GDOIRekeyDistributor.Configuration(missedAckLimit: 1, ackWaitMilliseconds: 200))
        fixture.followGDOI("u-gdoi-live")
        fixture.followIKE("u-ike-live")
        // Registers and closes its socket: it never acknowledges anything.
        let silent = try await GDOIMemberClient.join(fixture.gdoiOptions("u-gdoi-silent"), logger: LoopbackRegistrationTests.quietLogger)
        guard case .registered = silent else {
            Issue.record("silent member not registered: \(silent)")
            await fixture.stop()
            return
        }
        #expect(await fixture.wait { !fixture.gdoi("u-gdoi-live").isEmpty && fixture.ike("u-ike-live") != nil })
        let rekey = try await fixture.send(.rekey(group: MixedGroupFixture.group, dryRun: false))
        #expect(rekey.ok)
        // One retransmission a second later, then 200 ms: the silent member is evicted.
        #expect(await fixture.wait(seconds: 15) { fixture.state?.members.contains("id2:u-gdoi-silent") == false })
        let tek = try #require(fixture.state?.dataSecuritySAs.last)
        #expect(await fixture.wait { MixedGroupTests.allHold(tek, gdoi: ["u-gdoi-live"], ike: ["u-ike-live"], fixture: fixture) },
                "the eviction's new TEK reached both populations")
        let counters = try #require(try await fixture.send(.status).status?.counters.gdoi)
        await fixture.stop()
        #expect(counters.membersEvictedForMissedAcks == 1 && counters.acksMissed >= 1, "\(counters)")
        #expect(counters.pushesSent >= 3, "rekey, eviction, post-eviction TEK: \(counters)")
    }

    /// The demo group (both protocols) and beside it group 1002 serving only `serve`.
    static func policy(withSingleProtocolGroup serve: String) throws -> String {
        let text = ControlFixture.demoPolicy()
        let start = try #require(text.range(of: "  <group name="))
        let end = try #require(text.range(of: "</group>"))
        let second = String(text[start.lowerBound..<end.upperBound])
            .replacingOccurrences(of: #"<group name="demo-1001">"#, with: #"<group name="single-1002">"#)
            .replacingOccurrences(of: #"gdoi-id="1001""#, with: #"gdoi-id="1002""#)
            .replacingOccurrences(of: #"value="000003e9""#, with: #"value="000003ea""#)
            .replacingOccurrences(of: #"source="10.0.0.0/8" destination="10.0.0.0/8""#, with: #"source="172.16.0.0/12" destination="172.16.0.0/12""#)
            .replacingOccurrences(of: #"<protocols serve="gdoi gikev2" migration="dual-stack"/>"#,
                                  with: serve == "gdoi" ? #"<protocols serve="gdoi" migration="legacy"/>"# : #"<protocols serve="gikev2" migration="migrated"/>"#)
        return text.replacingOccurrences(of: "</group>", with: "</group>\n" + second, options: [], range: end)
    }

    @Test("A GDOI member of a G-IKEv2-only group is refused (INVALID-ID-INFORMATION), a G-IKEv2 member of a GDOI-only group too (INVALID_GROUP_ID)",
          arguments: ["gikev2", "gdoi"])
    func refusalsAcrossProtocols(serve: String) async throws {
        let fixture = try await MixedGroupFixture(policy: try Self.policy(withSingleProtocolGroup: serve))
        var gdoiOptions = fixture.gdoiOptions("x-gdoi")
        gdoiOptions.group = 1002
        gdoiOptions.timeoutMilliseconds = 5_000
        let gdoi = try await GDOIMemberClient.join(gdoiOptions, logger: LoopbackRegistrationTests.quietLogger)
        let ike = try await ControlFixtureJoin.join(fixture, "x-ike", group: "1002")
        let single = fixture.directory.snapshot.first { $0.name == "single-1002" }
        let status = try await fixture.send(.status).status
        await fixture.stop()
        if serve == "gikev2" {
            guard case .failed(let reason, let phase1) = gdoi else {
                Issue.record("a GDOI member joined a G-IKEv2-only group")
                return
            }
            #expect(phase1 != nil && reason.contains("INVALID-ID-INFORMATION"), "phase 1 up, then INVALID-ID-INFORMATION: \(reason)")
            if case .registered = ike {} else { Issue.record("the G-IKEv2 member of a G-IKEv2-only group was refused: \(ike)") }
            #expect(single?.members == ["id2:x-ike"])
        } else {
            guard case .failed(let failure) = ike else {
                Issue.record("a G-IKEv2 member joined a GDOI-only group")
                return
            }
            #expect("\(failure)".contains("INVALID_GROUP_ID"), "\(failure)")
            if case .registered = gdoi {} else { Issue.record("the GDOI member of a GDOI-only group was refused: \(gdoi)") }
            #expect(single?.members == ["id2:x-gdoi"])
            #expect(status?.groups.first { $0.name == "single-1002" }?.members.map(\.protocol) == ["gdoi"])
        }
    }
}

/// A one-shot G-IKEv2 registration against a mixed-group fixture.
enum ControlFixtureJoin {
    static func join(_ fixture: MixedGroupFixture, _ name: String, group: String? = nil) async throws -> MemberClient.Outcome {
        var options = LoopbackRegistrationTests.options(fixture.server)
        if let group { options.groupID = MemberClient.groupIdentification(group) }
        options.identity = MemberClient.memberIdentification(name)
        options.timeoutMilliseconds = 5_000
        return try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
    }
}
