import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import LKH
import WireCore

extension GroupRekeyReceiver {
    typealias T = IKEv2TransformTypeNumber

    /// Checks and applies one GSA_REKEY; throws `RejectionError` with nothing changed.
    mutating func process(_ datagram: [UInt8], now: EngineTime) throws -> [Action] {
        guard let rekey = holdings.rekeySA else { throw RejectionError(.wrongSPI, "no rekey SA held") }
        let message: IKEv2Message
        do { message = try IKEv2Message.parse(datagram) } catch { throw RejectionError(.malformed, "\(error)") }
        let header = message.header
        guard header.exchangeType == IKEv2ExchangeType.gsaRekey, !header.isResponse else {
            throw RejectionError(.malformed, "exchange \(header.exchangeType) is not a GSA_REKEY")
        }
        guard header.rekeySPI == rekey.spi else { throw RejectionError(.wrongSPI, "SPI is not the current rekey SA's") }
        // Replay (RFC 9838 §2.4.1.4; WIRE-REFERENCE §11, §18.7): the first message on a rekey SA
        // is at least the initial Message ID, later ones exceed the last accepted. Checked
        // before any key is used; the window moves only after every other check passes.
        if let last = lastMessageID {
            guard header.messageID > last else { throw RejectionError(.replay, "Message ID \(header.messageID) ≤ \(last)") }
        } else {
            guard header.messageID >= rekey.initialMessageID else {
                throw RejectionError(.replay, "Message ID \(header.messageID) < initial \(rekey.initialMessageID)")
            }
        }
        let keys: RekeySAKeys
        do {
            keys = try RekeySAKeys(encryption: rekey.encryption, keyBits: rekey.keyBits, integrity: rekey.integrity,
                                   keyWrap: rekey.keyWrap, keyMaterial: rekey.keyMaterial)
        } catch { throw RejectionError(.policy, "\(error)") }
        let opened: OpenedIKEv2Message
        do { opened = try SKProtection.open(datagram, protection: keys.protection) } catch {
            throw RejectionError(.integrity, "\(error)")
        }
        do { try IKEv2ExchangeRules.check(opened) } catch { throw RejectionError(.malformed, "\(error)") }
        let inner = opened.innerPayloads
        let hasAuth = inner.contains { if case .authentication = $0 { true } else { false } }
        if rekey.authenticationMethod == GroupControllerAuthenticationMethodID.digitalSignature {
            guard let authKey = rekey.authKey, let verifying = try? VerifyingKey(subjectPublicKeyInfo: authKey) else {
                throw RejectionError(.signature, "no AUTH_KEY to verify with")
            }
            do {
                try GSARekeySignature.verify(header: opened.header, innerPayloads: inner, key: verifying,
                                             expectedAlgorithmIdentifier: rekey.signatureAlgorithmIdentifier)
            } catch { throw RejectionError(.signature, "AUTH does not verify under AUTH_KEY") }
        } else if hasAuth {
            // Implicit GCAUTH: AUTH MUST NOT be included (RFC 9838 §2.4.1).
            throw RejectionError(.policy, "AUTH in a GSA_REKEY of an implicitly authenticated rekey SA")
        }
        var next = self
        let gap = lastMessageID.map { header.messageID > $0 &+ 1 } ?? (header.messageID > rekey.initialMessageID)
        var actions = try next.apply(inner, keys: keys, now: now)
        if next.holdings.rekeySA?.spi == rekey.spi {
            next.lastMessageID = header.messageID
        }
        if gap && next.reregistration == nil {
            next.reregistration = .messageIDGap
            actions.append(.log(LogEvent(.warning, "GM-REKEY-MISSED",
                                         "group \(groupName): Message ID \(header.messageID) skips a rekey; re-registering")))
        }
        self = next
        return actions
    }

