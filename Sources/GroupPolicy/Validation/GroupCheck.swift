/// The checks that need one group only.
struct GroupCheck {
    let file: LoadedPolicyFile
    let g: Int
    let group: GroupDefinition
    private(set) var findings: [PolicyFinding] = []

    init(file: LoadedPolicyFile, index: Int, group: GroupDefinition) {
        self.file = file
        self.g = index
        self.group = group
    }

    mutating func report(_ code: FindingCode, at key: String, _ message: String) {
        let location = file.sourceMap.location(key)
        findings.append(PolicyFinding(code, file: file.file, line: location.line, elementPath: location.path,
                                      message: "group \(group.name): " + message))
    }

    /// The served protocols by name, for messages.
    var servedNames: [(served: Bool, name: String)] {
        [(group.protocols.gdoi, "GDOI"), (group.protocols.gikev2, "G-IKEv2")]
    }

    mutating func run() {
        checkIdentity()
        checkRegistration()
        for (index, sa) in group.dataSecurity.enumerated() { checkSecurityAssociation(sa, index) }
        checkDuplicateSANames()
        if let rekey = group.rekey { checkRekey(rekey) }
        checkTiming()
        if group.lkh != nil && group.rekey == nil {
            report(.lkhWithoutRekey, at: "g\(g).lkh", "an LKH tree only serves rekeys, and the group has no <rekey>")
        }
        for (index, server) in group.keyServers.enumerated() where server.port == 0 {
            report(.invalidValue, at: "g\(g).ks\(index)", "key server port 0 cannot be reached")
        }
    }

    mutating func checkIdentity() {
        let key = "g\(g).identity"
        if group.protocols.gdoi && group.identity.gdoiID == nil {
            report(.missingGroupIdentity, at: key, "GDOI is served but gdoi-id is missing (RFC 6407 §5.1 ID_KEY_ID)")
        }
        if group.protocols.gikev2 && group.identity.effectiveIDg == nil {
            report(.missingGroupIdentity, at: key, "G-IKEv2 is served but there is neither an <idg> nor a gdoi-id to derive one")
        }
        let expected: (gdoi: Bool, gikev2: Bool)
        switch group.migration {
        case .legacy: expected = (true, false)
        case .dualStack: expected = (true, true)
        case .migrated: expected = (false, true)
        }
        if expected != (group.protocols.gdoi, group.protocols.gikev2) {
            report(.migrationStateMismatch, at: "g\(g).protocols",
                   "migration \"\(group.migration.rawValue)\" does not match serve=\"\(group.protocols.tokens.joined(separator: " "))\"")
        }
    }

    mutating func checkStrength(_ strength: AlgorithmStrength, _ name: String, at key: String) {
        switch strength {
        case .recommended: break
        case .legacy(let reason): report(.legacyAlgorithm, at: key, "\(name) is legacy: \(reason)")
        case .forbidden(let reason): report(.forbiddenAlgorithm, at: key, "\(name) is forbidden: \(reason)")
        }
    }

    mutating func checkKeyLength(_ algorithm: EncryptionAlgorithm, _ length: Int?, at key: String) {
        let allowed = AlgorithmCatalog.entry(algorithm).keyLengths
        if allowed.isEmpty, let length {
            report(.invalidKeyLength, at: key, "\(algorithm.rawValue) has a fixed key; key-length=\"\(length)\" does not apply")
        } else if !allowed.isEmpty && !(length.map(allowed.contains) ?? false) {
            let given = length.map { "key-length=\"\($0)\"" } ?? "no key-length"
            report(.invalidKeyLength, at: key,
                   "\(algorithm.rawValue) needs key-length \(allowed.map(String.init).joined(separator: ", ")); got \(given)")
        }
    }

    /// RFC 9838 §4.4.2.1: with an AEAD cipher INTEG is absent; otherwise it is required.
    mutating func checkIntegrityPairing(aead: Bool, integrity: IntegrityAlgorithm?, required: Bool, what: String, at key: String) {
        if aead, let integrity {
            report(.incompleteTransformSet, at: key, "\(what) uses an AEAD cipher, so integrity \(integrity.rawValue) must be removed")
        } else if !aead && integrity == nil && required {
            report(.incompleteTransformSet, at: key, "\(what) uses a non-AEAD cipher and needs an integrity algorithm")
        }
    }

