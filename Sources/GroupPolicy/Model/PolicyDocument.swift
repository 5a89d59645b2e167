/// What one policy file holds: declarations shared by its groups, and the groups.
public struct PolicyDocument: Sendable, Equatable {
    public var trustAnchors: [TrustAnchor]
    public var memberLists: [MemberList]
    public var groups: [GroupDefinition]

    public init(trustAnchors: [TrustAnchor] = [], memberLists: [MemberList] = [], groups: [GroupDefinition] = []) {
        self.trustAnchors = trustAnchors
        self.memberLists = memberLists
        self.groups = groups
    }
}

/// A certificate authority, by name, whose certificate lives in a PEM file beside the policies.
public struct TrustAnchor: Sendable, Equatable {
    public var name: String
    /// Path of the PEM file, relative to the policy file.
    public var file: String

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }
}

/// A named list of member identities that groups may authorise.
public struct MemberList: Sendable, Equatable {
    public var name: String
    public var members: [MemberIdentity]

    public init(name: String, members: [MemberIdentity]) {
        self.name = name
        self.members = members
    }
}

/// The identity a member registers with (its IKE IDi), in the RFC 7296 §3.5 ID types.
public struct MemberIdentity: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case keyID = "key-id"
        case ipv4 = "ipv4"
        case ipv6 = "ipv6"
        case fqdn = "fqdn"
        case rfc822 = "rfc822"
        case distinguishedName = "dn"
    }

    public var kind: Kind
    /// The text form; hex for key-id.
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }
}
