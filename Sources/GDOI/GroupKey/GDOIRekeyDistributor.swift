import EngineCore
import GDOIWire
import GroupKeyCrypto
import GroupPolicy
import GroupState
import WireCore

/// Carries the group's rekeys to its GDOI members: every `GroupRekey` the protocol-neutral
/// lifecycle makes (scheduled, operator, eviction), whoever made it, becomes one GROUPKEY-PUSH
/// (RFC 6407 §4) with the same TEKs, the same Delete, the same new KEK and LKH update as the
/// G-IKEv2 message for it, and the SEQ the lifecycle allotted. Multicast groups get it at the
/// rekey policy's destination and port; unicast groups at each GDOI member's registration address,
/// with GROUPKEY-PUSH-ACKs (RFC 8263) counted and members that keep missing them handed back for
/// eviction. Pure: rekeys, acks and time in, actions out.
public struct GDOIRekeyDistributor: Sendable {
    public struct Configuration: Sendable {
        /// A unicast member that misses this many acknowledgements in a row is evicted (RFC 8263 §4
        /// leaves the number to the key server).
        public var missedAckLimit: Int
        /// How long after the last copy of a unicast push its acknowledgements are awaited.
        public var ackWaitMilliseconds: Int64

        public init(missedAckLimit: Int = 3, ackWaitMilliseconds: Int64 = 5_000) {
            self.missedAckLimit = max(1, missedAckLimit)
            self.ackWaitMilliseconds = max(0, ackWaitMilliseconds)
        }
    }

    /// Counters for status.
    public struct Statistics: Sendable, Equatable {
        public var pushesSent = 0
        public var pushRetransmissions = 0
        public var acksReceived = 0
        public var acksRejected = 0
        public var acksMissed = 0
        public var membersEvictedForMissedAcks = 0
        public var pushFailures = 0
        public init() {}
    }

    public let configuration: Configuration
    private var sender = GroupKeyPushSender()
    private var ledgers: [String: GroupKeyPushAckLedger] = [:]
    /// Where each GDOI member of each group registered from (unicast pushes go there).
    private var recipients: [String: [String: EndpointAddress]] = [:]
    /// The same, by address: whose acknowledgement came from a peer (receiveAck), without a walk
    /// over every member of the group per acknowledgement.
    private var membersAt: [String: [EndpointAddress: String]] = [:]
    /// The KEK each unicast push was encrypted under, by KEK SPI and SEQ: its key is the base of
    /// the acknowledgement's ack_key (RFC 8263 §3.2, REKEY_ACK_KEK_SHA256).
    private var ackBases: [AckKey: (group: String, base: SecretBytes)] = [:]
    private var repeats: [PushRepeat] = []
    private var ackWaits: [AckWait] = []
    private var evictions: [String: [String]] = [:]
    public private(set) var statistics = Statistics()

    struct AckKey: Hashable, Sendable {
        let spi: [UInt8]
        let sequence: UInt32
    }

    struct PushRepeat: Sendable {
        let group: String
        let sequence: UInt32
        let datagram: [UInt8]
        /// Nil: multicast to `destination`; else the members still awaited.
        let destination: EndpointAddress?
        var remaining: Int
        let interval: Int64
        var next: EngineTime
    }

    struct AckWait: Sendable {
        let group: String
        let sequence: UInt32
        let key: AckKey
        let due: EngineTime
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Remembers the KEK the GDOI members of each group hold now. Call it for every served group
    /// before the group's key tree first changes (the key server is installed, a group is added):
    /// an eviction replaces the tree's root, and the push announcing it goes under the old one.
    /// Returns the groups whose KEK could not be rendered, with the reason: their GDOI members
    /// would get no push under the old KEK when the tree changes, so the caller logs them.
    @discardableResult
    public mutating func prime(_ groups: [GroupState]) -> [(group: String, reason: String)] {
        var failures: [(group: String, reason: String)] = []
        for group in groups where group.definition.protocols.gdoi && sender.kek(of: group.name) == nil {
            do { try sender.prime(group) } catch { failures.append((group.name, "\(error)")) }
        }
        return failures
    }

    /// The `GroupDirectory.generation` the last priming pass saw; nil before the first.
    public var primedGeneration: Int?

    /// Whether the group's current KEK is known (primed).
    public func isPrimed(_ group: String) -> Bool { sender.kek(of: group) != nil }