    mutating func checkRegistration() {
        let registration = group.registration
        if registration.preSharedKey == nil && registration.certificateTrustAnchors.isEmpty {
            report(.noRegistrationAuthentication, at: "g\(g).registration", "members have no way to authenticate")
        }
        if registration.preSharedKey == .inlineValueDiscarded {
            report(.inlineSecret, at: "g\(g).psk", "the pre-shared key is written inline in the policy")
        }
        for (index, proposal) in registration.proposals.enumerated() {
            let key = "g\(g).proposal\(index)"
            let cipher = AlgorithmCatalog.entry(proposal.encryption)
            checkStrength(cipher.strength, proposal.encryption.rawValue, at: key)
            checkKeyLength(proposal.encryption, proposal.keyLength, at: key)
            if group.protocols.gdoi && cipher.ikev1 == nil {
                report(.algorithmNotCarried, at: key,
                       "GDOI registration (IKEv1 phase 1, RFC 2409 App. A) cannot carry \(proposal.encryption.rawValue)")
            }
            if group.protocols.gikev2 && cipher.ikev2 == nil {
                report(.algorithmNotCarried, at: key, "G-IKEv2 cannot carry \(proposal.encryption.rawValue)")
            }
            checkIntegrityPairing(aead: cipher.isAEAD, integrity: proposal.integrity, required: group.protocols.gikev2,
                                  what: "the registration proposal", at: key)
            if let integrity = proposal.integrity {
                checkStrength(AlgorithmCatalog.entry(integrity).strength, integrity.rawValue, at: key)
            }
            checkStrength(AlgorithmCatalog.entry(proposal.prf).strength, proposal.prf.rawValue, at: key)
            let exchange = AlgorithmCatalog.entry(proposal.keyExchange)
            checkStrength(exchange.strength, proposal.keyExchange.rawValue, at: key)
            if group.protocols.gdoi && !exchange.ikev1Capable {
                report(.algorithmNotCarried, at: key,
                       "GDOI registration (IKEv1 Group Description) cannot carry \(proposal.keyExchange.rawValue)")
            }
        }
    }

    mutating func checkSecurityAssociation(_ sa: DataSecurityPolicy, _ s: Int) {
        let key = "g\(g).sa\(s)"
        let cipherKey = key + ".encryption"
        switch sa.securityProtocol {
        case .esp where sa.encryption == nil:
            report(.incompleteTransformSet, at: key, "ESP SA \(sa.name) has no <encryption>")
        case .ah where sa.encryption != nil:
            report(.incompleteTransformSet, at: cipherKey, "AH SA \(sa.name) cannot have <encryption>")
        case .ah where sa.integrity == nil:
            report(.incompleteTransformSet, at: key, "AH SA \(sa.name) needs <integrity> (RFC 9838 Fig. 16)")
        default:
            break
        }
        if let encryption = sa.encryption, sa.securityProtocol == .esp {
            let cipher = AlgorithmCatalog.entry(encryption)
            checkStrength(cipher.strength, encryption.rawValue, at: cipherKey)
            checkKeyLength(encryption, sa.keyLength, at: cipherKey)
            if group.protocols.gdoi && cipher.gdoiTEK == nil {
                report(.algorithmNotCarried, at: cipherKey,
                       "GDOI SA TEK (IPsec DOI transform IDs, RFC 2407 §4.4.4) cannot carry \(encryption.rawValue)")
            }
            if group.protocols.gikev2 && cipher.ikev2 == nil {
                report(.algorithmNotCarried, at: cipherKey, "G-IKEv2 cannot carry \(encryption.rawValue)")
            }
            checkIntegrityPairing(aead: cipher.isAEAD, integrity: sa.integrity, required: true,
                                  what: "SA \(sa.name)", at: sa.integrity == nil ? cipherKey : key + ".integrity")
            if cipher.isCounterMode && sa.senderIDBits == nil {
                report(.counterModeWithoutSenderID, at: cipherKey,
                       "\(encryption.rawValue) is a counter mode; SA \(sa.name) needs <sender-id> so group senders never reuse an IV (RFC 6054 §3, RFC 9838 §2.5)")
            }
        }
        if let integrity = sa.integrity {
            checkStrength(AlgorithmCatalog.entry(integrity).strength, integrity.rawValue, at: key + ".integrity")
        }
        if !PolicyLimits.tekLifetime.contains(sa.lifetimeSeconds) {
            report(.lifetimeOutOfRange, at: key + ".lifetime",
                   "SA \(sa.name) lifetime \(sa.lifetimeSeconds) s is outside \(PolicyLimits.tekLifetime.lowerBound)...\(PolicyLimits.tekLifetime.upperBound) s")
        }
        if let rekey = group.rekey, sa.lifetimeSeconds > rekey.lifetimeSeconds {
            report(.tekOutlivesKEK, at: key + ".lifetime",
                   "SA \(sa.name) lives \(sa.lifetimeSeconds) s, longer than the rekey SA's \(rekey.lifetimeSeconds) s")
        }
        switch sa.antiReplay {
        case .none: break
        case .counter(let window) where !PolicyLimits.counterReplayWindow.contains(window):
            report(.invalidValue, at: key + ".anti-replay",
                   "counter anti-replay window \(window) is outside \(PolicyLimits.counterReplayWindow.lowerBound)...\(PolicyLimits.counterReplayWindow.upperBound) packets")
        case .time(let window) where !PolicyLimits.timeReplayWindow.contains(window):
            report(.invalidValue, at: key + ".anti-replay",
                   "time-based anti-replay window \(window) s is outside \(PolicyLimits.timeReplayWindow.lowerBound)...\(PolicyLimits.timeReplayWindow.upperBound) s")
        default: break
        }
    }