    /// Applies an authenticated message's GSA, KD and Delete payloads.
    mutating func apply(_ inner: [IKEv2Payload], keys: RekeySAKeys, now: EngineTime) throws -> [Action] {
        var tekPolicies: [GroupSAPolicy] = []
        var rekeyPolicy: GroupSAPolicy?
        var groupBags: [GroupKeyBag] = []
        var wrapKeys: [WrappedKeyEntry] = []
        var authKey: [UInt8]?
        var deletes: [DeletePayload] = []
        for payload in inner {
            switch payload {
            case .groupSecurityAssociation(let gsa):
                for policy in gsa.policies {
                    guard case .securityAssociation(let sa) = policy else { continue }
                    do { try sa.checkTransforms(atRegistration: false) } catch { throw RejectionError(.policy, "GSA policy: \(error)") }
                    if sa.protocolID == IKEv2ProtocolID.gikeUpdate {
                        guard rekeyPolicy == nil else { throw RejectionError(.policy, "two rekey SA policies") }
                        rekeyPolicy = sa
                    } else {
                        tekPolicies.append(sa)
                    }
                }
            case .keyDownload(let kd):
                for bag in kd.bags {
                    switch bag {
                    case .group(let group): groupBags.append(group)
                    case .member(let member):
                        for attribute in member.attributes {
                            switch attribute {
                            case .wrapKey(let key):
                                wrapKeys.append(WrappedKeyEntry(keyID: key.keyID, wrappingKeyID: key.kwkID, wrapped: key.encryptedKey))
                            case .authKey(let key):
                                // Checked as at registration: an unusable key adopted here would
                                // make every later signed rekey fail until the member registers again.
                                do { try AuthKeyCheck.check(key) } catch {
                                    throw RejectionError(.policy, "the new AUTH_KEY is not a public key this member can verify with")
                                }
                                authKey = key
                            // Member-specific keys never travel in a multicast rekey (WIRE-REFERENCE §18.3).
                            case .gmSenderID: throw RejectionError(.policy, "GM_SENDER_ID in a GSA_REKEY")
                            case .other: break
                            }
                        }
                    }
                }
            case .delete(let delete): deletes.append(delete)
            default: break
            }
        }
        func bag(for policy: GroupSAPolicy) throws -> GroupKeyBag {
            let matching = groupBags.filter { $0.protocolID == policy.protocolID && $0.spi == policy.spi }
            guard matching.count == 1 else { throw RejectionError(.policy, "\(matching.count) key bags for one SA") }
            return matching[0]
        }
        guard groupBags.count == tekPolicies.count + (rekeyPolicy == nil ? 0 : 1) else {
            throw RejectionError(.policy, "key bags for SAs the GSA does not describe")
        }

        var newTEKs: [GroupMemberHoldings.DataSecuritySA] = []
        for policy in tekPolicies {
            guard !holdings.dataSecuritySAs.contains(where: { $0.spi == policy.spi }) else {
                throw RejectionError(.policy, "a new TEK reuses an SPI already held")
            }
            let (encryption, keyBits, integrity, length): (UInt16?, UInt16?, UInt16?, Int)
            do { (encryption, keyBits, integrity, length) = try GroupPolicyAcceptance.algorithms(of: policy, configuration: configuration, keyWrap: nil) } catch {
                throw RejectionError(.policy, "\(error)")
            }
            let keyBag = try bag(for: policy)
            guard keyBag.saKeys.count == 1, keyBag.saKeys[0].kwkID == 0 else {
                throw RejectionError(.policy, "a data-security SA needs one SA_KEY under GSK_w")
            }
            let material: SecretBytes
            do { material = try keys.keyWrap.unwrap(keyBag.saKeys[0].encryptedKey) } catch {
                throw RejectionError(.policy, "SA_KEY does not unwrap under GSK_w")
            }
            guard material.count == length else { throw RejectionError(.policy, "SA_KEY holds \(material.count) octets, not \(length)") }
            let sn = policy.transforms.first { $0.type == T.sequenceNumbers }?.id ?? 0
            newTEKs.append(.init(protocolID: policy.protocolID, spi: policy.spi, encryption: encryption, keyBits: keyBits,
                                 integrity: integrity, sequenceNumbers: sn,
                                 sourceSelector: GroupPolicyAcceptance.describe(policy.source),
                                 destinationSelector: GroupPolicyAcceptance.describe(policy.destination),
                                 lifetimeSeconds: policy.keyLifetime, keyMaterial: material))
        }

        var newRekey: GroupMemberHoldings.RekeySA?
        if let policy = rekeyPolicy, let old = holdings.rekeySA {
            guard let kwa = policy.transforms.first(where: { $0.type == T.keyWrapAlgorithm })?.id else {
                throw RejectionError(.policy, "rekey SA policy without KWA")
            }
            let (encryption, keyBits, integrity, length): (UInt16?, UInt16?, UInt16?, Int)
            let wrapLength: Int
            do {
                (encryption, keyBits, integrity, length) = try GroupPolicyAcceptance.algorithms(of: policy, configuration: configuration,
                                                                                               keyWrap: kwa)
                wrapLength = try AlgorithmRegistry.keyWrap(number: kwa).kekLength
            } catch { throw RejectionError(.policy, "\(error)") }
            guard let encryption else { throw RejectionError(.policy, "rekey SA without encryption") }
            let keyBag = try bag(for: policy)
            let material: SecretBytes
            do {
                material = try holdings.workingKeyPath.resolve(
                    saKeys: keyBag.saKeys.map { WrappedKeyEntry(keyID: $0.keyID, wrappingKeyID: $0.kwkID, wrapped: $0.encryptedKey) },
                    wrapKeys: wrapKeys, defaultKey: keys.keyWrapKey,
                    unwrap: { wrapped, under in try AESKeyWrap(mode: .rfc5649, kek: under).unwrap(wrapped) })
            } catch {
                // RFC 9838 §3.3: no Key Path to a held key means this member has been excluded.
                throw RejectionError(.excluded, "the new rekey SA cannot be reached from our keys")
            }
            guard material.count == length + wrapLength else { throw RejectionError(.policy, "rekey SA_KEY has the wrong length") }
            // GCAUTH and AUTH_KEY carry over unless a new AUTH_KEY came (RFC 9838 §2.4.1).
            newRekey = .init(spi: policy.spi, encryption: encryption, keyBits: keyBits, integrity: integrity, keyWrap: kwa,
                             authenticationMethod: old.authenticationMethod, signatureAlgorithmIdentifier: old.signatureAlgorithmIdentifier,
                             authKey: authKey ?? old.authKey, destinationSelector: GroupPolicyAcceptance.describe(policy.destination),
                             lifetimeSeconds: policy.keyLifetime, initialMessageID: policy.initialMessageID ?? 0, keyMaterial: material)
        } else if rekeyPolicy != nil {
            throw RejectionError(.policy, "a rekey SA policy for a member without one")
        }

        // Everything checked: install.
        var actions: [Action] = []
        let nowMS = now.milliseconds
        let activation = Int64(holdings.activationDelay ?? 0) * 1000
        for tek in newTEKs {
            holdings.dataSecuritySAs.append(tek)
            if let lifetime = tek.lifetimeSeconds { expiry[tek.spi] = nowMS + Int64(lifetime) * 1000 }
            if isSender && activation == 0 {
                outboundSPIs.append(tek.spi)
                actions.append(.installSA(installation(of: tek, direction: .both)))
            } else {
                actions.append(.installSA(installation(of: tek, direction: .inbound)))
                if isSender { scheduled.append(ScheduledChange(at: nowMS + activation, change: .activate(spi: tek.spi))) }
            }
        }
        // Delete: remove after the deactivation delay, or at the SA's own expiry when the group
        // has none (RFC 9838 §2.4.1.4; RFC 5374 §4.2.1).
        for delete in deletes where delete.protocolID == IKEv2ProtocolID.esp || delete.protocolID == IKEv2ProtocolID.ah {
            for spi in delete.spis where holdings.dataSecuritySAs.contains(where: { $0.spi == spi }) {
                let at = holdings.deactivationDelay.map { nowMS + Int64($0) * 1000 } ?? (expiry[spi] ?? nowMS)
                scheduled.append(ScheduledChange(at: at, change: .remove(spi: spi, kind: delete.protocolID == IKEv2ProtocolID.ah ? .ah : .esp)))
                // Senders stop using a deleted SA once its successor is active.
                if isSender, !newTEKs.isEmpty {
                    scheduled.append(ScheduledChange(at: nowMS + activation, change: .retireOutbound(spi: spi)))
                }
            }
        }
        if let newRekey, let old = holdings.rekeySA {
            holdings.rekeySA = newRekey
            expiry[old.spi] = nil
            if let lifetime = newRekey.lifetimeSeconds { expiry[newRekey.spi] = nowMS + Int64(lifetime) * 1000 }
            lastMessageID = nil
            actions.append(.installSA(SAInstallation(
                reference: SAReference(group: groupName, kind: .rekey, spi: newRekey.spi), direction: .inbound,
                encryptionTransform: newRekey.encryption, encryptionKeyBits: newRekey.keyBits, integrityTransform: newRekey.integrity,
                keyMaterial: newRekey.keyMaterial, lifetimeSeconds: newRekey.lifetimeSeconds, selectorSummary: newRekey.destinationSelector)))
            // The old rekey SA is deleted silently after the deactivation delay (§2.4.1.4).
            let at = nowMS + Int64(holdings.deactivationDelay ?? 0) * 1000
            scheduled.append(ScheduledChange(at: at, change: .remove(spi: old.spi, kind: .rekey)))
        }
        actions.append(.log(LogEvent(.info, "GM-REKEY", "group \(groupName): \(newTEKs.count) new TEK(s), "
                                     + "\(deletes.flatMap(\.spis).count) deleted, rekey SA \(newRekey == nil ? "kept" : "replaced")")))
        return actions
    }
}
