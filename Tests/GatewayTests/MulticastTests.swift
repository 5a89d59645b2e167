import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import NIOCore
import NIOPosix
import Testing

/// Multicast rekeys over real loopback sockets: the server's sender, members following with
/// `MemberClient.follow`, the keys they end up holding. Each test uses its own group address and
/// port, so tests running in parallel do not hear each other.
@Suite("Multicast rekeys over loopback")
struct MulticastTests {
    /// A fresh administratively scoped group (RFC 2365 239.255/16) and port.
    static func freshGroup() -> (address: String, port: UInt16) {
        ("239.255.\(UInt8.random(in: 1...254)).\(UInt8.random(in: 1...254))", UInt16.random(in: 40_000...60_000))
    }

    /// Whether this host delivers loopback multicast; the reason to print when not.
    static func loopbackMulticastUnavailable() async -> String? {
        let (address, port) = freshGroup()
        do {
            let receiver = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1).bind(host: address, port: Int(port)).get()
            defer { receiver.close(promise: nil) }
            guard let provider = receiver as? any SocketOptionProvider else { return "no socket options" }
            var request = ip_mreq()
            _ = inet_pton(AF_INET, address, &request.imr_multiaddr)
            _ = inet_pton(AF_INET, "127.0.0.1", &request.imr_interface)
            try await provider.unsafeSetSocketOption(level: .ip, name: .ip_add_membership, value: request).get()
            return nil
        } catch {
            return "this host cannot join a multicast group on loopback (\(error)); on Linux: ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo"
        }
    }

    /// Notices collected from followers, by member.
    final class Notices: @unchecked Sendable {
        private let lock = NSLock()
        private var byMember: [String: [RekeyNotice]] = [:]
        private var holdings: [String: GroupMemberHoldings] = [:]
        private var registrations: [String: [GroupMemberHoldings]] = [:]

        func add(_ notice: RekeyNotice, for member: String) { lock.withLock { byMember[member, default: []].append(notice) } }
        func registered(_ held: GroupMemberHoldings, as member: String) {
            lock.withLock {
                holdings[member] = held
                registrations[member, default: []].append(held)
            }
        }
        func registrations(of member: String) -> [GroupMemberHoldings] { lock.withLock { registrations[member] ?? [] } }
        func of(_ member: String) -> [RekeyNotice] { lock.withLock { byMember[member] ?? [] } }
        var registeredCount: Int { lock.withLock { holdings.count } }

        /// Waits until `condition` holds or 10 s pass.
        func wait(_ condition: @escaping (Notices) -> Bool) async -> Bool {
            for _ in 0..<200 {
                if condition(self) { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return condition(self)
        }
    }

    static func startFollowing(_ members: [String], fixture: ControlFixture, notices: Notices, reregister: Bool = false) -> [Task<Void, Never>] {
        members.map { member in
            Task {
                var options = LoopbackRegistrationTests.options(fixture.server)
                options.identity = MemberClient.memberIdentification(member)
                _ = try? await MemberClient.follow(options, reregister: reregister, logger: LoopbackRegistrationTests.quietLogger,
                                                   onRegistered: { notices.registered($0, as: member) },
                                                   onRekey: { notices.add($0, for: member) })
            }
        }
    }

    @Test("The multicast address test follows RFC 5771 and RFC 4291")
    func multicastAddresses() {
        #expect(EndpointAddress.ipv4(224, 0, 0, 1, port: 1).isMulticast && EndpointAddress.ipv4(239, 255, 255, 255, port: 1).isMulticast)
        #expect(!EndpointAddress.ipv4(223, 255, 255, 255, port: 1).isMulticast && !EndpointAddress.ipv4(240, 0, 0, 0, port: 1).isMulticast)
        #expect(EndpointAddress(addressOctets: [0xFF, 0x02] + Array(repeating: 0, count: 13) + [1], port: 1).isMulticast)
        #expect(!EndpointAddress(addressOctets: [0xFE, 0x80] + Array(repeating: 0, count: 14), port: 1).isMulticast)
        #expect(MulticastMembership.destination(fromSelector: "239.192.0.1-239.192.0.1 proto 17 ports 848-848")
                == EndpointAddress.ipv4(239, 192, 0, 1, port: 848))
        #expect(MulticastMembership.destination(fromSelector: "10.0.0.1-10.0.0.1 proto 17 ports 848-848") == nil)
        #expect(MulticastMembership.destination(fromSelector: "garbage") == nil)
    }

    @Test("Operator rekey: every following member accepts it and holds the server's new TEK")
    func operatorRekeyReachesFollowers() async throws {
        if let reason = await Self.loopbackMulticastUnavailable() {
            print("skipped: \(reason)")
            return
        }
        let (address, port) = Self.freshGroup()
        let fixture = try await ControlFixture(policy: ControlFixture.demoPolicy(rekeyDestination: address, rekeyPort: port))
        let notices = Notices()
        let members = ["alice", "bob", "carol"]
        let tasks = Self.startFollowing(members, fixture: fixture, notices: notices)
        #expect(await notices.wait { $0.registeredCount == 3 })
        let rekey = try await fixture.send(.rekey(group: "demo-1001", dryRun: false))
        let arrived = await notices.wait { notices in members.allSatisfy { !notices.of($0).isEmpty } }
        let status = try #require(try await fixture.send(.status).status?.groups.first)
        tasks.forEach { $0.cancel() }
        for task in tasks { await task.value }
        await fixture.stop()
        #expect(rekey.ok, "\(String(describing: rekey.error))")
        #expect(arrived, "every follower heard the rekey")
        let newTEK = try #require(status.dataSecuritySAs.last?.spi)
        for member in members {
            let notice = try #require(notices.of(member).first)
            #expect(notice.accepted && notice.messageID == 0, "\(member): \(notice)")
            #expect(notice.dataSecuritySAs.contains(newTEK), "\(member) holds the server's new TEK")
            #expect(notice.octets == rekey.rekey?.messageOctets, "the preview's size is the size sent")
        }
    }

    @Test("Eviction: the remaining followers move to the new TEK and rekey SA; the evicted one reads neither")
    func evictionReachesOnlyTheRemaining() async throws {
        if let reason = await Self.loopbackMulticastUnavailable() {
            print("skipped: \(reason)")
            return
        }
        let (address, port) = Self.freshGroup()
        let fixture = try await ControlFixture(policy: ControlFixture.demoPolicy(rekeyDestination: address, rekeyPort: port))
        let notices = Notices()
        let members = ["alice", "bob", "carol", "dave"]
        let tasks = Self.startFollowing(members, fixture: fixture, notices: notices)
        #expect(await notices.wait { $0.registeredCount == 4 })
        let evict = try await fixture.send(.evict(group: "demo-1001", members: ["carol"], dryRun: false))
        let arrived = await notices.wait { notices in members.allSatisfy { notices.of($0).count >= 2 } }
        let status = try #require(try await fixture.send(.status).status?.groups.first)
        tasks.forEach { $0.cancel() }
        for task in tasks { await task.value }
        await fixture.stop()
        #expect(evict.ok && evict.rekey?.evicted == ["id2:carol"], "\(String(describing: evict.error))")
        #expect(arrived, "two messages reached every follower")
        let newTEK = try #require(status.dataSecuritySAs.last?.spi)
        let newRekeySA = try #require(status.rekeySA?.spi)
        #expect(!status.members.map(\.identity).contains("id2:carol"))
        for member in ["alice", "bob", "dave"] {
            let received = notices.of(member)
            let accepted = received.prefix(2).allSatisfy { $0.accepted }
            #expect(accepted, "\(member): \(received)")
            #expect(received.last?.rekeySA == newRekeySA && received.last?.dataSecuritySAs.contains(newTEK) == true, "\(member)")
        }
        let evicted = notices.of("carol")
        #expect(evicted.prefix(2).allSatisfy { !$0.accepted }, "carol read an eviction rekey: \(evicted)")
        #expect(evicted.first?.rejection == "GM-REKEY-EXCLUDED")
        #expect(!evicted.contains { $0.dataSecuritySAs.contains(newTEK) || $0.rekeySA == newRekeySA })
    }

    @Test("An excluded follower registers again on its own and then holds the group's current keys")
    func excludedFollowerRegistersAgain() async throws {
        if let reason = await Self.loopbackMulticastUnavailable() {
            print("skipped: \(reason)")
            return
        }
        let (address, port) = Self.freshGroup()
        let fixture = try await ControlFixture(policy: ControlFixture.demoPolicy(rekeyDestination: address, rekeyPort: port))
        let notices = Notices()
        let tasks = Self.startFollowing(["alice", "bob"], fixture: fixture, notices: notices, reregister: true)
        #expect(await notices.wait { $0.registeredCount == 2 })
        let evict = try await fixture.send(.evict(group: "demo-1001", members: ["bob"], dryRun: false))
        let again = await notices.wait { $0.registrations(of: "bob").count >= 2 }
        let status = try #require(try await fixture.send(.status).status?.groups.first)
        tasks.forEach { $0.cancel() }
        for task in tasks { await task.value }
        await fixture.stop()
        #expect(evict.ok)
        #expect(notices.of("bob").first?.reregister == "excluded")
        #expect(again, "bob registered again after finding himself excluded")
        let second = try #require(notices.registrations(of: "bob").last)
        #expect(second.rekeySA.map { controlHex($0.spi) } == status.rekeySA?.spi, "the new registration carries the new rekey SA")
        #expect(status.members.map(\.identity).contains("id2:bob"), "re-admitted: eviction does not ban")
    }

    @Test("Unicast-rekey group: followers take GSA_INBAND_REKEY on their open registration SA and hold the new TEK")
    func inbandRekeyReachesFollowers() async throws {
        let policy = ControlFixture.demoPolicy().replacingOccurrences(of: #"<rekey transport="multicast" destination="239.192.0.1" port="848">"#,
                                                                      with: #"<rekey transport="unicast">"#)
        let fixture = try await ControlFixture(policy: policy)
        let notices = Notices()
        let members = ["alice", "bob"]
        let tasks = Self.startFollowing(members, fixture: fixture, notices: notices)
        #expect(await notices.wait { $0.registeredCount == 2 })
        let rekey = try await fixture.send(.rekey(group: "demo-1001", dryRun: false))
        let arrived = await notices.wait { notices in members.allSatisfy { !notices.of($0).isEmpty } }
        let status = try #require(try await fixture.send(.status).status?.groups.first)
        tasks.forEach { $0.cancel() }
        for task in tasks { await task.value }
        await fixture.stop()
        #expect(rekey.ok && rekey.rekey?.destination == "unicast to 2 member(s)", "\(String(describing: rekey.error))")
        #expect(arrived, "every follower took the in-band rekey")
        let newTEK = try #require(status.dataSecuritySAs.last?.spi)
        for member in members {
            let notice = try #require(notices.of(member).first)
            #expect(notice.accepted && notice.from == "in-band" && notice.dataSecuritySAs.contains(newTEK), "\(member): \(notice)")
        }
    }
}
