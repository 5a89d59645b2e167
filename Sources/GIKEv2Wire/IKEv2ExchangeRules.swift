import WireCore

/// Payload rules per exchange and direction for IKEv2 / G-IKEv2. Checked on the opened message
/// (clear payloads plus SK content); payloads not listed are refused unless unknown and not critical
/// (RFC 7296 §2.5). Figures cited are RFC 9838 draft-23's; IKE_SA_INIT and INFORMATIONAL are
/// RFC 7296 §1.2 and §1.4.
public enum IKEv2ExchangeRules {
    static let many = WireLimits.maximumPayloadsPerChain
    typealias T = IKEv2PayloadType

    static func clear(_ type: UInt8, _ min: Int, _ max: Int) -> PayloadRule {
        PayloadRule(type, T.name(type), min: min, max: max, mustBeEncrypted: false)
    }

    static func inner(_ type: UInt8, _ min: Int, _ max: Int) -> PayloadRule {
        PayloadRule(type, T.name(type), min: min, max: max, mustBeEncrypted: true)
    }

    /// Every protected message has exactly one SK in the clear.
    static func protected(_ rules: [PayloadRule]) -> PayloadRuleSet {
        PayloadRuleSet([clear(T.encrypted, 1, 1)] + rules)
    }

    /// The rules for a message, or nil for an exchange type groupkey does not take part in.
    public static func rules(exchangeType: UInt8, isResponse: Bool) -> MessageRules? {
        let name = exchangeName(exchangeType) + (isResponse ? " response" : " request")
        let shapes: [PayloadRuleSet]
        switch (exchangeType, isResponse) {
        case (IKEv2ExchangeType.ikeSAInit, false):
            // RFC 7296 §1.2: HDR, SAi1, KEi, Ni [, N(COOKIE), N(...)] ; VIDs allowed anywhere (§3.12).
            shapes = [PayloadRuleSet([clear(T.securityAssociation, 1, 1), clear(T.keyExchange, 1, 1),
                                      clear(T.nonce, 1, 1), clear(T.notify, 0, many), clear(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.ikeSAInit, true):
            // HDR, SAr1, KEr, Nr, [CERTREQ]; or an error / cookie / INVALID_KE answer of notifications only.
            shapes = [PayloadRuleSet([clear(T.securityAssociation, 1, 1), clear(T.keyExchange, 1, 1),
                                      clear(T.nonce, 1, 1), clear(T.certificateRequest, 0, many),
                                      clear(T.notify, 0, many), clear(T.vendorID, 0, many)]),
                      PayloadRuleSet([clear(T.notify, 1, many), clear(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.ikeAuth, false):
            // RFC 7296 §1.2, §2.16; RFC 6023: SK{IDi, [CERT,] [CERTREQ,] [IDr,] [AUTH,] [CP,] [N,]
            // [SAi2, TSi, TSr]} (AUTH absent only with EAP, §2.16; no SA/TS when childless).
            shapes = [protected([inner(T.identificationInitiator, 1, 1), inner(T.certificate, 0, many),
                                 inner(T.certificateRequest, 0, many), inner(T.identificationResponder, 0, 1),
                                 inner(T.authentication, 0, 1), inner(T.configuration, 0, 1), inner(T.eap, 0, 1),
                                 inner(T.securityAssociation, 0, 1), inner(T.trafficSelectorInitiator, 0, 1),
                                 inner(T.trafficSelectorResponder, 0, 1), inner(T.notify, 0, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.ikeAuth, true):
            // SK{IDr, [CERT,] AUTH, [CP,] [N,] [SAr2, TSi, TSr]}, or SK{N} when authentication
            // failed (RFC 7296 §1.2, §2.21.2).
            shapes = [protected([inner(T.identificationResponder, 1, 1), inner(T.certificate, 0, many),
                                 inner(T.authentication, 1, 1), inner(T.configuration, 0, 1),
                                 inner(T.securityAssociation, 0, 1), inner(T.trafficSelectorInitiator, 0, 1),
                                 inner(T.trafficSelectorResponder, 0, 1), inner(T.notify, 0, many), inner(T.vendorID, 0, many)]),
                      protected([inner(T.notify, 1, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.gsaAuth, false):
            // Fig. 3: SK{IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, IDg, [SAg,] [N(GROUP_SENDER),] [N]}
            shapes = [protected([inner(T.identificationInitiator, 1, 1), inner(T.certificate, 0, many),
                                 inner(T.certificateRequest, 0, many), inner(T.identificationResponder, 0, 1),
                                 inner(T.authentication, 1, 1), inner(T.groupIdentification, 1, 1),
                                 inner(T.securityAssociation, 0, 1), inner(T.notify, 0, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.gsaAuth, true):
            // Fig. 4: SK{IDr, [CERT,] AUTH, GSA, KD, [N]}; Fig. 5: SK{IDr, [CERT,] AUTH, N};
            // and a bare SK{N} when authentication itself failed (RFC 7296 §2.21.2).
            shapes = [protected([inner(T.identificationResponder, 1, 1), inner(T.certificate, 0, many),
                                 inner(T.authentication, 1, 1), inner(T.groupSecurityAssociation, 1, 1),
                                 inner(T.keyDownload, 1, 1), inner(T.notify, 0, many), inner(T.vendorID, 0, many)]),
                      protected([inner(T.identificationResponder, 1, 1), inner(T.certificate, 0, many),
                                 inner(T.authentication, 1, 1), inner(T.notify, 1, many), inner(T.vendorID, 0, many)]),
                      protected([inner(T.notify, 1, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.gsaRegistration, false):
            // Fig. 6: SK{IDg, [SAg,] [N(GROUP_SENDER),] [N]}; Fig. 8: SK{IDg, N} to leave.
            shapes = [protected([inner(T.groupIdentification, 1, 1), inner(T.securityAssociation, 0, 1),
                                 inner(T.notify, 0, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.gsaRegistration, true):
            // Fig. 6: SK{GSA, KD, [N]}; Fig. 7: SK{N}; Fig. 8: SK{}.
            shapes = [protected([inner(T.groupSecurityAssociation, 1, 1), inner(T.keyDownload, 1, 1),
                                 inner(T.notify, 0, many), inner(T.vendorID, 0, many)]),
                      protected([inner(T.notify, 0, many), inner(T.vendorID, 0, many)])]
        case (IKEv2ExchangeType.gsaRekey, _):
            // Fig. 9: SK{GSA, KD, [N,] [AUTH]}; Fig. 12: SK{D, [N,] [AUTH]}. One-way, never a response
            // (R flag 0, WIRE-REFERENCE §18 item 16), so a set R flag finds no rules.
            guard !isResponse else { return nil }
            shapes = [protected([inner(T.groupSecurityAssociation, 1, 1), inner(T.keyDownload, 1, 1),
                                 inner(T.delete, 0, many), inner(T.notify, 0, many), inner(T.authentication, 0, 1)]),
                      protected([inner(T.delete, 1, many), inner(T.notify, 0, many), inner(T.authentication, 0, 1)])]
        case (IKEv2ExchangeType.gsaInbandRekey, false):
            // §2.4.2: SK{GSA, KD, [N]} or SK{D, [N]}, sent by the GCKS.
            shapes = [protected([inner(T.groupSecurityAssociation, 1, 1), inner(T.keyDownload, 1, 1),
                                 inner(T.delete, 0, many), inner(T.notify, 0, many)]),
                      protected([inner(T.delete, 1, many), inner(T.notify, 0, many)])]
        case (IKEv2ExchangeType.gsaInbandRekey, true):
            shapes = [protected([inner(T.notify, 0, many)])]
        case (IKEv2ExchangeType.informational, _):
            // RFC 7296 §1.4: SK{[N,] [D,] [CP,] ...}, possibly empty (liveness check).
            shapes = [protected([inner(T.notify, 0, many), inner(T.delete, 0, many),
                                 inner(T.configuration, 0, 1), inner(T.vendorID, 0, many)])]
        default:
            return nil
        }
        return MessageRules(exchange: name, shapes: shapes)
    }

    /// A message carrying one SKF (RFC 7383 §2.5): the fragment is checked alone, and the
    /// reassembled content is checked against the exchange's rules afterwards.
    public static let fragmentRules = MessageRules(exchange: "IKE fragment",
                                                   shapes: [PayloadRuleSet([clear(T.encryptedFragment, 1, 1)])])

    /// Checks an opened message against its exchange's rules; unknown exchanges are refused.
    public static func check(_ opened: OpenedIKEv2Message) throws {
        guard let rules = rules(exchangeType: opened.header.exchangeType, isResponse: opened.header.isResponse) else {
            throw WireError.ruleViolation(exchange: exchangeName(opened.header.exchangeType), payload: "header", offset: 18,
                                          reason: "exchange type not handled in this direction")
        }
        try rules.check(opened.found)
    }

    public static func exchangeName(_ type: UInt8) -> String {
        switch type {
        case IKEv2ExchangeType.ikeSAInit: return "IKE_SA_INIT"
        case IKEv2ExchangeType.ikeAuth: return "IKE_AUTH"
        case IKEv2ExchangeType.createChildSA: return "CREATE_CHILD_SA"
        case IKEv2ExchangeType.informational: return "INFORMATIONAL"
        case IKEv2ExchangeType.gsaAuth: return "GSA_AUTH"
        case IKEv2ExchangeType.gsaRegistration: return "GSA_REGISTRATION"
        case IKEv2ExchangeType.gsaRekey: return "GSA_REKEY"
        case IKEv2ExchangeType.gsaInbandRekey: return "GSA_INBAND_REKEY"
        case IKEv2ExchangeType.ikeIntermediate: return "IKE_INTERMEDIATE"
        default: return "exchange \(type)"
        }
    }
}

extension IKEv2Message {
    /// The payloads as the rule checker sees them, for a message with no SK (IKE_SA_INIT).
    public var foundPayloads: [FoundPayload] {
        zip(payloads, payloadOffsets.isEmpty ? Array(repeating: 0, count: payloads.count) : payloadOffsets).map {
            FoundPayload(type: $0.type, encrypted: false, critical: $0.critical,
                         known: IKEv2PayloadType.isAssigned($0.type), offset: $1)
        }
    }

    /// Checks a message that is not protected (IKE_SA_INIT) or a single fragment.
    public func checkClearRules() throws {
        if payloads.last?.type == IKEv2PayloadType.encryptedFragment {
            try IKEv2ExchangeRules.fragmentRules.check(foundPayloads)
            return
        }
        guard let rules = IKEv2ExchangeRules.rules(exchangeType: header.exchangeType, isResponse: header.isResponse) else {
            throw WireError.ruleViolation(exchange: IKEv2ExchangeRules.exchangeName(header.exchangeType), payload: "header",
                                          offset: 18, reason: "exchange type not handled in this direction")
        }
        try rules.check(foundPayloads)
    }
}
