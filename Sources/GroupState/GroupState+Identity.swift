import GroupPolicy

/// Identification types shared by IKEv1 (RFC 2407 §4.6.2.1) and IKEv2 (RFC 7296 §3.5): the
/// numbers coincide for the forms a group identity takes, so one matcher serves both protocols.
public enum IdentificationType {
    public static let ipv4Address: UInt8 = 1
    public static let fqdn: UInt8 = 2
    public static let rfc822Address: UInt8 = 3
    public static let ipv6Address: UInt8 = 5
    public static let keyID: UInt8 = 11
}

extension GroupState {
    /// Whether an identification (type number and data as received) names this group: its IDg
    /// (RFC 9838 §4.2), or by default ID_KEY_ID holding the GDOI number as 4 octets big-endian.
    public func isNamed(idType: UInt8, data: [UInt8]) -> Bool {
        guard let idg = definition.identity.effectiveIDg else { return false }
        let (type, expected) = Self.identification(of: idg)
        guard type == idType else { return false }
        switch idType {
        case IdentificationType.fqdn, IdentificationType.rfc822Address:
            return expected == Array(String(decoding: data, as: UTF8.self).lowercased().utf8)
        default:
            return expected == data
        }
    }

    /// The (type, data) form of a policy IDg. FQDN and RFC822 are lower-cased in the policy, and
    /// compared case-insensitively (RFC 4343) by lower-casing what arrives.
    static func identification(of idg: GroupIDg) -> (UInt8, [UInt8]) {
        switch idg {
        case .keyID(let bytes): return (IdentificationType.keyID, bytes)
        case .ipv4(let address): return (IdentificationType.ipv4Address, address.octets)
        case .ipv6(let address): return (IdentificationType.ipv6Address, address.octets)
        case .fqdn(let name): return (IdentificationType.fqdn, Array(name.utf8))
        case .rfc822(let name): return (IdentificationType.rfc822Address, Array(name.utf8))
        }
    }

    /// Whether the policy lets `member` (its ID type and data as received) join. An empty
    /// authorization list admits every member that authenticated (GroupDefinition.authorization).
    /// `certificateSubject` is the subject of the certificate the member authenticated with, which
    /// `dn` entries name.
    public func authorizes(idType: UInt8, data: [UInt8], memberLists: [MemberList] = [],
                           certificateSubject: String? = nil) -> Bool {
        let entries = definition.authorization
        guard !entries.isEmpty else { return true }
        for entry in entries {
            switch entry {
            case .member(let identity):
                if Self.matches(identity, idType: idType, data: data, subject: certificateSubject) { return true }
            case .memberList(let name):
                for list in memberLists where list.name == name {
                    if list.members.contains(where: { Self.matches($0, idType: idType, data: data, subject: certificateSubject) }) {
                        return true
                    }
                }
            }
        }
        return false
    }

    static func matches(_ identity: MemberIdentity, idType: UInt8, data: [UInt8], subject: String?) -> Bool {
        switch identity.kind {
        case .keyID:
            return idType == IdentificationType.keyID && GroupIDg(type: "key-id", value: identity.value) == .keyID(data)
        case .ipv4:
            return idType == IdentificationType.ipv4Address && IPAddress(identity.value)?.octets == data
        case .ipv6:
            return idType == IdentificationType.ipv6Address && IPAddress(identity.value)?.octets == data
        case .fqdn:
            return idType == IdentificationType.fqdn && identity.value.lowercased() == String(decoding: data, as: UTF8.self).lowercased()
        case .rfc822:
            return idType == IdentificationType.rfc822Address
                && identity.value.lowercased() == String(decoding: data, as: UTF8.self).lowercased()
        case .distinguishedName:
            // The subject of a certificate that verified, compared without case or spacing.
            guard let subject else { return false }
            return normalizedDN(identity.value) == normalizedDN(subject)
        }
    }

    static func normalizedDN(_ text: String) -> String {
        text.lowercased().filter { !$0.isWhitespace }
    }
}
