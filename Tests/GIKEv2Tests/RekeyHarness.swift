import EngineCore
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState

/// A GCKS and several members registered over real IKE_SA_INIT + GSA_AUTH exchanges, then kept
/// current by GSA_REKEY datagrams the GCKS addresses to the multicast destination. Delivery is in
/// memory (the loopback socket belongs to the gateway); the clock is manual.
struct RekeyGroup {
    struct Member {
        var receiver: GroupRekeyReceiver
        /// The identity GroupState recorded at admission.
        var stateName: String
    }

    let directory: GroupDirectory
    var gcks: GCKSResponder
    var members: [Member] = []
    var now = EngineTime.zero
    /// Every GSA_REKEY the GCKS sent, in order.
    var sent: [[UInt8]] = []
    let groupName: String

    /// Group 2002's shape (AES-GCM rekey SA, KW-5649-128, TEK 900 s, rekey SA 7200 s, ATD 5 s,
    /// DTD 30 s) with a 16-member tree, signed with `signature` and the key in `keyFile` when given.
    static func state(signature: SignatureAlgorithm? = nil, keyFile: String? = nil) throws -> GroupState {
        var definition = try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 3)).definition
        definition.lkh = LKHParameters(maximumMembers: 16)
        if let signature {
            definition.rekey?.authentication = .digitalSignature(signature, keyReference: SecretReference(store: .secretsFile, name: "rekey"))
        }
        let key = try keyFile.map { try SigningKey(pem: VectorLoader.text(named: $0, in: .module)) }
        // SystemRandom: DeterministicRandom repeats every 256 octets, so its "fresh" keys would
        // equal old ones and an evicted member could unwrap them.
        return try GroupState(definition: definition, secrets: GroupSecrets(preSharedKey: GroupFixtures.lkhPSK, rekeySigningKey: key),
                              random: SystemRandom())
    }

    /// Registers `count` members; those in `senders` ask for a Sender-ID.
    init(state: GroupState, count: Int, senders: Set<Int> = [0]) throws {
        groupName = state.name
        directory = GroupDirectory(groups: [state])
        gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress,
                                                                  identity: RegistrationSetup.gcksIdentity),
                                 directory: directory, random: SystemRandom())
        for index in 0..<count {
            let member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, identity: "gm\(index).example",
                                                      psk: GroupFixtures.lkhPSK, proposals: [RegistrationSetup.lkhProposal],
                                                      senderIDs: senders.contains(index) ? 1 : nil, seed: UInt8(0x20 + index),
                                                      address: .ipv4(127, 0, 0, 2, port: UInt16(50_000 + index)))
            let harness = RegistrationSetup.run(gcks: gcks, member: member, start: now)
            gcks = harness.right
            guard let holdings = harness.left.holdings else { throw GIKEv2Error.unexpectedMessage("gm\(index) did not register") }
            let name = directory.snapshot[0].members[index]
            members.append(Member(receiver: GroupRekeyReceiver(holdings: holdings, configuration: harness.left.configuration, now: now),
                                  stateName: name))
        }
    }

    var state: GroupState { directory.snapshot[0] }

    /// Hands every multicast GSA_REKEY in `actions` to every member (or to those in `only`).
    mutating func deliver(_ actions: [Action], only: Set<Int>? = nil) {
        // Only what goes to the multicast destination (not, e.g., the Delete that closes an
        // evicted member's registration IKE SA).
        for case .send(let datagram, let to) in actions where (224...239).contains(to.addressOctets.first ?? 0) {
            sent.append(datagram)
            for index in members.indices where only?.contains(index) ?? true {
                _ = members[index].receiver.receive(datagram, now: now)
            }
        }
    }

    /// Moves the clock to `time`, letting the GCKS send what is due and members act on timers.
    mutating func advance(to time: EngineTime) {
        now = time
        deliver(gcks.performDueRekeys(now: now))
        for index in members.indices { _ = members[index].receiver.tick(now: now) }
    }

    /// The next instant anything is due, GCKS or member.
    var nextEvent: EngineTime? {
        let times = [state.nextRekeyEventMilliseconds].compactMap { $0 } + members.compactMap { $0.receiver.nextEventMilliseconds }
        return times.min().map { EngineTime(milliseconds: $0) }
    }

    /// The SPIs any sender may be using at `now`: every TEK the GCKS holds whose activation
    /// delay has passed (RFC 5374 §4.2.1).
    func tekSPIsInUse() -> [[UInt8]] {
        let activation = Int64(state.groupWide.activationDelay ?? 0) * 1000
        return state.dataSecuritySAs.filter { $0.createdAtMilliseconds + activation <= now.milliseconds }.map(\.spi)
    }
}

extension GroupRekeyReceiver {
    /// The parts of the holdings a rejected message must leave unchanged.
    var fingerprint: [String] {
        holdings.dataSecuritySAs.map { "tek \($0.spi) \($0.keyMaterial.unsafeCopyBytes())" }
            + [holdings.rekeySA.map { "rekey \($0.spi) \($0.keyMaterial.unsafeCopyBytes())" } ?? "no rekey SA"]
            + holdings.workingKeyPath.keys.map { "wkp \($0.id)" }
            + ["last \(String(describing: lastMessageID))", "accepted \(accepted)"]
    }
}
