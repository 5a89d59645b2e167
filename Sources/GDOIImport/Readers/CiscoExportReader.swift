import GroupPolicy
import XMLSupport

/// Reads a Cisco IOS-XE native-model export (gdoi-xml-exports.md §a): `<rpc-reply><data><native>`
/// from NETCONF, or a bare `<native>` from RESTCONF. Groups come from both `crypto gdoi group`
/// and `crypto gkm group`, which share one identity namespace.
enum CiscoExportReader {
    static func read(_ root: XMLElementNode, file: String) -> LegacyExport {
        var context = ReaderContext(file: file)
        guard let native = nativeElement(root) else {
            context.report(.missingElement, .refused, root, "no <native> element under <\(root.name)>")
            return LegacyExport(file: file, format: .cisco, groups: [], items: context.items)
        }
        let acls = CiscoACLReader.read(native, context)
        let cryptoElement = native.child(named: "crypto")
        let crypto = CiscoCryptoReader.read(cryptoElement, context)
        context.items += crypto.items
        var groups: [LegacyGroup] = []
        for list in ["gdoi", "gkm"] {
            // Groups are read independently (in parallel); each reader starts with no items of its
            // own, and results are collected in document order.
            let elements = cryptoElement?.child(named: list)?.children(named: "group") ?? []
            let readings = ParallelMap.map(elements) { element -> (LegacyGroup?, [ReportItem]) in
                var reader = CiscoGroupReader(context: ReaderContext(file: file), acls: acls, crypto: crypto, list: list)
                let group = reader.read(element)
                return (group, reader.context.items)
            }
            for (group, items) in readings {
                if let group { groups.append(group) }
                context.items += items
            }
        }
        if groups.isEmpty {
            context.report(.missingElement, .refused, cryptoElement ?? native,
                           "no crypto gdoi/gkm group with a key-server (server local) configuration in this export")
        }
        return LegacyExport(file: file, format: .cisco, groups: groups, items: context.items)
    }

    static func nativeElement(_ root: XMLElementNode) -> XMLElementNode? {
        if root.name == "native" { return root }
        if root.name == "data" { return root.child(named: "native") }
        return root.descend("data", "native")
    }
}

/// Reads one `group` of `crypto gdoi` or `crypto gkm` (crypto-gdio-grouping +
/// crypto-gkm-local-server-grouping, gdoi-xml-exports.md §a "GDOI group (key-server side)").
struct CiscoGroupReader {
    var context: ReaderContext
    let acls: [String: CiscoAccessList]
    let crypto: CiscoCrypto
    let list: String
    var notes: [ReportItem] = []

    init(context: ReaderContext, acls: [String: CiscoAccessList], crypto: CiscoCrypto, list: String) {
        self.context = context
        self.acls = acls
        self.crypto = crypto
        self.list = list
    }

    static let knownGroupChildren: Set<String> = ["name", "ipv6", "identity", "passive", "client", "server"]
    static let knownLocalChildren: Set<String> = ["address", "pfs", "gdoi", "gikev2", "authorization", "group", "identifier",
                                                  "redundancy", "registration", "rekey", "sa"]

    mutating func read(_ element: XMLElementNode) -> LegacyGroup? {
        let name = element.value("name") ?? "unnamed"
        guard let server = element.child(named: "server"), let local = server.child(named: "local") else {
            // A group-member (client) definition: the key server's export is what gets imported.
            context.report(.noEquivalent, .changed, element,
                           "\(list) group \(name) has no `server local` (a group-member configuration); not imported")
            return nil
        }
        var group = LegacyGroup(name: name, location: context.location(element), format: .cisco,
                                identity: identity(element, name))
        notes += context.unknownChildren(of: element, known: Self.knownGroupChildren, what: "group \(name)")
        notes += context.unknownChildren(of: local, known: Self.knownLocalChildren, what: "group \(name) server local")
        if let ipv6 = element.child(named: "ipv6") {
            notes.append(context.item(.noEquivalent, .decision, ipv6, "group \(name) is an IPv6 group; its IPv6 match ACLs are not in the export format read here"))
        }
        if let passive = element.child(named: "passive") {
            notes.append(context.item(.noEquivalent, .decision, passive, "group \(name): passive SA mode (members receive but do not encrypt) has no G-IKEv2 equivalent"))
        }
        if let address = local.value("address", "ipv4"), let node = local.descend("address", "ipv4") {
            group.keyServers.append(context.located(address, node))
        }
        readRedundancy(local, &group)
        group.servesGDOI = local.has("gdoi") || !local.has("gikev2")
        if let profile = local.child(named: "gikev2") { group.gikev2Profile = context.located(profile.trimmedText, profile) }
        readRegistration(&group)
        readAuthorization(local, &group)
        readSenderID(local, &group)
        if let rekey = local.child(named: "rekey") { group.kek = readRekey(rekey, name) }
        if let sa = local.child(named: "sa") { readSAs(sa, &group) }
        for (leaf, text) in [("pfs", "PFS on the registration SA"), ("registration", "registration interface / CRL settings")] {
            if let node = local.child(named: leaf) {
                notes.append(context.item(.noEquivalent, .changed, node, "group \(name): \(text) is not part of a group policy; not carried"))
            }
        }
        group.notes = notes
        return group
    }

