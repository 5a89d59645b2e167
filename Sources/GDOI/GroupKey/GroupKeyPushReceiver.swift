import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// The member's side of GROUPKEY-PUSH (RFC 6407 §4.4): decrypt under the KEK, check SEQ, verify the
/// signature, then apply deletions, new TEKs, a new KEK and LKH updates, all to a copy that replaces
/// the holdings only when everything checked. A refused push changes nothing but the counters.
public struct GroupKeyPushReceiver: Sendable {
    /// Refused pushes by error code (forged, replayed, malformed...), for status and tests.
    public private(set) var rejected: [String: Int] = [:]
    public private(set) var accepted = 0

    public init() {}

    /// What an accepted push changed.
    public struct Outcome: Sendable {
        public let holdings: GDOIMemberHoldings
        public let sequence: UInt32
        public let actions: [Action]
        /// The GROUPKEY-PUSH-ACK to send back to the push's source, if the KEK asks for acks.
        public let acknowledgement: [UInt8]?
    }

    /// Processes a push; on success returns the new holdings, on failure counts and throws.
    public mutating func receive(_ datagram: [UInt8], holdings: GDOIMemberHoldings, memberAddress: [UInt8]?,
                                 now: EngineTime = .zero) throws -> Outcome {
        do {
            let outcome = try Self.apply(datagram, holdings: holdings, memberAddress: memberAddress, now: now)
            accepted += 1
            return outcome
        } catch let error as GroupKeyError {
            rejected[error.code, default: 0] += 1
            throw error
        } catch {
            rejected[GroupKeyError.malformed("").code, default: 0] += 1
            throw GroupKeyError.malformed("\(error)")
        }
    }

