import EngineCore
import Foundation
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import LKH
import WireCore

/// Groups, phase-1 SAs and a back-to-back driver for the GROUPKEY-PULL/PUSH tests. Phase-1 SAs are
/// built directly from fixed keys, so no test waits for Main Mode.
enum GroupKeyFixtures {
    static let serverAddress = EndpointAddress.ipv4(127, 0, 0, 1, port: 848)

    /// The rekey-signing key made with the openssl command line (Vectors/README.md).
    static func signingKey() throws -> SigningKey {
        try SigningKey(pem: VectorLoader.text(named: "gdoi-rekey-rsa2048-private.pem", in: .module))
    }

    /// The bundled demo group 1001 (Policies/demo-group-1001.xml) with the openssl-made signing key.
    /// `lkh` adds an 8-member key tree; `authorizedFQDNs` an authorization list; `unicast` makes the
    /// rekey unicast (so the KEK asks for RFC 8263 acks).
    static func demoGroup(random: some RandomSource = DeterministicRandom(seed: 7), lkh: Bool = false,
                          authorizedFQDNs: [String] = [], unicast: Bool = false, activationDelay: UInt32? = nil) throws -> GroupState {
        var definition = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
        if lkh { definition.lkh = LKHParameters(maximumMembers: 8) }
        if unicast { definition.rekey?.transport = .unicast }
        if let activationDelay { definition.timing.activationDelay = activationDelay }
        definition.authorization = authorizedFQDNs.map { .member(MemberIdentity(kind: .fqdn, value: $0)) }
        return try GroupState(definition: definition,
                              secrets: GroupSecrets(preSharedKey: GroupSecrets.demoPreSharedKey, rekeySigningKey: signingKey()),
                              random: random)
    }

    /// The two ends of one ISAKMP SA with fixed keys (AES-256-CBC, SHA-256): the key server's view
    /// and the member's. `member` is the member's FQDN identity; `seed` varies the keys.
    static func phase1Pair(member: String = "gm1.example", seed: UInt8 = 1,
                           memberAddress: EndpointAddress = .ipv4(127, 0, 0, 2, port: 848)) throws -> (server: Phase1SA, member: Phase1SA) {
        let prf = PseudorandomFunction(digest: .sha256)
        let cookieI = (0..<8).map { UInt8($0) &+ seed }, cookieR = (0..<8).map { UInt8(0x80 + $0) &+ seed }
        let skeyid = SecretBytes((0..<32).map { UInt8($0) ^ seed })
        let keys = try IKEv1KeyDerivation.sessionKeys(prf: prf, skeyid: skeyid, sharedSecret: SecretBytes([UInt8](repeating: seed, count: 256)),
                                                      cookieInitiator: cookieI, cookieResponder: cookieR)
        let encryptionKey = try IKEv1KeyDerivation.encryptionKey(prf: prf, skeyidE: keys.skeyidE, length: 32)
        let lastBlock = (0..<16).map { UInt8(0xA0 + $0) ^ seed }
        let memberID = ISAKMPIdentification(idType: ISAKMPIdentification.fqdn, data: Array(member.utf8))
        let serverID = ISAKMPIdentification(idType: ISAKMPIdentification.ipv4Address, data: [127, 0, 0, 1])
        func make(_ role: Phase1SA.Role, local: ISAKMPIdentification, peer: ISAKMPIdentification, credential: Phase1SA.PeerCredential,
                  address: EndpointAddress) -> Phase1SA {
            Phase1SA(initiatorCookie: cookieI, responderCookie: cookieR, role: role, cipher: .aes256, hash: .sha256, prf: prf,
                     keys: keys, encryptionKey: encryptionKey, lastPhase1Block: lastBlock, localIdentity: local, peerIdentity: peer,
                     peerCredential: credential, peerAddress: address, usesNonESPMarker: false, establishedAtMilliseconds: 0,
                     lifetimeSeconds: 86_400)
        }
        return (make(.responder, local: serverID, peer: memberID, credential: .preSharedKey(identity: member), address: memberAddress),
                make(.initiator, local: memberID, peer: serverID, credential: .preSharedKey(identity: "127.0.0.1"), address: serverAddress))
    }

    static func datagrams(_ actions: [Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let datagram, _) = $0 { return datagram } else { return nil } }
    }

    static func logCodes(_ actions: [Action]) -> [String] {
        actions.compactMap { if case .log(let event) = $0 { return event.code } else { return nil } }
    }

    /// The header as the transport reads it to route a datagram (the rest is the engine's to judge).
    static func header(_ datagram: [UInt8]) throws -> ISAKMPHeader {
        var reader = WireReader(bytes: datagram, context: "ISAKMP header")
        return try ISAKMPHeader.read(from: &reader)
    }

    /// Runs a GROUPKEY-PULL between a client and the server until neither has anything to send.
    /// Returns every datagram in order (member's first) and every action of each side.
    @discardableResult
    static func runPull(client: inout GroupKeyPullClient, server: inout GroupKeyPullServer, pair: (server: Phase1SA, member: Phase1SA),
                        now: EngineTime = .zero) throws -> (transcript: [[UInt8]], clientActions: [Action], serverActions: [Action]) {
        var transcript: [[UInt8]] = []
        var clientActions = client.phase1Established(pair.member, now: now)
        var serverActions: [Action] = []
        var toServer = datagrams(clientActions)
        for _ in 0..<8 where !toServer.isEmpty {
            var toClient: [[UInt8]] = []
            for datagram in toServer {
                transcript.append(datagram)
                let answer = server.handle(datagram: datagram, header: try header(datagram), under: pair.server, now: now)
                serverActions += answer
                toClient += datagrams(answer)
            }
            toServer = []
            for datagram in toClient {
                transcript.append(datagram)
                let answer = client.handle(datagram: datagram, header: try header(datagram), under: pair.member, from: serverAddress, now: now)
                clientActions += answer
                toServer += datagrams(answer)
            }
        }
        return (transcript, clientActions, serverActions)
    }

    /// A registered member of `directory`'s group 1001.
    static func registeredMember(directory: GroupDirectory, member: String, seed: UInt8, senderIDs: UInt32? = nil,
                                 localAddress: [UInt8]? = nil) throws -> GroupKeyPullClient {
        var server = GroupKeyPullServer(directory: directory, random: DeterministicRandom(seed: seed &+ 100))
        var client = GroupKeyPullClient(configuration: .init(group: 1001, senderIDsRequested: senderIDs, localAddress: localAddress),
                                        random: DeterministicRandom(seed: seed &+ 50))
        try runPull(client: &client, server: &server, pair: phase1Pair(member: member, seed: seed))
        return client
    }
}
