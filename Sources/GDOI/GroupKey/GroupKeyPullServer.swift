import EngineCore
import GDOIWire
import GroupKeyCrypto
import GroupState
import WireCore

/// The key server's side of GROUPKEY-PULL (RFC 6407 §3.2-3.4), one instance per key server serving
/// every member's exchanges. Pure: datagrams in, actions out. It changes the shared group state
/// (admission: LKH leaf, Sender-IDs) only on message 3, whose HASH covers Nr (RFC 6407 §3.2).
public struct GroupKeyPullServer: Phase2Responder {
    public let directory: GroupDirectory
    private let random: any RandomSource
    private var exchanges: [ExchangeKey: PullExchange] = [:]
    /// How long a half-done exchange is kept (for retransmissions of messages 1 and 3).
    public static let exchangeLifetimeMilliseconds: Int64 = 60_000
    /// Half-done exchanges kept at once: each costs a message-1 HASH check under an authenticated
    /// phase-1 SA, but a bound keeps a misbehaving member from growing the table without end.
    public static let maximumPendingExchanges = 10_000
    /// Length of Nr: within GDOI's 8..128 octets (RFC 6407 §5.8).
    public static let nonceLength = 32

    public init(directory: GroupDirectory, random: some RandomSource = SystemRandom()) {
        self.directory = directory
        self.random = random
    }

    struct ExchangeKey: Hashable, Sendable {
        let initiatorCookie: UInt64
        let responderCookie: UInt64
        let messageID: UInt32
    }

    struct PullExchange: Sendable {
        var protection: Phase2Protection
        let nonceInitiator: [UInt8]
        let nonceResponder: [UInt8]
        let groupName: String
        let message1: [UInt8]
        let message2: [UInt8]
        var message3: [UInt8]?
        var message4: [UInt8]?
        let expires: EngineTime
        /// Who message 4 admitted (set with it).
        var admitted: String?
    }

    /// Exchanges in progress (for status and tests).
    public var pendingExchanges: Int { exchanges.count }

    public mutating func handle(datagram: [UInt8], header: ISAKMPHeader, under sa: Phase1SA, now: EngineTime) -> [Action] {
        guard header.exchangeType == ISAKMPExchangeType.groupkeyPull, header.isEncrypted else {
            return [Self.log(.warning, "GDOI-PULL-DROPPED", "\(sa.peerAddress): exchange \(header.exchangeType) is not an encrypted GROUPKEY-PULL")]
        }
        let key = ExchangeKey(initiatorCookie: header.initiatorCookie, responderCookie: header.responderCookie, messageID: header.messageID)
        if var exchange = exchanges[key] {
            // A retransmitted request gets the answer already sent, byte for byte.
            if datagram == exchange.message1 { return [.send(datagram: exchange.message2, to: sa.peerAddress)] }
            if let message4 = exchange.message4 {
                if datagram == exchange.message3 { return [.send(datagram: message4, to: sa.peerAddress)] }
                return [Self.log(.warning, "GDOI-PULL-DROPPED", "\(sa.peerAddress): message after the exchange completed")]
            }
            do {
                let actions = try handleMessage3(datagram, header: header, exchange: &exchange, sa: sa)
                exchanges[key] = exchange
                return actions
            } catch {
                return [Self.log(.warning, "GDOI-PULL-REFUSED", "\(sa.peerAddress) message 3: \(error)")]
            }
        }
        if exchanges.count >= Self.maximumPendingExchanges {
            exchanges = exchanges.filter { $0.value.expires > now }
            guard exchanges.count < Self.maximumPendingExchanges else {
                return [Self.log(.warning, "GDOI-PULL-BUSY", "\(sa.peerAddress): \(exchanges.count) exchanges pending; message 1 dropped")]
            }
        }
        do {
            return try handleMessage1(datagram, header: header, key: key, sa: sa, now: now)
        } catch {
            return [Self.log(.warning, "GDOI-PULL-REFUSED", "\(sa.peerAddress) message 1: \(error)")]
        }
    }

    public mutating func tick(now: EngineTime) -> [Action] {
        exchanges = exchanges.filter { $0.value.expires > now }
        return []
    }

    // MARK: message 1 -> message 2

