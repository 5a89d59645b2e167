/// IKEv2 and G-IKEv2 numbers used on the wire (IANA "Internet Key Exchange Version 2 (IKEv2)
/// Parameters"; RFC 7296 §3; RFC 9838 §4). Codecs keep every field as its raw number so unknown
/// values survive a round trip; these names are for building and checking messages.

/// Payload types (RFC 7296 §3.2; RFC 7383 §2.5; RFC 9838 §4.2–4.5; IANA).
public enum IKEv2PayloadType {
    public static let none: UInt8 = 0
    public static let securityAssociation: UInt8 = 33 // SA, and SAg (RFC 9838 §4.3)
    public static let keyExchange: UInt8 = 34
    public static let identificationInitiator: UInt8 = 35
    public static let identificationResponder: UInt8 = 36
    public static let certificate: UInt8 = 37
    public static let certificateRequest: UInt8 = 38
    public static let authentication: UInt8 = 39
    public static let nonce: UInt8 = 40
    public static let notify: UInt8 = 41
    public static let delete: UInt8 = 42
    public static let vendorID: UInt8 = 43
    public static let trafficSelectorInitiator: UInt8 = 44
    public static let trafficSelectorResponder: UInt8 = 45
    public static let encrypted: UInt8 = 46
    public static let configuration: UInt8 = 47
    public static let eap: UInt8 = 48
    public static let genericSecurePasswordMethods: UInt8 = 49
    public static let groupIdentification: UInt8 = 50
    public static let groupSecurityAssociation: UInt8 = 51
    public static let keyDownload: UInt8 = 52
    public static let encryptedFragment: UInt8 = 53
    public static let puzzleSolution: UInt8 = 54

    /// Types IANA has assigned: a receiver "understands" these (RFC 7296 §2.5), so one outside an
    /// exchange's rules is a rule violation rather than a skippable unknown.
    public static func isAssigned(_ type: UInt8) -> Bool { (33...54).contains(type) }

    public static func name(_ type: UInt8) -> String {
        switch type {
        case 33: return "SA"
        case 34: return "KE"
        case 35: return "IDi"
        case 36: return "IDr"
        case 37: return "CERT"
        case 38: return "CERTREQ"
        case 39: return "AUTH"
        case 40: return "Nonce"
        case 41: return "Notify"
        case 42: return "Delete"
        case 43: return "Vendor ID"
        case 44: return "TSi"
        case 45: return "TSr"
        case 46: return "SK"
        case 47: return "CP"
        case 48: return "EAP"
        case 49: return "GSPM"
        case 50: return "IDg"
        case 51: return "GSA"
        case 52: return "KD"
        case 53: return "SKF"
        case 54: return "PS"
        default: return "payload \(type)"
        }
    }
}

/// Exchange types; the number space overlaps ISAKMP's (WIRE-REFERENCE §3), so these only mean
/// anything under MjVer 2.
public enum IKEv2ExchangeType {
    public static let ikeSAInit: UInt8 = 34
    public static let ikeAuth: UInt8 = 35
    public static let createChildSA: UInt8 = 36
    public static let informational: UInt8 = 37
    public static let gsaAuth: UInt8 = 39           // RFC 9838 §2.3.1
    public static let gsaRegistration: UInt8 = 40   // RFC 9838 §2.3.2
    public static let gsaRekey: UInt8 = 41          // RFC 9838 §2.4.1
    public static let gsaInbandRekey: UInt8 = 42    // RFC 9838 §2.4.2 (IANA)
    public static let ikeIntermediate: UInt8 = 43
}

/// Security Protocol Identifiers (RFC 7296 §3.3.1; RFC 9838 §4.4.2; IANA).
public enum IKEv2ProtocolID {
    public static let ike: UInt8 = 1
    public static let ah: UInt8 = 2
    public static let esp: UInt8 = 3
    public static let gikeUpdate: UInt8 = 6
}

