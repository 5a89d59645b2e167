import EngineCore
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import Testing

/// Many members registering at once to one in-process GCKS over loopback: every one must be
/// admitted, and all must leave holding the same group keys (RFC 9838 §2.3.3: the GCKS hands
/// every member of a group the same data-security SAs and rekey SA).
@Suite("Concurrent registration load over loopback", .serialized)
struct ConcurrentRegistrationTests {
    /// Every outcome registered, and all holdings equal in what the group shares.
    static func expectIdenticalGroupKeys(_ outcomes: [MemberClient.Outcome], count: Int) throws {
        #expect(outcomes.count == count)
        var holdings: [GroupMemberHoldings] = []
        for outcome in outcomes {
            switch outcome {
            case .registered(let held): holdings.append(held)
            case .failed(let error): Issue.record("a member failed: \(error)")
            }
        }
        try #require(holdings.count == count)
        let first = holdings[0]
        let tek = try #require(first.dataSecuritySAs.first)
        #expect(tek.encryption == 20 && tek.keyBits == 256 && tek.keyMaterial.count == 36)
        let rekey = try #require(first.rekeySA)
        #expect(!rekey.spi.isEmpty && rekey.keyMaterial.count > 0)
        for held in holdings.dropFirst() {
            // DataSecuritySA and RekeySA are Equatable with SecretBytes' constant-time ==, so
            // this compares SPIs, transforms, selectors and key bytes at once.
            #expect(held.dataSecuritySAs == first.dataSecuritySAs)
            #expect(held.rekeySA == first.rekeySA)
            #expect(held.group == first.group)
        }
        // Sender-IDs are per member: no two members may share one (RFC 6054 §3).
        let senderIDs = holdings.flatMap(\.senderIDs)
        #expect(senderIDs.count == count && Set(senderIDs).count == count)
    }

    @Test("200 members register at once over UDP and hold identical TEK and rekey SA", .timeLimit(.minutes(3)))
    func twoHundredOverUDP() async throws {
        let server = try await LoadFixtures.server(authorized: 200)
        let outcomes = try await LoadFixtures.registerConcurrently(0..<200, to: server.boundAddresses[0], transport: .udp)
        let statistics = await server.statistics()
        await server.stop()
        try Self.expectIdenticalGroupKeys(outcomes, count: 200)
        #expect(statistics.registrations == 200 && statistics.registrationFailures == 0)
    }

    @Test("50 members register at once over TCP (RFC 8229) and hold identical TEK and rekey SA", .timeLimit(.minutes(2)))
    func fiftyOverTCP() async throws {
        let server = try await LoadFixtures.server(authorized: 50, tcp: true)
        let tcp = try #require(server.boundTCPAddresses.first)
        let outcomes = try await LoadFixtures.registerConcurrently(0..<50, to: tcp, transport: .tcp)
        let statistics = await server.statistics()
        await server.stop()
        try Self.expectIdenticalGroupKeys(outcomes, count: 50)
        #expect(statistics.registrations == 50)
    }

    @Test("A member not on the group's authorization list gets AUTHORIZATION_FAILED; a listed one registers", .timeLimit(.minutes(1)))
    func unlistedMemberRefused() async throws {
        let server = try await LoadFixtures.server(authorized: 3)
        let listed = try await MemberClient.join(LoadFixtures.options(to: server.boundAddresses[0], member: 2),
                                                 logger: LoopbackRegistrationTests.quietLogger)
        // Index 3 is one past the list: right PSK, right group, unknown identity.
        let unlisted = try await MemberClient.join(LoadFixtures.options(to: server.boundAddresses[0], member: 3),
                                                   logger: LoopbackRegistrationTests.quietLogger)
        let statistics = await server.statistics()
        await server.stop()
        guard case .registered = listed else { Issue.record("a listed member was refused: \(listed)"); return }
        guard case .failed(let error) = unlisted else { Issue.record("an unlisted member registered"); return }
        #expect(error == .peerRefused(notify: IKEv2NotifyType.authorizationFailed))
        #expect(statistics.registrations == 1 && statistics.registrationFailures == 1)
    }
}
