/// ISAKMP / IKEv1 / GDOI numbers used on the wire (RFC 2408 §3; RFC 2407 §4; RFC 6407 §5;
/// RFC 3947; RFC 8263; IANA "ISAKMP" and "GDOI Payloads" registries). Fields stay raw numbers in
/// the codec so that unknown values round-trip.

/// Next Payload types (RFC 2408 §3.1; RFC 6407 §5; RFC 3947 §3; IANA).
public enum ISAKMPPayloadType {
    public static let none: UInt8 = 0
    public static let securityAssociation: UInt8 = 1
    public static let proposal: UInt8 = 2
    public static let transform: UInt8 = 3
    public static let keyExchange: UInt8 = 4
    public static let identification: UInt8 = 5
    public static let certificate: UInt8 = 6
    public static let certificateRequest: UInt8 = 7
    public static let hash: UInt8 = 8
    public static let signature: UInt8 = 9
    public static let nonce: UInt8 = 10
    public static let notification: UInt8 = 11
    public static let delete: UInt8 = 12
    public static let vendorID: UInt8 = 13
    public static let saKEK: UInt8 = 15           // GDOI SAK (RFC 6407 §5.3)
    public static let saTEK: UInt8 = 16           // GDOI SAT (RFC 6407 §5.5)
    public static let keyDownload: UInt8 = 17     // GDOI KD (RFC 6407 §5.6)
    public static let sequenceNumber: UInt8 = 18  // GDOI SEQ (RFC 6407 §5.7)
    public static let proofOfPossession: UInt8 = 19
    public static let natDiscovery: UInt8 = 20    // NAT-D (RFC 3947 §3.1)
    public static let natOriginalAddress: UInt8 = 21 // NAT-OA (RFC 3947 §5.1)
    public static let groupAssociatedPolicy: UInt8 = 22 // GDOI GAP (RFC 6407 §5.4)

    /// Types a receiver understands as types (RFC 2408 §3.1 and the GDOI registry); SAK, SAT and GAP
    /// are known but belong inside an SA payload, never at the top of a message.
    public static func isAssigned(_ type: UInt8) -> Bool { (1...13).contains(type) || (15...22).contains(type) }

    public static func name(_ type: UInt8) -> String {
        switch type {
        case 1: return "SA"
        case 2: return "Proposal"
        case 3: return "Transform"
        case 4: return "KE"
        case 5: return "ID"
        case 6: return "CERT"
        case 7: return "CR"
        case 8: return "HASH"
        case 9: return "SIG"
        case 10: return "NONCE"
        case 11: return "N"
        case 12: return "D"
        case 13: return "VID"
        case 15: return "SAK"
        case 16: return "SAT"
        case 17: return "KD"
        case 18: return "SEQ"
        case 19: return "POP"
        case 20: return "NAT-D"
        case 21: return "NAT-OA"
        case 22: return "GAP"
        default: return "payload \(type)"
        }
    }
}

/// Exchange types under MjVer 1 (RFC 2408 §3.1; RFC 6407 §3.2.1, §4.2; RFC 8263 §3.1). Values 32+
/// are DOI-specific: under the GDOI (DOI 2) 32 is GROUPKEY-PULL, not IPsec DOI Quick Mode.
public enum ISAKMPExchangeType {
    public static let identityProtection: UInt8 = 2 // Main Mode (RFC 2409 §5)
    public static let aggressive: UInt8 = 4
    public static let informational: UInt8 = 5
    public static let groupkeyPull: UInt8 = 32
    public static let groupkeyPush: UInt8 = 33
    public static let groupkeyPushAck: UInt8 = 35
}

/// Domains of Interpretation (IANA).
public enum ISAKMPDOI {
    public static let isakmp: UInt32 = 0
    public static let ipsec: UInt32 = 1
    public static let gdoi: UInt32 = 2
}

/// SA TEK protocol IDs (RFC 6407 §5.5) — not the IPsec DOI's numbers.
public enum GDOIProtocolID {
    public static let ipsecESP: UInt8 = 1
    public static let ipsecAH: UInt8 = 2
}

/// Key Download packet types (RFC 6407 §5.6).
public enum GDOIKeyDownloadType {
    public static let tek: UInt8 = 1
    public static let kek: UInt8 = 2
    public static let lkh: UInt8 = 3
    public static let sid: UInt8 = 4
}

/// SA KEK attributes (RFC 6407 §5.3; RFC 8263 §2; IANA).
public enum GDOIKEKAttributeType {
    public static let managementAlgorithm: UInt16 = 1
    public static let algorithm: UInt16 = 2
    public static let keyLength: UInt16 = 3
    public static let keyLifetime: UInt16 = 4
    public static let sigHashAlgorithm: UInt16 = 5
    public static let sigAlgorithm: UInt16 = 6
    public static let sigKeyLength: UInt16 = 7
    public static let keOakleyGroup: UInt16 = 8 // RESERVED in RFC 6407, KE_OAKLEY_GROUP in IANA (WIRE-REFERENCE §18.23)
    public static let ackRequested: UInt16 = 9
}