    /// A GDOI member registered (GROUPKEY-PULL message 4 sent) from `address`.
    public mutating func noteRegistration(group: String, member: String, address: EndpointAddress) {
        if let previous = recipients[group]?[member], membersAt[group]?[previous] == member { membersAt[group]?[previous] = nil }
        recipients[group, default: [:]][member] = address
        membersAt[group, default: [:]][address] = member
    }

    /// Members whose missed acknowledgements reached the limit, by group; the caller evicts them
    /// through the group state (so both populations rekey) and hands the rekeys back here.
    public mutating func takeEvictions() -> [(group: String, members: [String])] {
        defer { evictions.removeAll() }
        return evictions.keys.sorted().map { ($0, evictions[$0] ?? []) }
    }

    /// Renders and addresses the rekeys one step made on `group` (the state after them).
    public mutating func distribute(_ rekeys: [GroupRekey], group: GroupState, now: EngineTime) -> [Action] {
        // A tree beyond GDOI's 16-bit LKH IDs has no GDOI members (GroupKeyPullServer refuses them).
        guard group.definition.protocols.gdoi, !rekeys.isEmpty, group.keyTree?.shape.fitsGDOILKHIDs ?? true else { return [] }
        var actions: [Action] = []
        for rekey in rekeys {
            for member in rekey.evictedMembers { forget(member, group: group.name) }
            guard let protecting = rekey.protectingRekeySA else {
                actions.append(.log(LogEvent(.warning, "GDOI-PUSH-NO-KEK", "group \(group.name): \(rekey.reason.rawValue) rekey without a KEK")))
                continue
            }
            let content = GDOIPushContent(group: group.name, teks: rekey.newTEKs, deletedTEKSPIs: rekey.retiredTEKSPIs,
                                          newKEK: rekey.newRekeySA, lkhUpdate: rekey.keyTreeUpdate, sequence: rekey.gdoiSequence)
            let encryptingKEK = sender.kek(of: group.name)
            let datagram: [UInt8]
            do { datagram = try sender.push(content, group: group) } catch {
                // Later pushes of the batch go under what this one delivers: GDOI members could not
                // read them, so they are not sent either (they must register again).
                statistics.pushFailures += 1
                actions.append(.log(LogEvent(.error, "GDOI-PUSH-FAILED", "group \(group.name) SEQ \(rekey.gdoiSequence): \(error)")))
                return actions
            }
            let policy = protecting.policy
            let interval = Int64(max(policy.retransmissions.intervalSeconds, 1)) * 1000
            switch policy.transport {
            case .multicast:
                guard let destination = policy.destination else {
                    actions.append(.log(LogEvent(.error, "GDOI-PUSH-NO-DESTINATION", "group \(group.name): multicast rekey without a destination")))
                    continue
                }
                let to = EndpointAddress(addressOctets: destination.octets, port: policy.port)
                actions.append(.send(datagram: datagram, to: to))
                if policy.retransmissions.count > 0 {
                    repeats.append(PushRepeat(group: group.name, sequence: rekey.gdoiSequence, datagram: datagram, destination: to,
                                              remaining: policy.retransmissions.count, interval: interval,
                                              next: now.adding(milliseconds: interval)))
                }
            case .unicast:
                let members = group.members.filter { group.memberProtocol(of: $0) == .gdoi && recipients[group.name]?[$0] != nil }
                for member in members {
                    if let address = recipients[group.name]?[member] { actions.append(.send(datagram: datagram, to: address)) }
                }
                // Acknowledgements are asked for in unicast KEKs (GDOIGroupRendering, RFC 8263 §2).
                if let kek = encryptingKEK, !members.isEmpty {
                    let key = AckKey(spi: kek.spi, sequence: rekey.gdoiSequence)
                    ackBases[key] = (group.name, kek.key)
                    ledgers[group.name, default: GroupKeyPushAckLedger()].sent(sequence: rekey.gdoiSequence, to: members.map { Array($0.utf8) })
                    repeats.append(PushRepeat(group: group.name, sequence: rekey.gdoiSequence, datagram: datagram, destination: nil,
                                              remaining: policy.retransmissions.count, interval: interval,
                                              next: now.adding(milliseconds: interval)))
                    let lastCopy = interval * Int64(policy.retransmissions.count)
                    ackWaits.append(AckWait(group: group.name, sequence: rekey.gdoiSequence, key: key,
                                            due: now.adding(milliseconds: lastCopy + configuration.ackWaitMilliseconds)))
                }
            }
            statistics.pushesSent += 1
            actions.append(.log(LogEvent(.info, "GDOI-PUSH-SENT",
                                         "group \(group.name): \(rekey.reason.rawValue) SEQ \(rekey.gdoiSequence), \(rekey.newTEKs.count) TEK(s), "
                                         + "KEK \(rekey.newRekeySA == nil ? "kept" : "new"), \(rekey.evictedMembers.count) evicted, "
                                         + "\(datagram.count) octets, \(policy.transport.rawValue)")))
        }
        return actions
    }