/// Transform types (RFC 7296 §3.3.2; RFC 9827; RFC 9838 §4.4.2.1; IANA).
public enum IKEv2TransformTypeNumber {
    public static let encryption: UInt8 = 1
    public static let pseudorandomFunction: UInt8 = 2
    public static let integrity: UInt8 = 3
    public static let keyExchange: UInt8 = 4
    public static let sequenceNumbers: UInt8 = 5
    public static let keyWrapAlgorithm: UInt8 = 13
    public static let groupControllerAuthenticationMethod: UInt8 = 14
}

/// Transform attribute types (RFC 7296 §3.3.5; RFC 9838 §4.4.2.1.1; IANA).
public enum IKEv2TransformAttributeType {
    public static let keyLength: UInt16 = 14             // TV
    public static let signatureAlgorithmIdentifier: UInt16 = 18 // TLV
}

/// GCAUTH transform IDs (RFC 9838 §4.4.2.1.1; IANA).
public enum GroupControllerAuthenticationMethodID {
    public static let implicit: UInt16 = 1
    public static let digitalSignature: UInt16 = 2
}

/// Notify message types (RFC 7296 §3.10.1; RFC 7383; RFC 9838 §4.7; IANA).
public enum IKEv2NotifyType {
    public static let unsupportedCriticalPayload: UInt16 = 1
    public static let invalidIKESPI: UInt16 = 4
    public static let invalidMajorVersion: UInt16 = 5
    public static let invalidSyntax: UInt16 = 7
    public static let invalidMessageID: UInt16 = 9
    public static let invalidSPI: UInt16 = 11
    public static let noProposalChosen: UInt16 = 14
    public static let invalidKEPayload: UInt16 = 17
    public static let authenticationFailed: UInt16 = 24
    public static let temporaryFailure: UInt16 = 43
    public static let invalidGroupID: UInt16 = 45         // RFC 9838 §4.7.1
    public static let authorizationFailed: UInt16 = 46    // RFC 9838 §4.7.2
    public static let registrationFailed: UInt16 = 49     // RFC 9838 §4.7.3 (IANA)
    public static let initialContact: UInt16 = 16384
    public static let natDetectionSourceIP: UInt16 = 16388
    public static let natDetectionDestinationIP: UInt16 = 16389
    public static let cookie: UInt16 = 16390
    public static let useTransportMode: UInt16 = 16391
    public static let groupSender: UInt16 = 16429         // RFC 9838 §4.7.4
    public static let ikev2FragmentationSupported: UInt16 = 16430
    public static let signatureHashAlgorithms: UInt16 = 16431
}

/// Group SA attributes in a GSA policy substructure (RFC 9838 §4.4.2.2; IANA).
public enum GSAAttributeType {
    public static let keyLifetime: UInt16 = 1          // TLV, 4 octets
    public static let initialMessageID: UInt16 = 2     // TLV, 4 octets
    public static let nextSPI: UInt16 = 3              // TLV, SPI Size octets, multi
}

/// Group-wide policy attributes (RFC 9838 §4.4.3.1; IANA). All TV.
public enum GWPolicyAttributeType {
    public static let activationTimeDelay: UInt16 = 1
    public static let deactivationTimeDelay: UInt16 = 2
    public static let senderIDBits: UInt16 = 3
}

/// Group Key Bag attributes (RFC 9838 §4.5.2.1; IANA).
public enum GroupKeyBagAttributeType {
    public static let saKey: UInt16 = 1 // TLV, Wrapped Key
}

/// Member Key Bag attributes (RFC 9838 §4.5.3; IANA).
public enum MemberKeyBagAttributeType {
    public static let wrapKey: UInt16 = 1     // TLV, Wrapped Key, multi
    public static let authKey: UInt16 = 2     // TLV, DER SubjectPublicKeyInfo
    public static let gmSenderID: UInt16 = 3  // TLV, multi
}