    private mutating func handleMessage1(_ datagram: [UInt8], header: ISAKMPHeader, key: ExchangeKey, sa: Phase1SA,
                                         now: EngineTime) throws -> [Action] {
        let message = try Self.parse(datagram)
        var protection = try Phase2Protection(sa: sa, messageID: header.messageID)
        let (plaintext, nextIV) = try protection.open(message.encryptedBody ?? [])
        let opened = try OpenedMessage(header: message.header, plaintext: plaintext, number: 1)
        // HASH(1) = prf(SKEYID_a, M-ID | Ni | ID): Ni and ID are the whole payloads after HASH.
        try Phase2Hash.verify(opened.hash, sa: sa, messageID: header.messageID, nonces: [], afterHash: opened.afterHash, message: 1)
        protection.commit(nextIV: nextIV)
        guard case .nonce(let nonceI) = opened.payloads[1], case .identification(let groupID) = opened.payloads[2] else {
            throw GroupKeyError.malformed("message 1 is not HASH, Ni, ID")
        }
        // A group that does not serve GDOI is unknown to GDOI members (its policy's protocols).
        guard let groupName = Self.groupName(of: groupID, in: directory),
              let group = directory.snapshot.first(where: { $0.name == groupName }), group.definition.protocols.gdoi else {
            return try refuse(Phase2Notification.invalidIDInformation, sa: sa, code: "GDOI-PULL-UNKNOWN-GROUP",
                              why: "ID type \(groupID.idType) with \(groupID.data.count) octets names no group")
        }
        // GDOI names LKH nodes with 16-bit IDs (RFC 6407 §5.6.3.1): a larger tree cannot be
        // given to a GDOI member. Refused before anything is admitted.
        if let tree = group.keyTree, !tree.shape.fitsGDOILKHIDs {
            return try refuse(Phase2Notification.invalidIDInformation, sa: sa, code: "GDOI-PULL-TREE-TOO-LARGE",
                              why: "group \(groupName)'s key tree (\(tree.shape.nodeCount) nodes) is beyond GDOI's 16-bit LKH IDs; "
                                  + "serve it to G-IKEv2 members only, or lower its <lkh max-members>")
        }
        var subject: String?
        if case .certificate(let name) = sa.peerCredential { subject = name }
        guard group.authorizes(idType: sa.peerIdentity.idType, data: sa.peerIdentity.data, memberLists: directory.memberLists,
                               certificateSubject: subject) else {
            return try refuse(Phase2Notification.authenticationFailed, sa: sa, code: "GDOI-PULL-UNAUTHORIZED",
                              why: "\(sa.memberName) is not on the authorization list of \(groupName)")
        }
        let nonceR = try random.bytes(Self.nonceLength)
        let groupSA = try GDOIGroupRendering.securityAssociation(group: group, teks: group.dataSecuritySAs, rekey: group.rekeySA,
                                                                 inPush: false, nowMilliseconds: now.milliseconds)
        // HASH(2) = prf(SKEYID_a, M-ID | Ni_b | Nr | SA).
        let body = try Phase2Hash.chain(sa: sa, messageID: header.messageID, nonces: [nonceI],
                                        rest: [.nonce(data: nonceR), .groupSecurityAssociation(groupSA)])
        let reply = try protection.seal(header: sa.phase2Header(exchangeType: ISAKMPExchangeType.groupkeyPull, messageID: header.messageID),
                                        body: body)
        exchanges[key] = PullExchange(protection: protection, nonceInitiator: nonceI, nonceResponder: nonceR, groupName: groupName,
                                      message1: datagram, message2: reply,
                                      expires: now.adding(milliseconds: Self.exchangeLifetimeMilliseconds))
        return [.send(datagram: reply, to: sa.peerAddress)]
    }

    /// The group an ID payload names: ID_KEY_ID with the 4-octet GDOI group number (RFC 6407 §5.1),
    /// or any identification the group's IDg matches.
    static func groupName(of id: ISAKMPIdentification, in directory: GroupDirectory) -> String? {
        if let name = directory.groupName(idType: id.idType, data: id.data) { return name }
        guard id.idType == ISAKMPIdentification.keyID, id.data.count == 4 else { return nil }
        let number = id.data.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return directory.snapshot.first { $0.definition.identity.gdoiID == number }?.name
    }

    private mutating func refuse(_ notify: UInt16, sa: Phase1SA, code: String, why: String) throws -> [Action] {
        let messageID = try Self.nonZeroMessageID(random)
        let datagram = try Phase2Notification.datagram(type: notify, sa: sa, messageID: messageID)
        return [Self.log(.warning, code, "\(sa.peerAddress): \(why)"), .send(datagram: datagram, to: sa.peerAddress)]
    }

    static func nonZeroMessageID(_ random: any RandomSource) throws -> UInt32 {
        for _ in 0..<8 {
            let value = try random.integer(UInt32.self)
            if value != 0 { return value }
        }
        throw GroupKeyError.cannotBuild("the random source gives only zero message IDs")
    }

    // MARK: message 3 -> message 4

