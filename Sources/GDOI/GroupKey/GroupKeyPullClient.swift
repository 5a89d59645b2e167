import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// Our GDOI member's side of GROUPKEY-PULL (RFC 6407 §3.2-3.3) and of the GROUPKEY-PUSHes that
/// follow (§4.4, through `GroupKeyPushReceiver`). Sends messages 1 and 3, checks 2 and 4 (HASHes,
/// payload rules, policy, key lengths) and holds the result as `GDOIMemberHoldings`.
public struct GroupKeyPullClient: Phase2Initiator {
    public struct Configuration: Sendable {
        /// The GDOI group number (ID_KEY_ID, RFC 6407 §5.1).
        public var group: UInt32
        /// Sender-IDs to ask for in message 3 (GAP SENDER_ID_REQUEST); nil for a receive-only member.
        public var senderIDsRequested: UInt32?
        /// Our address as the key server sees it: the ID of GROUPKEY-PUSH-ACKs (RFC 8263 §3.4).
        public var localAddress: [UInt8]?
        public var retransmitIntervalMilliseconds: Int64
        public var retransmitLimit: Int

        public init(group: UInt32, senderIDsRequested: UInt32? = nil, localAddress: [UInt8]? = nil,
                    retransmitIntervalMilliseconds: Int64 = 2_000, retransmitLimit: Int = 4) {
            self.group = group
            self.senderIDsRequested = senderIDsRequested
            self.localAddress = localAddress
            self.retransmitIntervalMilliseconds = retransmitIntervalMilliseconds
            self.retransmitLimit = retransmitLimit
        }
    }

    public enum State: Sendable, Equatable {
        case idle
        case awaitingMessage2
        case awaitingMessage4
        case registered
        case failed(GroupKeyError)
    }

    public let configuration: Configuration
    private let random: any RandomSource
    public private(set) var state: State = .idle
    public private(set) var holdings: GDOIMemberHoldings?
    public private(set) var pushes = GroupKeyPushReceiver()
    private var exchange: Exchange?
    /// The address GROUPKEY-PUSH-ACKs name (RFC 8263 §3.4).
    public private(set) var memberAddress: [UInt8]?

    static let retransmitTimer = TimerID("gdoi-pull-retransmit")

    struct Exchange: Sendable {
        let sa: Phase1SA
        var protection: Phase2Protection
        let nonceInitiator: [UInt8]
        var nonceResponder: [UInt8] = []
        var pendingTEKs: [GDOIPolicyAcceptance.TEKPolicy] = []
        var pendingKEK: GDOIPolicyAcceptance.KEKPolicy?
        var groupWide: (activation: UInt16?, deactivation: UInt16?) = (nil, nil)
        var lastSent: [UInt8] = []
        var retransmits = 0
        var deadline = EngineTime.zero
    }

    public init(configuration: Configuration, random: some RandomSource = SystemRandom()) {
        self.configuration = configuration
        self.random = random
        memberAddress = configuration.localAddress
    }

    public var isFinished: Bool {
        switch state {
        case .registered, .failed: return true
        default: return false
        }
    }

    // MARK: message 1

    public mutating func phase1Established(_ sa: Phase1SA, now: EngineTime) -> [Action] {
        do {
            let messageID = try GroupKeyPullServer.nonZeroMessageID(random)
            let nonce = try random.bytes(GroupKeyPullServer.nonceLength)
            var protection = try Phase2Protection(sa: sa, messageID: messageID)
            // HASH(1) = prf(SKEYID_a, M-ID | Ni | ID).
            let body = try Phase2Hash.chain(sa: sa, messageID: messageID, nonces: [],
                                            rest: [.nonce(data: nonce), .identification(.group(configuration.group))])
            let datagram = try protection.seal(header: sa.phase2Header(exchangeType: ISAKMPExchangeType.groupkeyPull, messageID: messageID),
                                               body: body)
            exchange = Exchange(sa: sa, protection: protection, nonceInitiator: nonce)
            // The PUSH-ACK ID is our address (RFC 8263 §3.4): as configured, else our phase-1
            // identity when that is an address.
            if memberAddress == nil, [ISAKMPIdentification.ipv4Address, 5].contains(sa.localIdentity.idType),
               [4, 16].contains(sa.localIdentity.data.count) {
                memberAddress = sa.localIdentity.data
            }
            state = .awaitingMessage2
            return send(datagram, now: now)
        } catch {
            return fail(error)
        }
    }

