import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import Testing

/// NAT traversal in phase 1 (RFC 3947): the vendor ID in messages 1 and 2, NAT-D in 3 and 4 (Main
/// Mode) or 2 and 3 (Aggressive Mode), and detection when the addresses a side hashes are not the
/// ones the other side sees.
@Suite("Phase1 NAT traversal")
struct Phase1NATTraversalTests {
    static let suite = Phase1Proposal(cipher: .aes128, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey)

    static func payloads(_ harness: Phase1Fixtures.Harness, _ index: Int) throws -> [ISAKMPPayload] {
        try ISAKMPMessage.parse(harness.delivered[index].bytes).payloads
    }

    static func natD(_ payloads: [ISAKMPPayload]) -> [[UInt8]] {
        payloads.compactMap { if case .natDiscovery(let h) = $0 { return h } else { return nil } }
    }

    @Test("No NAT: vendor IDs and NAT-D exchanged, hashes as RFC 3947 §3.2 says, nothing detected")
    func noNAT() throws {
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [Self.suite]),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]))
        Phase1Fixtures.run(&harness)
        let sa = try #require(harness.left.phase1)
        #expect(try Self.payloads(harness, 0).contains(.vendorID(data: [0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                                                          0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f])))
        #expect(try Self.payloads(harness, 1).contains { if case .vendorID = $0 { return true } else { return false } })
        // Message 3: HASH(CKY-I | CKY-R | IP | Port) of the destination, then of the source.
        let hashes = Self.natD(try Self.payloads(harness, 2))
        let destination = try DigestAlgorithm.sha256.hash([sa.initiatorCookie, sa.responderCookie, [192, 0, 2, 1], [0x03, 0x50]])
        let source = try DigestAlgorithm.sha256.hash([sa.initiatorCookie, sa.responderCookie, [192, 0, 2, 7], [0x03, 0x50]])
        #expect(hashes == [destination, source])
        #expect(Self.natD(try Self.payloads(harness, 3)) == [source, destination])
        #expect(!Phase1Fixtures.logCodes(harness.leftActions + harness.rightActions).contains("GDOI-NAT-DETECTED"))
        #expect(!sa.usesNonESPMarker)
    }

    /// Runs phase 1 through a NAT by hand: the member believes it is 10.0.0.7; the key server sees
    /// 192.0.2.7:848 for its port-848 traffic and 192.0.2.7:62000 for its port-4500 traffic.
    static func throughNAT(mode: Phase1Mode) throws -> (member: GDOIMember, server: GDOIKeyServer, log: [(to: EndpointAddress, bytes: [UInt8])]) {
        var configuration = Phase1Fixtures.memberConfiguration(proposals: [suite])
        configuration.localEndpoint = .ipv4(10, 0, 0, 7, port: 848)
        var member = GDOIMember(configuration: configuration, server: Phase1Fixtures.serverAddress, mode: mode, random: DeterministicRandom(seed: 5))
        var server = GDOIKeyServer(configuration: Phase1Fixtures.serverConfiguration(proposals: [suite]), random: DeterministicRandom(seed: 6))
        var log: [(to: EndpointAddress, bytes: [UInt8])] = []
        var toServer: [(to: EndpointAddress, bytes: [UInt8])] = member.start(now: .zero).compactMap {
            if case .send(let d, let to) = $0 { return (to, d) } else { return nil }
        }
        for _ in 0..<6 where !toServer.isEmpty {
            var toMember: [[UInt8]] = []
            for (to, bytes) in toServer {
                log.append((to, bytes))
                #expect(to.addressOctets == Phase1Fixtures.serverAddress.addressOctets)
                let seenAs = to.port == 4500 ? EndpointAddress.ipv4(192, 0, 2, 7, port: 62_000) : Phase1Fixtures.memberAddress
                toMember += Phase1Fixtures.datagrams(server.handle(datagram: bytes, from: seenAs, now: .zero))
            }
            toServer = []
            for bytes in toMember {
                toServer += member.handle(datagram: bytes, from: Phase1Fixtures.serverAddress, now: .zero).compactMap {
                    if case .send(let d, let to) = $0 { return (to, d) } else { return nil }
                }
            }
        }
        return (member, server, log)
    }

    @Test("A member behind a NAT: both sides detect it, the member floats to port 4500 (RFC 3947 §4)",
          arguments: [Phase1Mode.main, .aggressive])
    func memberBehindNAT(_ mode: Phase1Mode) throws {
        let (member, server, log) = try Self.throughNAT(mode: mode)
        let memberSA = try #require(member.phase1)
        let serverSA = try #require(server.phase1SAs.first)
        #expect(member.log.isEmpty)
        // Main Mode: messages 1 and 3 to 848, message 5 to 4500; Aggressive Mode: 1 to 848, 3 to 4500.
        #expect(log.map(\.to.port) == (mode == .main ? [848, 848, 4500] : [848, 4500]))
        #expect(memberSA.peerAddress == .ipv4(192, 0, 2, 1, port: 4500) && memberSA.usesNonESPMarker)
        #expect(serverSA.peerAddress == .ipv4(192, 0, 2, 7, port: 62_000) && serverSA.usesNonESPMarker)
        #expect(memberSA.keys.skeyidA == serverSA.keys.skeyidA)
    }

    @Test("With the NAT-T port unset the member detects the NAT but stays on port 848")
    func noFloat() throws {
        var configuration = Phase1Fixtures.memberConfiguration(proposals: [Self.suite])
        configuration.localEndpoint = .ipv4(10, 0, 0, 7, port: 848)
        configuration.natTraversalPort = nil
        var harness = Phase1Fixtures.harness(member: configuration, server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]))
        Phase1Fixtures.run(&harness)
        #expect(harness.left.phase1 != nil && harness.right.establishedCount == 1)
        #expect(Phase1Fixtures.logCodes(harness.leftActions).contains("GDOI-NAT-DETECTED"))
        #expect(!Phase1Fixtures.logCodes(harness.leftActions).contains("GDOI-NAT-FLOAT"))
    }

    @Test("Without NAT-T configured no vendor ID and no NAT-D are sent")
    func disabled() throws {
        var member = Phase1Fixtures.memberConfiguration(proposals: [Self.suite])
        member.natTraversal = false
        var harness = Phase1Fixtures.harness(member: member, server: Phase1Fixtures.serverConfiguration(proposals: [Self.suite]))
        Phase1Fixtures.run(&harness)
        #expect(harness.left.phase1 != nil)
        #expect(Self.natD(try Self.payloads(harness, 2)).isEmpty)
        #expect(Self.natD(try Self.payloads(harness, 3)).isEmpty)
    }
}