    static func apply(_ datagram: [UInt8], holdings: GDOIMemberHoldings, memberAddress: [UInt8]?, now: EngineTime) throws -> Outcome {
        guard let kek = holdings.kek else { throw GroupKeyError.unexpected("a push before any KEK") }
        let message: ISAKMPMessage
        do { message = try ISAKMPMessage.parse(datagram) } catch { throw GroupKeyError.malformed("\(error)") }
        let header = message.header
        guard header.exchangeType == ISAKMPExchangeType.groupkeyPush, header.cookiePair == kek.key.spi,
              let body = message.encryptedBody else {
            throw GroupKeyError.unexpected("not a GROUPKEY-PUSH under the KEK held")
        }
        // 1. Decrypt under the KEK with its explicit IV (WIRE-REFERENCE §18 item 21).
        let blockSize = kek.key.algorithm.parameters.blockSize
        guard !body.isEmpty, body.count % blockSize == 0 else { throw GroupKeyError.decryption("body is not whole blocks") }
        let plaintext: [UInt8]
        do { plaintext = try CBCCipher(kek.key.algorithm, key: kek.key.key).decrypt(body, iv: kek.key.iv, aad: [UInt8]()) } catch {
            throw GroupKeyError.decryption("\(error)")
        }
        let parsed: (payloads: [ISAKMPPayload], offsets: [Int])
        do {
            parsed = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: header)
            try GDOIExchangeRules.check(header: header, payloads: parsed.payloads, offsets: parsed.offsets, message: 1)
        } catch {
            throw GroupKeyError.malformed("GROUPKEY-PUSH: \(error)")
        }
        // 2. SEQ before the signature (RFC 6407 §4.4, §7.3.5): stale or equal is a replay.
        guard case .sequenceNumber(let sequence) = parsed.payloads[0] else { throw GroupKeyError.malformed("no SEQ first") }
        guard sequence.value > holdings.sequence else {
            throw GroupKeyError.staleSequence(received: sequence.value, last: holdings.sequence)
        }
        // 3. SIG over "rekey" | HDR | payloads before SIG (RFC 6407 §4).
        guard case .signature(let signature)? = parsed.payloads.last, let publicKey = kek.signingPublicKey else {
            throw GroupKeyError.badSignature
        }
        let signatureStart = parsed.offsets[parsed.offsets.count - 1] - WireLimits.headerLength
        let signed = GroupKeyPushBuilder.signaturePrefix + Array(datagram[0..<WireLimits.headerLength]) + Array(plaintext[0..<signatureStart])
        do {
            let verifier = try VerifyingKey(subjectPublicKeyInfo: publicKey)
            try verifier.verify(signature, for: signed, scheme: try GDOIPolicyAcceptance.signatureScheme(hash: kek.signatureHash))
        } catch {
            throw GroupKeyError.badSignature
        }
        return try install(parsed.payloads, sequence: sequence.value, holdings: holdings, pushKEK: kek, memberAddress: memberAddress,
                           now: now)
    }

    /// Applies a verified push to a copy of the holdings.
    static func install(_ payloads: [ISAKMPPayload], sequence: UInt32, holdings: GDOIMemberHoldings, pushKEK: GDOIMemberHoldings.KEK,
                        memberAddress: [UInt8]?, now: EngineTime) throws -> Outcome {
        var next = holdings
        var actions: [Action] = []
        var deleted: [[UInt8]] = []
        for case .delete(let delete) in payloads {
            if delete.protocolID == 0 { continue }  // the KEK: replaced below or by its lifetime
            for spi in delete.spis {
                let all = spi.allSatisfy { $0 == 0 }  // SPI 0: every SA of the protocol (RFC 6407 §5.9)
                deleted += next.teks.filter { all || $0.spi == spi }.map(\.spi)
            }
        }
        var newTEKs: [GDOIMemberHoldings.TEK] = []
        var newKEK: GDOIMemberHoldings.KEK?
        for case .groupSecurityAssociation(let sa) in payloads {
            let keys = payloads.compactMap { payload -> GDOIKeyDownload? in
                if case .keyDownload(let kd) = payload { return kd } else { return nil }
            }.first ?? GDOIKeyDownload(packets: [])
            newTEKs = try GDOIPolicyAcceptance.teks(try GDOIPolicyAcceptance.tekPolicies(sa), keys: keys)
            if let sak = sa.kek {
                let policy = try GDOIPolicyAcceptance.kekPolicy(sak)
                let lkh = keys.packets.first { $0.kdType == GDOIKeyDownloadType.lkh }
                var lkhKEK: SecretBytes?
                if let lkh {
                    let (updated, root) = try LKHUpdate.follow(lkh, held: next.lkhKeys, algorithm: policy.algorithm)
                    next.lkhKeys = updated
                    lkhKEK = root
                }
                var kek = try GDOIPolicyAcceptance.kek(policy, packet: keys.packets.first { $0.kdType == GDOIKeyDownloadType.kek },
                                                       lkhKEK: lkhKEK)
                // With no new SIG_ALGORITHM_KEY the key server's signing key stays the same.
                if kek.signingPublicKey == nil { kek.signingPublicKey = pushKEK.signingPublicKey }
                newKEK = kek
            }
            let groupWide = GDOIPolicyAcceptance.groupWide(sa.groupPolicy)
            next.activationDelay = groupWide.activation ?? next.activationDelay
            next.deactivationDelay = groupWide.deactivation ?? next.deactivationDelay
        }
        for tek in newTEKs {
            next.teks.removeAll { $0.spi == tek.spi }
            next.teks.append(tek)
        }
        if let newKEK { next.kek = newKEK }
        // Deleted TEKs stay for inbound traffic until the deactivation delay has passed (RFC 5374
        // §4.2.1); without one they go now. New TEKs named in the same push are not deleted.
        let delay = Int64(next.deactivationDelay ?? 0) * 1000
        for spi in deleted where !newTEKs.contains(where: { $0.spi == spi }) {
            if delay > 0 {
                next.retiring[spi] = now.milliseconds + delay
            } else {
                next.teks.removeAll { $0.spi == spi }
                actions.append(.removeSA(SAReference(group: next.groupName, kind: .esp, spi: spi)))
            }
        }
        // A sender installs new TEKs inbound at once and sends on them after the activation delay.
        let sender = !next.senderIDs.isEmpty
        let activation = Int64(next.activationDelay ?? 0) * 1000
        if sender && activation > 0 {
            for tek in newTEKs { next.activating[tek.spi] = now.milliseconds + activation }
            actions += next.installActions(for: newTEKs, kek: newKEK, sender: false)
        } else {
            actions += next.installActions(for: newTEKs, kek: newKEK, sender: sender)
        }
        actions += next.scheduleNextChange()
        next.sequence = sequence
        var acknowledgement: [UInt8]?
        if let requested = pushKEK.ackRequested, let type = GroupKeyPushAck.AckType(rawValue: requested), let memberAddress {
            let base: SecretBytes
            switch type {
            case .kekSHA256, .kekSHA512: base = pushKEK.key.key
            case .lkhSHA256, .lkhSHA512:
                // The first LKH key of the download array, without IV (RFC 8263 §2).
                guard let leaf = holdings.lkhKeys.first else { throw GroupKeyError.unacceptablePolicy("LKH ack without LKH keys") }
                base = leaf.keyData.slice(pushKEK.key.iv.count..<leaf.keyData.count)
            }
            acknowledgement = try GroupKeyPushAck.build(type: type, baseKey: base, spi: pushKEK.key.spi, sequence: sequence,
                                                        memberAddress: memberAddress)
        }
        actions.append(.log(LogEvent(.info, "GDOI-PUSH-ACCEPTED", "group \(next.groupName) SEQ \(sequence): \(newTEKs.count) new TEK(s), "
                                     + "KEK \(newKEK == nil ? "kept" : "replaced")")))
        return Outcome(holdings: next, sequence: sequence, actions: actions, acknowledgement: acknowledgement)
    }
}
