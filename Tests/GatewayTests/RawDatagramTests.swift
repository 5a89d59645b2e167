import EngineCore
import Foundation
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import Testing

/// The GCKS seen from a raw socket: exact retransmissions and hostile bytes.
@Suite("Raw datagrams to the gateway")
struct RawDatagramTests {
    /// Drives a member engine by hand over `peer` until it has a GSA_AUTH request to send;
    /// returns that request as bytes.
    static func gsaAuthRequest(via peer: RawUDPPeer, to server: EndpointAddress) async throws -> [UInt8] {
        var member = try GroupMemberInitiator(configuration: GroupMemberConfiguration(
            server: server, localEndpoint: peer.local, groupID: LoadFixtures.groupID,
            identity: MemberClient.memberIdentification(LoadFixtures.memberName(0)), preSharedKey: LoadFixtures.psk,
            proposals: [LoadFixtures.proposal], senderIDsRequested: 1), random: SystemRandom())
        let initRequest = try #require(Self.sent(member.start(now: EngineTime(date: Date()))))
        try await peer.send(initRequest, to: server)
        let initResponse = try #require(await peer.next(), "no IKE_SA_INIT response")
        let authRequest = try #require(Self.sent(member.handle(datagram: initResponse, from: server, now: EngineTime(date: Date()))),
                                       "the member sent no GSA_AUTH")
        #expect(authRequest.count > 28 && authRequest[18] == IKEv2ExchangeType.gsaAuth)
        return authRequest
    }

    /// Every datagram of one answer: the first within 5 s, then whatever follows within 1.5 s
    /// (fragments are sent back to back, but a loaded machine can space them out).
    static func answer(from peer: RawUDPPeer) async -> [[UInt8]] {
        guard let first = await peer.next() else { return [] }
        var all = [first]
        while let more = await peer.next(within: 1_500) { all.append(more) }
        return all
    }

    static func sent(_ actions: [Action]) -> [UInt8]? {
        for action in actions { if case .send(let datagram, _) = action { return datagram } }
        return nil
    }

    @Test("A GSA_AUTH sent twice is answered twice with the same bytes (RFC 7296 §2.1)", .timeLimit(.minutes(1)))
    func retransmittedRequestGetsIdenticalAnswer() async throws {
        let server = try await LoadFixtures.server(authorized: 1)
        let address = server.boundAddresses[0]
        let peer = try await RawUDPPeer()
        let request = try await Self.gsaAuthRequest(via: peer, to: address)
        try await peer.send(request, to: address)
        let first = await Self.answer(from: peer)
        try await peer.send(request, to: address)
        let second = await Self.answer(from: peer)
        let statistics = await server.statistics()
        await peer.close()
        await server.stop()
        // The member announced IKEV2_FRAGMENTATION_SUPPORTED, so the answer may come as SKF
        // fragments; a retransmitted request gets every fragment again (RFC 7383 §2.6.1).
        let head = try #require(first.first, "no GSA_AUTH response")
        #expect(head[18] == IKEv2ExchangeType.gsaAuth && head[19] & IKEv2Header.responseFlag != 0)
        #expect(second == first, "the retransmission is answered with the cached response, byte for byte")
        #expect(statistics.registrations == 1, "the retransmission registers nobody twice")
        #expect(statistics.retransmissionsAnswered == 1)
    }

    /// Datagrams that must never reach a registration: random, short, IKEv1 and bad IKEv2.
    static func garbage() -> [(String, [UInt8])] {
        var generator = SystemRandomNumberGenerator()
        var out: [(String, [UInt8])] = []
        for length in [1, 7, 27, 64, 300, 1_400] {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 17 { bytes[17] = 0x70 }  // no IKE version, so random never parses as IKE by luck
            out.append(("random \(length)", bytes))
        }
        // An IKEv2 header cut short, with and without the non-ESP marker (RFC 9838 §2.1.1).
        let header: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, 28]
        out.append(("truncated IKEv2 header", Array(header.prefix(20))))
        out.append(("truncated IKEv2 header behind a marker", [0, 0, 0, 0] + Array(header.prefix(12))))
        // A whole IKEv2 header whose length field lies (says 28, carries 60 octets).
        out.append(("IKEv2 header with a wrong length", header + Array(repeating: 0xAB, count: 32)))
        // IKEv1 / ISAKMP (MjVer 1, RFC 2408 §3.1): Main Mode with an SA payload of junk.
        var ikev1: [UInt8] = [9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 40]
        ikev1 += [0, 0, 0, 12] + Array(repeating: 0xEE, count: 8)
        out.append(("IKEv1 junk", ikev1))
        out.append(("IKEv1 header cut short", Array(ikev1.prefix(18))))
        return out
    }

    @Test("Garbage datagrams are dropped and counted, and a member registers afterwards", .timeLimit(.minutes(1)))
    func garbageIsCountedAndHarmless() async throws {
        let server = try await LoadFixtures.server(authorized: 1)
        let address = server.boundAddresses[0]
        let peer = try await RawUDPPeer()
        let garbage = Self.garbage()
        for (_, bytes) in garbage { try await peer.send(bytes, to: address) }
        // Every datagram is counted exactly once by one of the four counters; wait until all are.
        var counted = 0
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        repeat {
            let statistics = await server.statistics()
            counted = statistics.datagramsDropped + (await server.unclassifiedDropped()) + (await server.ikev1Dropped())
                + (await server.gdoiStatistics()).datagramsDropped
            if counted >= garbage.count { break }
            try await Task.sleep(for: .milliseconds(20))
        } while clock.now < deadline
        #expect(counted == garbage.count, "each garbage datagram dropped and counted once")
        #expect(await server.gdoiStatistics().datagramsDropped == 1, "the complete IKEv1 message reaches the GDOI key server")
        #expect(await peer.next(within: 100) == nil, "garbage is never answered")
        let outcome = try await MemberClient.join(LoadFixtures.options(to: address, member: 0),
                                                  logger: LoopbackRegistrationTests.quietLogger)
        let statistics = await server.statistics()
        await peer.close()
        await server.stop()
        guard case .registered = outcome else { Issue.record("no registration after garbage: \(outcome)"); return }
        #expect(statistics.registrations == 1)
    }
}
