import EngineCore
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

@Suite("Rekey: replayed, reordered, truncated and forged GSA_REKEYs are rejected, counted, and change nothing")
struct RekeyRejectionTests {
    /// Two genuine rekeys (Message IDs 0 and 1) of an implicitly authenticated group.
    static func twoRekeys() throws -> (RekeyGroup, [UInt8], [UInt8]) {
        var group = try RekeyGroup(state: try RekeyGroup.state(), count: 2, senders: [])
        let first = group.gcks.rekeyNow(group: group.groupName, now: group.now)
        let second = group.gcks.rekeyNow(group: group.groupName, now: group.now)
        // The first send: a persist record comes before it (the keys are durable before they travel).
        let isSend: (Action) -> Bool = { if case .send = $0 { true } else { false } }
        guard case .send(let a, _)? = first.first(where: isSend), case .send(let b, _)? = second.first(where: isSend) else {
            throw GIKEv2Error.unexpectedMessage("no GSA_REKEY sent")
        }
        return (group, a, b)
    }

    static func expectRejected(_ datagram: [UInt8], as reason: GroupRekeyReceiver.Rejection, by receiver: inout GroupRekeyReceiver,
                               now: EngineTime = .zero) {
        let before = receiver.fingerprint
        let count = receiver.rejected[reason] ?? 0
        _ = receiver.receive(datagram, now: now)
        #expect(receiver.rejected[reason] == count + 1, "expected \(reason)")
        #expect(receiver.fingerprint == before, "a rejected message changed the holdings")
    }

    @Test("A replayed message is rejected; the original was accepted once")
    func replay() throws {
        var (group, first, _) = try Self.twoRekeys()
        _ = group.members[0].receiver.receive(first, now: .zero)
        #expect(group.members[0].receiver.accepted == 1)
        Self.expectRejected(first, as: .replay, by: &group.members[0].receiver)
    }

    @Test("Reordered: after Message ID 1, Message ID 0 is old and rejected")
    func reordered() throws {
        var (group, first, second) = try Self.twoRekeys()
        _ = group.members[0].receiver.receive(second, now: .zero)
        #expect(group.members[0].receiver.accepted == 1)
        #expect(group.members[0].receiver.reregistration == .messageIDGap, "ID 0 was never seen: a rekey was missed")
        Self.expectRejected(first, as: .replay, by: &group.members[0].receiver)
    }

    @Test("Truncated at any length is rejected without a crash", arguments: [1, 4, 16, 100])
    func truncated(cut: Int) throws {
        var (group, first, _) = try Self.twoRekeys()
        Self.expectRejected(Array(first.dropLast(cut)), as: .malformed, by: &group.members[0].receiver)
        _ = group.members[0].receiver.receive(first, now: .zero)
        #expect(group.members[0].receiver.accepted == 1, "the genuine message still goes through")
    }

    @Test("A flipped octet in the ciphertext or ICV fails the integrity check", arguments: [40, 60, -1])
    func badICV(position: Int) throws {
        var (group, first, _) = try Self.twoRekeys()
        var forged = first
        forged[position < 0 ? forged.count + position : position] ^= 0x01
        Self.expectRejected(forged, as: .integrity, by: &group.members[0].receiver)
        _ = group.members[0].receiver.receive(first, now: .zero)
        #expect(group.members[0].receiver.accepted == 1)
    }

    @Test("A rekey under another SPI is rejected before any key is used", arguments: [0, 15])
    func wrongSPI(position: Int) throws {
        var (group, first, _) = try Self.twoRekeys()
        var forged = first
        forged[position] ^= 0x80
        Self.expectRejected(forged, as: .wrongSPI, by: &group.members[1].receiver)
    }

    @Test("A message of another exchange type or flagged as a response is malformed")
    func wrongExchange() throws {
        var (group, first, _) = try Self.twoRekeys()
        var other = first
        other[18] = IKEv2ExchangeType.gsaRegistration
        Self.expectRejected(other, as: .malformed, by: &group.members[0].receiver)
        var response = first
        response[19] |= IKEv2Header.responseFlag
        Self.expectRejected(response, as: .malformed, by: &group.members[0].receiver)
    }

    @Test("An AUTH payload in an implicitly authenticated group's rekey is refused")
    func authWithImplicit() throws {
        let group = try RekeyGroup(state: try RekeyGroup.state(), count: 1, senders: [])
        var receiver = group.members[0].receiver
        let (rekey, state) = try group.directory.withGroup(named: group.groupName) { (s) throws(GroupStateError) in
            (try s.rollOverTEKs(atMilliseconds: 0, random: SystemRandom()), s)
        }
        let key = try SigningKey(pem: VectorLoader.text(named: "rekey-forger-rsa2048-key.pem", in: .module))
        let forged = try RekeyForgery.build(rekey, state: state, signer: (key, .rsaPKCS1v15(.sha256)))
        Self.expectRejected(forged, as: .policy, by: &receiver)
    }
}

/// Builds GSA_REKEYs the way the GCKS does, but signed by whatever key the test chooses: what a
/// member who knows the group's rekey SA keys, but not the GCKS's signing key, could send.
enum RekeyForgery {
    static func build(_ rekey: GroupRekey, state: GroupState, signer: (SigningKey, SignatureScheme)?,
                      corruptSignature: Bool = false, omitAuth: Bool = false,
                      editInner: ([IKEv2Payload]) -> [IKEv2Payload] = { $0 }) throws -> [UInt8] {
        let protecting = try #require(rekey.protectingRekeySA)
        let keys = try GSARekeyMessage.keys(of: protecting)
        let inner = editInner(try GSARekeyMessage.innerPayloads(rekey, group: state, defaultWrap: keys.keyWrap, includeRekeySA: true))
        let header = IKEv2Header(initiatorSPI: GSARekeyMessage.spiHalf(protecting.spi, 0),
                                 responderSPI: GSARekeyMessage.spiHalf(protecting.spi, 8),
                                 exchangeType: IKEv2ExchangeType.gsaRekey, flags: IKEv2Header.initiatorFlag,
                                 messageID: try #require(rekey.gikev2MessageID))
        var payloads = inner
        if let (key, scheme) = signer, !omitAuth {
            var auth = try GSARekeySignature.sign(header: header, innerPayloads: inner, key: key, scheme: scheme)
            if corruptSignature { auth.data[auth.data.count - 3] ^= 0x01 }
            payloads.append(.authentication(auth))
        }
        return try SKProtection.seal(header: header, innerPayloads: payloads, iv: try SystemRandom().bytes(keys.protection.ivLength),
                                     protection: keys.protection)
    }
}
