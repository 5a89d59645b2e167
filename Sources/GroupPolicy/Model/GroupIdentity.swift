/// How members name the group. GDOI carries a 4-octet ID_KEY_ID (RFC 6407 §5.1); G-IKEv2 carries
/// an IDg of one of the RFC 9838 §4.2 types. Without an explicit IDg, a G-IKEv2 member names the
/// group by ID_KEY_ID holding the GDOI number as 4 octets big-endian (the project's convention).
public struct GroupIdentity: Sendable, Equatable {
    public var gdoiID: UInt32?
    public var idg: GroupIDg?

    public init(gdoiID: UInt32? = nil, idg: GroupIDg? = nil) {
        self.gdoiID = gdoiID
        self.idg = idg
    }

    /// The IDg a G-IKEv2 member must send, explicit or derived from the GDOI number.
    public var effectiveIDg: GroupIDg? {
        if let idg { return idg }
        guard let gdoiID else { return nil }
        return .keyID(withUnsafeBytes(of: gdoiID.bigEndian) { Array($0) })
    }
}

/// The IDg forms RFC 9838 §4.2 expects: ID_KEY_ID MUST, the others SHOULD.
public enum GroupIDg: Sendable, Hashable, CustomStringConvertible {
    case keyID([UInt8])
    case ipv4(IPAddress)
    case ipv6(IPAddress)
    case fqdn(String)
    case rfc822(String)

    /// The XML `type` token.
    public var typeToken: String {
        switch self {
        case .keyID: return "key-id"
        case .ipv4: return "ipv4"
        case .ipv6: return "ipv6"
        case .fqdn: return "fqdn"
        case .rfc822: return "rfc822"
        }
    }

    /// The XML `value` text: lower-case hex for key-id.
    public var valueText: String {
        switch self {
        case .keyID(let bytes): return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .ipv4(let address), .ipv6(let address): return address.description
        case .fqdn(let name), .rfc822(let name): return name
        }
    }

    public var description: String { "\(typeToken):\(valueText)" }

    /// Parses the XML form. FQDN and RFC822 compare case-insensitively (RFC 4343), so they are
    /// stored lower-cased.
    public init?(type: String, value: String) {
        switch type {
        case "key-id":
            guard let bytes = Self.hexBytes(value), !bytes.isEmpty else { return nil }
            self = .keyID(bytes)
        case "ipv4":
            guard let address = IPAddress(value), address.isIPv4 else { return nil }
            self = .ipv4(address)
        case "ipv6":
            guard let address = IPAddress(value), !address.isIPv4 else { return nil }
            self = .ipv6(address)
        case "fqdn":
            guard !value.isEmpty, !value.contains("@") else { return nil }
            self = .fqdn(value.lowercased())
        case "rfc822":
            guard value.contains("@") else { return nil }
            self = .rfc822(value.lowercased())
        default:
            return nil
        }
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        let hexDigits = Set("0123456789abcdefABCDEF".utf8)
        guard digits.count % 2 == 0, digits.allSatisfy(hexDigits.contains) else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}