    func identity(_ element: XMLElementNode, _ name: String) -> Located<LegacyGroup.Identity> {
        guard let identity = element.child(named: "identity") else {
            return Located(.missing, context.location(element))
        }
        if let node = identity.child(named: "number") {
            if let number = UInt64(node.trimmedText) { return context.located(.number(number), node) }
            return context.located(.missing, node)
        }
        if let node = identity.descend("address", "ipv4") { return context.located(.address(node.trimmedText), node) }
        return context.located(.missing, identity)
    }

    /// `redundancy`: peers in either spelling (single `ipv4` ≤17.14, leaf-list `ipv4-addr` 17.15+);
    /// the peers join the key-server list, priority and COOP protocol settings have no equivalent.
    mutating func readRedundancy(_ local: XMLElementNode, _ group: inout LegacyGroup) {
        guard let redundancy = local.child(named: "redundancy") else { return }
        for peer in redundancy.children(named: "peer") {
            for address in peer.children(named: "address") {
                for node in address.children where node.name == "ipv4" || node.name == "ipv4-addr" {
                    group.keyServers.append(context.located(node.trimmedText, node))
                }
            }
        }
        if let priority = redundancy.descend("local", "priority") {
            notes.append(context.item(.noEquivalent, .changed, priority,
                                      "group \(group.name): COOP priority \(priority.trimmedText) has no equivalent; groupkey servers share one key store instead of electing a primary"))
        }
        if let protocolNode = redundancy.child(named: "protocol") {
            notes.append(context.item(.noEquivalent, .changed, protocolNode, "group \(group.name): COOP protocol settings are not carried"))
        }
    }

    /// GDOI registration uses ISAKMP (policies and keys of the whole box); G-IKEv2 registration
    /// uses the IKEv2 profile named by `server local gikev2`.
    mutating func readRegistration(_ group: inout LegacyGroup) {
        if group.servesGDOI {
            group.registration.proposals = crypto.isakmpProposals
            if crypto.isakmpPreShare { group.registration.preSharedKeys += crypto.isakmpKeys }
            group.registration.certificate = crypto.isakmpCertificate
        }
        if let profileName = group.gikev2Profile {
            if let profile = crypto.ikev2Profiles[profileName.value] {
                group.registration.preSharedKeys += profile.keyRefs
                group.registration.certificate = group.registration.certificate ?? profile.certificate
            } else {
                notes.append(ReportItem(.missingReference, .refused, at: profileName.location,
                                        "group \(group.name): IKEv2 profile \(profileName.value) is not in the export"))
            }
        }
    }

    /// `authorization/address/ipv4` names a standard ACL of member addresses;
    /// `authorization/identity` names a crypto identity list.
    mutating func readAuthorization(_ local: XMLElementNode, _ group: inout LegacyGroup) {
        guard let authorization = local.child(named: "authorization") else { return }
        if let node = authorization.descend("address", "ipv4") {
            let name = node.trimmedText
            guard let acl = acls[name] else {
                notes.append(context.item(.missingReference, .refused, node,
                                          "group \(group.name): authorization ACL \(name) is not in the export; any authenticated member may join until it is fixed"))
                return
            }
            notes += acl.problems
            for selector in acl.selectors {
                if !selector.permit {
                    notes.append(ReportItem(.denyLineAsBypass, .decision, at: selector.location,
                                            "group \(group.name): authorization ACL \(name) denies \(selector.source); a native authorization list only lists who may join, so this line is dropped"))
                } else if selector.source.length == 32 {
                    group.authorization.append(Located(MemberIdentity(kind: .ipv4, value: selector.source.network.description), selector.location))
                } else {
                    notes.append(ReportItem(.selectorNotExpressible, .decision, at: selector.location,
                                            "group \(group.name): authorization ACL \(name) permits the range \(selector.source); native authorization lists hold single identities, so list the members"))
                }
            }
        }
        if let node = authorization.child(named: "identity") {
            group.authorizationLists.append(context.located(node.trimmedText, node))
        }
    }

    /// `group size {small|medium|large}` (Suite B): Sender-ID bits 8, 12 or 16 (RFC 6054 §3).
    /// KSSIDs are per-server Sender-ID partitions; groupkey allocates Sender-IDs from one store.
    mutating func readSenderID(_ local: XMLElementNode, _ group: inout LegacyGroup) {
        if let size = local.descend("group", "size") {
            let bits: [String: Int] = ["small": 8, "medium": 12, "large": 16]
            if let child = size.children.first, let value = bits[child.name] {
                group.senderIDBits = context.located(value, child)
            } else {
                notes.append(context.item(.invalidValue, .refused, size, "group \(group.name): group size is none of small, medium, large"))
            }
        }
        if let identifier = local.child(named: "identifier") {
            notes.append(context.item(.noEquivalent, .changed, identifier,
                                      "group \(group.name): KSSID assignment (identifier \(identifier.children.map { $0.name }.joined(separator: ","))) is not needed: one key store allocates every Sender-ID"))
        }
    }
}