    mutating func checkDuplicateSANames() {
        var seen: Set<String> = []
        for (index, sa) in group.dataSecurity.enumerated() where !seen.insert(sa.name).inserted {
            report(.duplicateName, at: "g\(g).sa\(index)", "two SAs are named \(sa.name)")
        }
    }

    mutating func checkRekey(_ rekey: RekeyPolicy) {
        let key = "g\(g).rekey"
        if rekey.transport == .multicast {
            if let destination = rekey.destination {
                if !destination.isMulticast {
                    report(.rekeyDestinationNotMulticast, at: key,
                           "multicast rekey destination \(destination) is not a multicast address (RFC 9838 §4.4.2)")
                }
            } else {
                report(.rekeyDestinationNotMulticast, at: key, "multicast rekey has no destination address")
            }
        }
        let cipherKey = key + ".encryption"
        let cipher = AlgorithmCatalog.entry(rekey.encryption)
        checkStrength(cipher.strength, rekey.encryption.rawValue, at: cipherKey)
        checkKeyLength(rekey.encryption, rekey.keyLength, at: cipherKey)
        if group.protocols.gdoi && cipher.gdoiKEK == nil {
            report(.algorithmNotCarried, at: cipherKey,
                   "GDOI KEK_ALGORITHM is DES, 3DES or AES-CBC only (RFC 6407 §5.3.2); it cannot carry \(rekey.encryption.rawValue)")
        }
        if group.protocols.gikev2 && cipher.ikev2 == nil {
            report(.algorithmNotCarried, at: cipherKey, "G-IKEv2 cannot carry \(rekey.encryption.rawValue)")
        }
        checkIntegrityPairing(aead: cipher.isAEAD, integrity: rekey.integrity, required: group.protocols.gikev2,
                              what: "the rekey SA", at: rekey.integrity == nil ? cipherKey : key + ".integrity")
        if let integrity = rekey.integrity {
            checkStrength(AlgorithmCatalog.entry(integrity).strength, integrity.rawValue, at: key + ".integrity")
        }
        if group.protocols.gikev2 && rekey.keyWrap == nil {
            report(.incompleteTransformSet, at: key, "G-IKEv2 rekey SAs need a <key-wrap> algorithm (RFC 9838 §4.4.2.1)")
        }
        switch rekey.authentication {
        case .implicit:
            if group.protocols.gdoi {
                report(.algorithmNotCarried, at: key + ".authentication",
                       "GDOI always signs GROUPKEY-PUSH (RFC 6407 §4); implicit rekey authentication cannot serve GDOI")
            }
        case .digitalSignature(let algorithm, _):
            let signature = AlgorithmCatalog.entry(algorithm)
            checkStrength(signature.strength, algorithm.rawValue, at: key + ".authentication")
            if group.protocols.gdoi && signature.gdoi == nil {
                report(.algorithmNotCarried, at: key + ".authentication",
                       "GDOI SIG_ALGORITHM (RFC 6407 §5.3.6) cannot carry \(algorithm.rawValue)")
            }
            if group.protocols.gikev2 && !signature.ikev2 {
                report(.algorithmNotCarried, at: key + ".authentication",
                       "G-IKEv2 (RFC 7427 AlgorithmIdentifier) cannot carry \(algorithm.rawValue)")
            }
        }
        if !PolicyLimits.kekLifetime.contains(rekey.lifetimeSeconds) {
            report(.lifetimeOutOfRange, at: key + ".lifetime",
                   "rekey SA lifetime \(rekey.lifetimeSeconds) s is outside \(PolicyLimits.kekLifetime.lowerBound)...\(PolicyLimits.kekLifetime.upperBound) s")
        }
        if let shortest = group.dataSecurity.map(\.lifetimeSeconds).min(), rekey.leadTimeSeconds >= shortest {
            report(.lifetimeOutOfRange, at: key + ".lead-time",
                   "lead time \(rekey.leadTimeSeconds) s is not shorter than the shortest TEK lifetime \(shortest) s")
        }
        let retransmit = rekey.retransmissions
        if !PolicyLimits.rekeyRetransmissions.contains(retransmit.count)
            || !PolicyLimits.rekeyRetransmitInterval.contains(retransmit.intervalSeconds) {
            report(.invalidValue, at: key + ".retransmit",
                   "retransmit count \(retransmit.count) / interval \(retransmit.intervalSeconds) s outside 0...10 / 1...3600 s")
        }
    }

    mutating func checkTiming() {
        for (name, value) in [("activation-delay", group.timing.activationDelay),
                              ("deactivation-delay", group.timing.deactivationDelay)] {
            if let value, !PolicyLimits.timeDelay.contains(value) {
                report(.lifetimeOutOfRange, at: "g\(g).timing",
                       "\(name) \(value) s does not fit the 16-bit field of GAP (RFC 6407 §5.4) and GWP (RFC 9838 §4.4.3)")
            }
        }
    }
}