    private mutating func send(_ datagram: [UInt8], now: EngineTime) -> [Action] {
        guard var current = exchange else { return [] }
        current.lastSent = datagram
        current.retransmits = 0
        current.deadline = now.adding(milliseconds: configuration.retransmitIntervalMilliseconds)
        exchange = current
        return [.send(datagram: datagram, to: current.sa.peerAddress), .scheduleTimer(Self.retransmitTimer, at: current.deadline)]
    }

    public mutating func tick(now: EngineTime) -> [Action] {
        if state == .registered, var held = holdings {
            let actions = held.retire(now: now)
            holdings = held
            return actions
        }
        guard var current = exchange, state == .awaitingMessage2 || state == .awaitingMessage4, now >= current.deadline else { return [] }
        guard current.retransmits < configuration.retransmitLimit else {
            return fail(GroupKeyError.unexpected("no answer from the key server after \(current.retransmits) retransmissions"))
        }
        current.retransmits += 1
        current.deadline = now.adding(milliseconds: configuration.retransmitIntervalMilliseconds << Int64(current.retransmits))
        exchange = current
        return [.send(datagram: current.lastSent, to: current.sa.peerAddress), .scheduleTimer(Self.retransmitTimer, at: current.deadline)]
    }

    public mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA?, from peer: EndpointAddress,
                                now: EngineTime) -> [Action] {
        if header.exchangeType == ISAKMPExchangeType.groupkeyPush { return receivePush(datagram, from: peer, now: now) }
        guard let current = exchange, let sa else {
            return [.log(LogEvent(.warning, "GDOI-GM-DROPPED", "\(peer): exchange \(header.exchangeType) with no phase-1 SA"))]
        }
        do {
            if header.exchangeType == ISAKMPExchangeType.informational { return try receiveNotification(datagram, header: header, sa: sa) }
            guard header.exchangeType == ISAKMPExchangeType.groupkeyPull, header.messageID == current.protection.messageID else {
                throw GroupKeyError.unexpected("exchange \(header.exchangeType) M-ID \(header.messageID)")
            }
            switch state {
            case .awaitingMessage2: return try handleMessage2(datagram, sa: sa, now: now)
            case .awaitingMessage4: return try handleMessage4(datagram, sa: sa)
            default: throw GroupKeyError.unexpected("GROUPKEY-PULL message in state \(state)")
            }
        } catch GroupKeyError.unacceptablePolicy(let why) {
            // Only raised once HASH(2) or HASH(4) has verified: the key server really offers a
            // policy or keys this member cannot take, and asking again gets the same answer
            // (RFC 6407 §3.3). The registration ends here.
            return fail(GroupKeyError.unacceptablePolicy(why))
        } catch {
            // A bad message is dropped: the retransmission timer still runs (RFC 2408 §5: an
            // unauthenticated message must not end the exchange).
            return [.log(LogEvent(.warning, "GDOI-GM-REFUSED", "\(peer): \(error)"))]
        }
    }

    private func open(_ datagram: [UInt8], number: Int, protection: Phase2Protection) throws -> (OpenedMessage, [UInt8]) {
        let message = try GroupKeyPullServer.parse(datagram)
        let (plaintext, nextIV) = try protection.open(message.encryptedBody ?? [])
        return (try OpenedMessage(header: message.header, plaintext: plaintext, number: number), nextIV)
    }

    // MARK: message 2 -> 3

    private mutating func handleMessage2(_ datagram: [UInt8], sa: Phase1SA, now: EngineTime) throws -> [Action] {
        guard var current = exchange else { return [] }
        let (opened, nextIV) = try open(datagram, number: 2, protection: current.protection)
        // HASH(2) = prf(SKEYID_a, M-ID | Ni_b | Nr | SA).
        try Phase2Hash.verify(opened.hash, sa: sa, messageID: current.protection.messageID, nonces: [current.nonceInitiator],
                              afterHash: opened.afterHash, message: 2)
        guard case .nonce(let nonceR) = opened.payloads[1], case .groupSecurityAssociation(let groupSA) = opened.payloads[2] else {
            throw GroupKeyError.malformed("message 2 is not HASH, Nr, SA")
        }
        // Policy acceptability before anything else is sent (RFC 6407 §3.3).
        let teks = try GDOIPolicyAcceptance.tekPolicies(groupSA)
        let kek = try groupSA.kek.map(GDOIPolicyAcceptance.kekPolicy)
        current.protection.commit(nextIV: nextIV)
        current.nonceResponder = nonceR
        current.pendingTEKs = teks
        current.pendingKEK = kek
        current.groupWide = GDOIPolicyAcceptance.groupWide(groupSA.groupPolicy)
        var rest: [ISAKMPPayload] = []
        if let count = configuration.senderIDsRequested {
            // GAP SENDER_ID_REQUEST (RFC 6407 §5.4.3).
            rest.append(.groupAssociatedPolicy(GroupAssociatedPolicy(attributes: [.tv(3, UInt16(clamping: count))])))
        }
        // HASH(3) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| GAP]).
        let body = try Phase2Hash.chain(sa: sa, messageID: current.protection.messageID, nonces: [current.nonceInitiator, nonceR], rest: rest)
        let reply = try current.protection.seal(header: sa.phase2Header(exchangeType: ISAKMPExchangeType.groupkeyPull,
                                                                        messageID: current.protection.messageID), body: body)
        exchange = current
        state = .awaitingMessage4
        return send(reply, now: now)
    }

    // MARK: message 4

    private mutating func handleMessage4(_ datagram: [UInt8], sa: Phase1SA) throws -> [Action] {
        guard var current = exchange else { return [] }
        let (opened, nextIV) = try open(datagram, number: 4, protection: current.protection)
        // HASH(4) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| SEQ] | KD).
        try Phase2Hash.verify(opened.hash, sa: sa, messageID: current.protection.messageID,
                              nonces: [current.nonceInitiator, current.nonceResponder], afterHash: opened.afterHash, message: 4)
        var sequence: UInt32 = 0
        var keys = GDOIKeyDownload(packets: [])
        for payload in opened.payloads {
            if case .sequenceNumber(let seq) = payload { sequence = seq.value }
            if case .keyDownload(let kd) = payload { keys = kd }
        }
        let teks = try GDOIPolicyAcceptance.teks(current.pendingTEKs, keys: keys)
        var lkhKeys: [LKHKey] = []
        var kek: GDOIMemberHoldings.KEK?
        if let policy = current.pendingKEK {
            if let lkh = keys.packets.first(where: { $0.kdType == GDOIKeyDownloadType.lkh }), let array = lkh.secret(1) {
                do { lkhKeys = try LKHDownloadArray.decode(array).keys } catch { throw GroupKeyError.malformed("LKH_DOWNLOAD_ARRAY: \(error)") }
                // Every LKH key is IV | key of the KEK algorithm (RFC 6407 §5.6.3.1).
                let expected = policy.algorithm.parameters.ivLength + policy.algorithm.parameters.keyLength
                guard lkhKeys.allSatisfy({ $0.keyData.count == expected }) else {
                    throw GroupKeyError.unacceptablePolicy("LKH key data is not \(expected) octets (IV | key)")
                }
            }
            let packet = keys.packets.first { $0.kdType == GDOIKeyDownloadType.kek }
            // The last LKH key is the group KEK (RFC 6407 §3.3); a KEK packet must then carry the same key.
            kek = try GDOIPolicyAcceptance.kek(policy, packet: packet, lkhKEK: lkhKeys.last?.keyData)
            if let sent = packet?.secret(1), let held = kek, sent != held.key.keyData {
                throw GroupKeyError.unacceptablePolicy("the KEK key packet and the LKH root differ")
            }
        }
        let sids = GDOIPolicyAcceptance.senderIDs(keys)
        if configuration.senderIDsRequested != nil && teks.contains(where: Self.isCounterMode) && sids.ids.isEmpty {
            // A sender without a SID "MUST NOT install the Data-Security SAs" (RFC 6407 §4.4).
            throw GroupKeyError.unacceptablePolicy("no Sender-ID for a counter-mode TEK")
        }
        current.protection.commit(nextIV: nextIV)
        exchange = current
        let result = GDOIMemberHoldings(group: configuration.group, teks: teks, kek: kek, lkhKeys: lkhKeys, sequence: sequence,
                                        senderIDs: sids.ids, senderIDBits: sids.bits, activationDelay: current.groupWide.activation,
                                        deactivationDelay: current.groupWide.deactivation)
        holdings = result
        state = .registered
        return [.cancelTimer(Self.retransmitTimer)]
            + result.installActions(for: teks, kek: kek, sender: configuration.senderIDsRequested != nil)
            + [.log(LogEvent(.info, "GDOI-GM-REGISTERED", "joined group \(configuration.group): \(teks.count) TEK(s), KEK "
                             + "\(kek == nil ? "none" : "yes"), SEQ \(sequence), Sender-IDs \(sids.ids)"))]
    }

    /// Counter modes need Sender-IDs (RFC 6054 §3): AES-CTR, GCM, CCM, GMAC in IKEv2 numbering.
    static func isCounterMode(_ tek: GDOIMemberHoldings.TEK) -> Bool {
        guard let encryption = tek.encryption else { return false }
        return [13, 14, 15, 16, 18, 19, 20, 21, 28].contains(encryption)
    }

    /// An Informational notify under the phase-1 SA, e.g. the key server refusing the group
    /// (RFC 2409 §5.7): checked by its HASH(1), then the exchange fails with its type.
    private mutating func receiveNotification(_ datagram: [UInt8], header: ISAKMPHeader, sa: Phase1SA) throws -> [Action] {
        let protection = try Phase2Protection(sa: sa, messageID: header.messageID)
        let (opened, _) = try open(datagram, number: 1, protection: protection)
        try Phase2Hash.verify(opened.hash, sa: sa, messageID: header.messageID, nonces: [], afterHash: opened.afterHash, message: 1)
        guard case .notification(let notify)? = opened.payloads.first(where: { $0.type == ISAKMPPayloadType.notification }) else {
            return []
        }
        guard state == .awaitingMessage2 || state == .awaitingMessage4, notify.messageType < 16384 else { return [] }
        return fail(GroupKeyError.refused(notify: notify.messageType))
    }

    // MARK: GROUPKEY-PUSH

    private mutating func receivePush(_ datagram: [UInt8], from peer: EndpointAddress, now: EngineTime) -> [Action] {
        guard let current = holdings else {
            return [.log(LogEvent(.warning, "GDOI-PUSH-REFUSED", "\(peer): a push before registration"))]
        }
        do {
            let outcome = try pushes.receive(datagram, holdings: current, memberAddress: memberAddress, now: now)
            holdings = outcome.holdings
            return outcome.actions + (outcome.acknowledgement.map { [.send(datagram: $0, to: peer)] } ?? [])
        } catch {
            return [.log(LogEvent(.warning, "GDOI-PUSH-REFUSED", "\(peer): \(error)"))]
        }
    }

    private mutating func fail(_ error: Error) -> [Action] {
        let reason = (error as? GroupKeyError) ?? .unexpected("\(error)")
        state = .failed(reason)
        return [.cancelTimer(Self.retransmitTimer), .log(LogEvent(.error, "GDOI-GM-FAILED", "\(reason)"))]
    }
}