    private mutating func handleMessage3(_ datagram: [UInt8], header: ISAKMPHeader, exchange: inout PullExchange,
                                         sa: Phase1SA) throws -> [Action] {
        let message = try Self.parse(datagram)
        let (plaintext, nextIV) = try exchange.protection.open(message.encryptedBody ?? [])
        let opened = try OpenedMessage(header: message.header, plaintext: plaintext, number: 3)
        // HASH(3) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| GAP]).
        try Phase2Hash.verify(opened.hash, sa: sa, messageID: header.messageID,
                              nonces: [exchange.nonceInitiator, exchange.nonceResponder], afterHash: opened.afterHash, message: 3)
        exchange.protection.commit(nextIV: nextIV)
        var senderIDCount: UInt32?
        for case .groupAssociatedPolicy(let gap) in opened.payloads {
            // SENDER_ID_REQUEST (3): how many Sender-IDs the member wants (RFC 6407 §5.4.3).
            if let request = gap.attributes.first(where: { $0.type == 3 })?.integerValue { senderIDCount = UInt32(clamping: request) }
        }
        let groupName = exchange.groupName
        let member = sa.memberName
        let random = self.random
        let admission: GroupState.Admission
        do {
            // In place, recording the protocol: the group's rekeys reach this member as GROUPKEY-PUSH.
            admission = try directory.admit(member: member, senderIDCount: senderIDCount, random: random, toGroup: groupName,
                                            memberProtocol: .gdoi)
        } catch {
            throw GroupKeyError.cannotBuild("admission to \(groupName): \(error)")
        }
        guard let group = directory.snapshot.first(where: { $0.name == groupName }) else {
            throw GroupKeyError.cannotBuild("group \(groupName) vanished")
        }
        var packets = group.dataSecuritySAs.map(GDOIGroupRendering.tekKeyPacket)
        var rest: [ISAKMPPayload] = []
        if let rekey = group.rekeySA {
            let kek = try GDOIKEKKey.current(rekey: rekey, root: group.keyTree?.root)
            packets.append(GDOIGroupRendering.kekKeyPacket(kek, publicKey: rekey.signingPublicKey))
            if !admission.keyPath.isEmpty {
                packets.append(try GDOIGroupRendering.lkhDownloadPacket(path: admission.keyPath, kekSPI: rekey.spi, algorithm: kek.algorithm))
            }
            // SEQ only when there is a KEK (RFC 6407 §3.2): the most recently used push sequence
            // number, the group's own counter (every rekey, whichever protocol carries it, takes one).
            rest.append(.sequenceNumber(GDOISequenceNumber(group.lifecycle.lastGDOISequence)))
        }
        if let bits = group.senderIDs?.bits, !admission.senderIDs.isEmpty {
            packets.append(GDOIGroupRendering.sidKeyPacket(bits: bits, senderIDs: admission.senderIDs))
        }
        rest.append(.keyDownload(GDOIKeyDownload(packets: packets)))
        // HASH(4) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| SEQ] | KD).
        let body = try Phase2Hash.chain(sa: sa, messageID: header.messageID, nonces: [exchange.nonceInitiator, exchange.nonceResponder],
                                        rest: rest)
        let reply = try exchange.protection.seal(header: sa.phase2Header(exchangeType: ISAKMPExchangeType.groupkeyPull,
                                                                         messageID: header.messageID), body: body)
        exchange.message3 = datagram
        exchange.message4 = reply
        exchange.admitted = member
        var actions: [Action] = [.persist(.memberRegistered(group: groupName, member: member, senderIDs: admission.senderIDs,
                                                            leafKeyID: admission.keyPath.first?.serial))]
        if !admission.senderIDs.isEmpty, let next = group.senderIDs?.next {
            actions.append(.persist(.senderIDCounter(group: groupName, next: next)))
        }
        actions.append(.send(datagram: reply, to: sa.peerAddress))
        actions.append(Self.log(.info, "GDOI-PULL-REGISTERED",
                                "\(sa.peerAddress) \(member) joined \(groupName): \(group.dataSecuritySAs.count) TEK(s), KEK "
                                + "\(group.rekeySA == nil ? "none" : "yes"), Sender-IDs \(admission.senderIDs)"))
        return actions
    }

    static func parse(_ datagram: [UInt8]) throws -> ISAKMPMessage {
        do { return try ISAKMPMessage.parse(datagram) } catch { throw GroupKeyError.malformed("\(error)") }
    }

    static func log(_ level: LogEvent.Level, _ code: String, _ message: String) -> Action {
        .log(LogEvent(level, code, message))
    }

    /// An admission the state file could not take: message 4 was dropped, but it is also kept to
    /// answer a retransmitted message 3, which would hand out keys the file does not hold. The
    /// exchange goes; the member's retransmissions are then refused and it starts a new PULL.
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] {
        guard case .memberRegistered(let group, let member, _, _, _) = record else { return [] }
        let dropped = exchanges.filter { $0.value.admitted == member && $0.value.groupName == group }.keys
        for key in dropped { exchanges[key] = nil }
        return [Self.log(.error, "GDOI-ADMISSION-NOT-STORED",
                         "\(member) in \(group): the admission could not be stored; its GROUPKEY-PULL exchange is dropped (\(dropped.count))")]
    }
}