    /// A GROUPKEY-PUSH-ACK (exchange 35) from `peer`: verified under the push's KEK and credited to
    /// the member registered at that address.
    public mutating func receiveAck(_ datagram: [UInt8], from peer: EndpointAddress) -> [Action] {
        guard let message = try? ISAKMPMessage.parse(datagram),
              case .sequenceNumber(let sequence)? = message.payloads.first(where: { $0.type == ISAKMPPayloadType.sequenceNumber }),
              let pending = ackBases[AckKey(spi: message.header.cookiePair, sequence: sequence.value)] else {
            statistics.acksRejected += 1
            return [.log(LogEvent(.warning, "GDOI-ACK-UNEXPECTED", "GROUPKEY-PUSH-ACK from \(peer) for no push awaiting one"))]
        }
        let member = membersAt[pending.group]?[peer]
        var ledger = ledgers[pending.group, default: GroupKeyPushAckLedger()]
        let result = ledger.receive(datagram, type: .kekSHA256, baseKey: pending.base, from: member.map { Array($0.utf8) })
        ledgers[pending.group] = ledger
        switch result {
        case .success(let ack):
            statistics.acksReceived += 1
            return [.log(LogEvent(.debug, "GDOI-ACK", "group \(pending.group) SEQ \(ack.sequence) acknowledged by \(member ?? "\(peer)")"))]
        case .failure(let error):
            statistics.acksRejected += 1
            return [.log(LogEvent(.warning, "GDOI-ACK-REFUSED", "GROUPKEY-PUSH-ACK from \(peer): \(error)"))]
        }
    }

    /// Sends the repeats that are due and closes the acknowledgement waits that are over.
    public mutating func tick(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        for index in repeats.indices where repeats[index].next <= now {
            let entry = repeats[index]
            if let destination = entry.destination {
                actions.append(.send(datagram: entry.datagram, to: destination))
                statistics.pushRetransmissions += 1
            } else {
                // Unicast: again to the members that have not acknowledged it.
                let awaited = ledgers[entry.group]?.awaiting(sequence: entry.sequence) ?? []
                for member in awaited.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                    guard let address = recipients[entry.group]?[String(decoding: member, as: UTF8.self)] else { continue }
                    actions.append(.send(datagram: entry.datagram, to: address))
                    statistics.pushRetransmissions += 1
                }
            }
            repeats[index].remaining -= 1
            repeats[index].next = now.adding(milliseconds: entry.interval)
        }
        repeats.removeAll { $0.remaining <= 0 }
        for wait in ackWaits where wait.due <= now {
            ackBases[wait.key] = nil
            guard var ledger = ledgers[wait.group] else { continue }
            statistics.acksMissed += ledger.awaiting(sequence: wait.sequence).count
            let overdue = ledger.close(sequence: wait.sequence, removeAfter: configuration.missedAckLimit)
            ledgers[wait.group] = ledger
            let names = overdue.map { String(decoding: $0, as: UTF8.self) }.filter { !(evictions[wait.group] ?? []).contains($0) }
            guard !names.isEmpty else { continue }
            statistics.membersEvictedForMissedAcks += names.count
            evictions[wait.group, default: []] += names
            actions.append(.log(LogEvent(.warning, "GDOI-ACKS-MISSED", "group \(wait.group): \(names.joined(separator: ", ")) missed "
                                         + "\(configuration.missedAckLimit) acknowledgement(s) in a row; evicting")))
        }
        ackWaits.removeAll { $0.due <= now }
        return actions
    }

    /// The next repeat or acknowledgement deadline.
    public var nextDeadline: EngineTime? {
        (repeats.map(\.next) + ackWaits.map(\.due)).min()
    }

    private mutating func forget(_ member: String, group: String) {
        if let address = recipients[group]?[member], membersAt[group]?[address] == member { membersAt[group]?[address] = nil }
        recipients[group]?[member] = nil
        ledgers[group]?.remove(Array(member.utf8))
    }
}
