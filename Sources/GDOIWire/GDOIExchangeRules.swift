import WireCore

/// Payload rules per exchange and message for IKEv1 phase 1 and GDOI. ISAKMP headers carry no
/// response flag, so a message is named by its position in the exchange (1-based). "Encrypted"
/// means the E flag was set and the payloads are the decrypted ones.
public enum GDOIExchangeRules {
    static let many = WireLimits.maximumPayloadsPerChain
    typealias T = ISAKMPPayloadType

    static func rule(_ type: UInt8, _ min: Int, _ max: Int, encrypted: Bool) -> PayloadRule {
        PayloadRule(type, T.name(type), min: min, max: max, mustBeEncrypted: encrypted)
    }

    /// Phase-1 authentication: HASH for pre-shared keys, SIG for signatures (RFC 2409 §5.1, §5.4).
    static func authShapes(_ base: [PayloadRule], tail: [PayloadRule], encrypted: Bool) -> [PayloadRuleSet] {
        [PayloadRuleSet(base + [rule(T.hash, 1, 1, encrypted: encrypted)] + tail),
         PayloadRuleSet(base + [rule(T.signature, 1, 1, encrypted: encrypted)] + tail)]
    }

    public static func rules(exchangeType: UInt8, message: Int) -> MessageRules? {
        let name = exchangeName(exchangeType) + " message \(message)"
        let shapes: [PayloadRuleSet]
        switch (exchangeType, message) {
        // Main Mode (RFC 2409 §5; NAT-D RFC 3947 §3.2).
        case (ISAKMPExchangeType.identityProtection, 1), (ISAKMPExchangeType.identityProtection, 2):
            shapes = [PayloadRuleSet([rule(T.securityAssociation, 1, 1, encrypted: false), rule(T.vendorID, 0, many, encrypted: false)])]
        case (ISAKMPExchangeType.identityProtection, 3), (ISAKMPExchangeType.identityProtection, 4):
            shapes = [PayloadRuleSet([rule(T.keyExchange, 1, 1, encrypted: false), rule(T.nonce, 1, 1, encrypted: false),
                                      rule(T.certificateRequest, 0, many, encrypted: false), rule(T.natDiscovery, 0, many, encrypted: false),
                                      rule(T.vendorID, 0, many, encrypted: false)])]
        case (ISAKMPExchangeType.identityProtection, 5), (ISAKMPExchangeType.identityProtection, 6):
            shapes = authShapes([rule(T.identification, 1, 1, encrypted: true), rule(T.certificate, 0, many, encrypted: true),
                                 rule(T.certificateRequest, 0, many, encrypted: true)],
                                tail: [rule(T.notification, 0, many, encrypted: true), rule(T.vendorID, 0, many, encrypted: true)],
                                encrypted: true)
        // Aggressive Mode (RFC 2409 §5; NAT-D in messages 2 and 3, RFC 3947 §3.2).
        case (ISAKMPExchangeType.aggressive, 1):
            shapes = [PayloadRuleSet([rule(T.securityAssociation, 1, 1, encrypted: false), rule(T.keyExchange, 1, 1, encrypted: false),
                                      rule(T.nonce, 1, 1, encrypted: false), rule(T.identification, 1, 1, encrypted: false),
                                      rule(T.certificateRequest, 0, many, encrypted: false), rule(T.vendorID, 0, many, encrypted: false)])]
        case (ISAKMPExchangeType.aggressive, 2):
            shapes = authShapes([rule(T.securityAssociation, 1, 1, encrypted: false), rule(T.keyExchange, 1, 1, encrypted: false),
                                 rule(T.nonce, 1, 1, encrypted: false), rule(T.identification, 1, 1, encrypted: false),
                                 rule(T.certificate, 0, many, encrypted: false), rule(T.certificateRequest, 0, many, encrypted: false)],
                                tail: [rule(T.natDiscovery, 0, many, encrypted: false), rule(T.vendorID, 0, many, encrypted: false)],
                                encrypted: false)
        case (ISAKMPExchangeType.aggressive, 3):
            // The third message may be sent encrypted or not (RFC 2409 §5: "HDR*" is optional here).
            shapes = [false, true].flatMap { encrypted in
                authShapes([rule(T.certificate, 0, many, encrypted: encrypted)],
                           tail: [rule(T.natDiscovery, 0, many, encrypted: encrypted), rule(T.notification, 0, many, encrypted: encrypted),
                                  rule(T.vendorID, 0, many, encrypted: encrypted)], encrypted: encrypted)
            }
        // GROUPKEY-PULL (RFC 6407 §3.2): HASH first, everything encrypted.
        case (ISAKMPExchangeType.groupkeyPull, 1):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.nonce, 1, 1, encrypted: true),
                                      rule(T.identification, 1, 1, encrypted: true)], ordered: true)]
        case (ISAKMPExchangeType.groupkeyPull, 2):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.nonce, 1, 1, encrypted: true),
                                      rule(T.securityAssociation, 1, 1, encrypted: true)], ordered: true)]
        case (ISAKMPExchangeType.groupkeyPull, 3):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.groupAssociatedPolicy, 0, 1, encrypted: true)],
                                     ordered: true)]
        case (ISAKMPExchangeType.groupkeyPull, 4):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.sequenceNumber, 0, 1, encrypted: true),
                                      rule(T.keyDownload, 1, 1, encrypted: true)], ordered: true)]
        // GROUPKEY-PUSH (RFC 6407 §4, §5.9): SEQ, [D,] SA, KD, SIG; or SEQ, D, SIG to delete only.
        case (ISAKMPExchangeType.groupkeyPush, 1):
            shapes = [PayloadRuleSet([rule(T.sequenceNumber, 1, 1, encrypted: true), rule(T.delete, 0, many, encrypted: true),
                                      rule(T.securityAssociation, 1, 1, encrypted: true), rule(T.keyDownload, 1, 1, encrypted: true),
                                      rule(T.signature, 1, 1, encrypted: true)], ordered: true),
                      PayloadRuleSet([rule(T.sequenceNumber, 1, 1, encrypted: true), rule(T.delete, 1, many, encrypted: true),
                                      rule(T.signature, 1, 1, encrypted: true)], ordered: true)]
        // GROUPKEY-PUSH-ACK (RFC 8263 §3): HASH, SEQ, ID in the clear.
        case (ISAKMPExchangeType.groupkeyPushAck, 1):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: false), rule(T.sequenceNumber, 1, 1, encrypted: false),
                                      rule(T.identification, 1, 1, encrypted: false)], ordered: true)]
        // Informational (RFC 2409 §5.7): HDR*, HASH(1), N/D once keyed; a bare N before.
        case (ISAKMPExchangeType.informational, 1):
            shapes = [PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.notification, 1, many, encrypted: true),
                                      rule(T.delete, 0, many, encrypted: true)], ordered: true),
                      PayloadRuleSet([rule(T.hash, 1, 1, encrypted: true), rule(T.delete, 1, many, encrypted: true),
                                      rule(T.notification, 0, many, encrypted: true)], ordered: true),
                      PayloadRuleSet([rule(T.notification, 1, many, encrypted: false)])]
        default:
            return nil
        }
        return MessageRules(exchange: name, shapes: shapes)
    }

    /// Checks payloads (decrypted ones for an encrypted message) against the rules of message
    /// number `message` of the header's exchange.
    public static func check(header: ISAKMPHeader, payloads: [ISAKMPPayload], offsets: [Int] = [], message: Int) throws {
        let exchange = exchangeName(header.exchangeType)
        guard let rules = rules(exchangeType: header.exchangeType, message: message) else {
            throw WireError.ruleViolation(exchange: exchange, payload: "header", offset: 18,
                                          reason: "no message \(message) in this exchange")
        }
        try checkHeader(header, exchange: exchange)
        try rules.check(ISAKMPMessage.found(payloads, offsets: offsets, encrypted: header.isEncrypted))
        if header.exchangeType == ISAKMPExchangeType.groupkeyPull {
            // GDOI narrows the nonce to 8..128 octets (RFC 6407 §5.8).
            for (index, payload) in payloads.enumerated() {
                if case .nonce(let data) = payload, data.count > ISAKMPLimits.maximumGDOINonceLength {
                    throw WireError.ruleViolation(exchange: exchange, payload: "NONCE", offset: index < offsets.count ? offsets[index] : 0,
                                                  reason: "longer than 128 octets (RFC 6407 §5.8)")
                }
            }
        }
    }

    /// Header fields fixed by the GDOI exchanges: GROUPKEY-PUSH has only the E flag and Message ID 0
    /// (RFC 6407 §4.2); GROUPKEY-PUSH-ACK has no flags and Message ID 0 (RFC 8263 §3.1).
    static func checkHeader(_ header: ISAKMPHeader, exchange: String) throws {
        switch header.exchangeType {
        case ISAKMPExchangeType.groupkeyPush:
            guard header.flags == ISAKMPHeader.encryptionFlag else {
                throw WireError.ruleViolation(exchange: exchange, payload: "header", offset: 19, reason: "Flags must be E only")
            }
            guard header.messageID == 0 else {
                throw WireError.ruleViolation(exchange: exchange, payload: "header", offset: 20, reason: "Message ID must be 0")
            }
        case ISAKMPExchangeType.groupkeyPushAck:
            guard header.flags == 0, header.messageID == 0 else {
                throw WireError.ruleViolation(exchange: exchange, payload: "header", offset: 19, reason: "Flags and Message ID must be 0")
            }
        default:
            break
        }
    }

    public static func exchangeName(_ type: UInt8) -> String {
        switch type {
        case ISAKMPExchangeType.identityProtection: return "Main Mode"
        case ISAKMPExchangeType.aggressive: return "Aggressive Mode"
        case ISAKMPExchangeType.informational: return "Informational"
        case ISAKMPExchangeType.groupkeyPull: return "GROUPKEY-PULL"
        case ISAKMPExchangeType.groupkeyPush: return "GROUPKEY-PUSH"
        case ISAKMPExchangeType.groupkeyPushAck: return "GROUPKEY-PUSH-ACK"
        default: return "exchange \(type)"
        }
    }
}
