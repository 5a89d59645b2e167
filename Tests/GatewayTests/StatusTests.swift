import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import Testing

/// `status` over a real Unix socket against a running server with members registered over
/// loopback: what it reports is what the members hold.
@Suite("Status over the control socket")
struct StatusTests {
    @Test("Members by protocol, the TEK and rekey SA the members hold, lifetimes and counters")
    func statusMatchesWhatMembersHold() async throws {
        let started = Date()
        let fixture = try await ControlFixture()
        var holdings: [GroupMemberHoldings] = []
        for name in ["alice", "bob", "carol"] {
            guard case .registered(let held) = try await fixture.join(name) else {
                Issue.record("\(name) was not admitted")
                await fixture.stop()
                return
            }
            holdings.append(held)
        }
        let refused = try await fixture.join("mallory", psk: SecretBytes(Array("wrong".utf8)))
        let response = try await fixture.send(.status)
        await fixture.stop()
        guard case .failed = refused else { Issue.record("a wrong PSK was admitted"); return }
        let status = try #require(response.status)
        let group = try #require(status.groups.first)
        #expect(status.groups.count == 1 && group.name == "demo-1001")
        #expect(group.protocols == ["gdoi", "gikev2"])
        #expect(Set(group.members.map(\.identity)) == ["id2:alice", "id2:bob", "id2:carol"])
        #expect(group.membersByProtocol == ["gikev2": 3])
        #expect(group.members.allSatisfy { $0.protocol == "gikev2" })

        let tek = try #require(group.dataSecuritySAs.first)
        #expect(tek.spi == controlHex(holdings[0].dataSecuritySAs[0].spi), "status shows the SPI members hold")
        // The TEK was made when the fixture loaded its policy; slow machines take a while.
        let elapsed = Int64(Date().timeIntervalSince(started).rounded(.up))
        #expect(tek.lifetimeSeconds == 3600 && (3600 - elapsed - 1...3600).contains(tek.remainingSeconds))
        let rekey = try #require(group.rekeySA)
        #expect(rekey.spi == controlHex(try #require(holdings[0].rekeySA).spi))
        #expect(rekey.destination == "239.192.0.1:848" && rekey.transport == "multicast" && rekey.nextMessageID == 0)
        #expect(rekey.lifetimeSeconds == 86400 && (86400 - elapsed - 1...86400).contains(rekey.remainingSeconds))
        #expect(tek.current)
        #expect(group.lastRekey == nil)
        let now = Int64(Date().timeIntervalSince1970)
        let nextRekey = try #require(group.nextRekey)
        #expect(nextRekey - now <= 3600 - 90 && nextRekey - now >= 3600 - 90 - elapsed - 1, "lead time 90 s before expiry")
        #expect(group.keyTree == KeyTreeStatus(degree: 2, depth: 4, capacity: 16, members: 3))

        #expect(status.counters.registrations == 3)
        #expect(status.counters.registrationFailures == 1)
        #expect(status.counters.failuresByReason["GCKS-REGISTRATION-REFUSED"] == 1)
        #expect(status.counters.datagramsReceived >= 8)
        #expect(status.listening.first?.hasPrefix("udp 127.0.0.1:") == true)
    }

    @Test("The JSON form keeps its field names (the command-line contract)")
    func jsonFieldNames() async throws {
        let fixture = try await ControlFixture()
        _ = try await fixture.join("alice")
        let response = try await fixture.send(.status)
        await fixture.stop()
        let line = String(decoding: ControlProtocol.encode(response), as: UTF8.self)
        for field in ["\"membersByProtocol\"", "\"dataSecuritySAs\"", "\"remainingSeconds\"", "\"rekeySA\"", "\"nextRekey\"",
                      "\"keyTree\"", "\"registrations\"", "\"failuresByReason\"", "\"rekeysSent\"", "\"retransmissions\"",
                      "\"datagramsDropped\"", "\"protocol\":\"gikev2\""] {
            #expect(line.contains(field), "\(field) missing")
        }
        #expect(!line.contains("keyMaterial"), "no key material on the control socket")
    }
}
