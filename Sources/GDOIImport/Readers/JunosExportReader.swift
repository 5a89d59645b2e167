import GroupPolicy
import XMLSupport

/// Reads a Junos group VPN server configuration (gdoi-xml-exports.md §b): the output of
/// `show configuration security group-vpn | display xml` (`<rpc-reply><configuration>`), a
/// whole `<configuration>`, or a bare `<group-vpn>`. Junos writes no namespaces on
/// configuration elements; a NETCONF/YANG fetch adds one, which the reader ignores.
enum JunosExportReader {
    static func read(_ root: XMLElementNode, file: String) -> LegacyExport {
        var context = ReaderContext(file: file)
        guard let server = serverElement(root) else {
            context.report(.missingElement, .refused, root, "no security/group-vpn/server in this configuration (a member-only device has nothing to import)")
            return LegacyExport(file: file, format: .junos, groups: [], items: context.items)
        }
        let ike = JunosIKE.read(server.child(named: "ike"), &context)
        var ipsecProposals: [String: XMLElementNode] = [:]
        for proposal in server.child(named: "ipsec")?.children(named: "proposal") ?? [] {
            if let name = proposal.value("name") { ipsecProposals[name] = proposal }
        }
        var groups: [LegacyGroup] = []
        for element in server.children(named: "group") {
            var reader = JunosGroupReader(context: context, ike: ike, ipsecProposals: ipsecProposals)
            groups.append(reader.read(element))
        }
        if groups.isEmpty { context.report(.missingElement, .refused, server, "the group-vpn server defines no group") }
        return LegacyExport(file: file, format: .junos, groups: groups, items: context.items)
    }

    static func serverElement(_ root: XMLElementNode) -> XMLElementNode? {
        var node = root
        if node.name == "rpc-reply", let data = node.child(named: "data") { node = data }
        if node.name == "rpc-reply" || node.name == "data", let configuration = node.child(named: "configuration") { node = configuration }
        if node.name == "configuration", let security = node.child(named: "security") { node = security }
        if node.name == "security", let vpn = node.child(named: "group-vpn") { node = vpn }
        return node.name == "group-vpn" ? node.child(named: "server") : nil
    }

    /// Names in Junos lists appear as `<x><name>N</name>…</x>`, leaf-lists as `<x>N</x>`.
    static func names(_ elements: [XMLElementNode]) -> [(String, XMLElementNode)] {
        elements.compactMap { element in
            let name = element.value("name") ?? element.trimmedText
            return name.isEmpty ? nil : (name, element)
        }
    }

    static func cipher(_ token: String) -> LegacyCipher {
        switch token {
        case "des-cbc": return .des
        case "3des-cbc": return .tripleDES
        case "aes-128-cbc": return .aesCBC(bits: 128)
        case "aes-192-cbc": return .aesCBC(bits: 192)
        case "aes-256-cbc": return .aesCBC(bits: 256)
        case "aes-128-gcm": return .aesGCM(bits: 128)
        case "aes-192-gcm": return .aesGCM(bits: 192)
        case "aes-256-gcm": return .aesGCM(bits: 256)
        default: return .unknown(token)
        }
    }

    static func hash(_ token: String) -> LegacyHash? {
        switch token {
        case "md5", "hmac-md5-96": return .md5
        case "sha1", "hmac-sha1-96": return .sha1
        case "sha-256", "hmac-sha-256-128": return .sha256
        case "sha-384", "hmac-sha-384-192": return .sha384
        case "sha-512", "hmac-sha-512-256": return .sha512
        default: return nil
        }
    }
}

/// `group-vpn server ike`: proposals, policies (pre-shared key or certificate) and gateways
/// (one per member, or a dynamic one).
struct JunosIKE {
    struct Gateway {
        var location: SourceLocation
        var policy: String?
        var member: MemberIdentity?
        var localAddress: Located<String>?
        var remoteAddress: Located<String>?
    }

    var proposals: [String: Located<LegacyProposal>] = [:]
    var policies: [String: XMLElementNode] = [:]
    var gateways: [String: Gateway] = [:]

    static func read(_ ike: XMLElementNode?, _ context: inout ReaderContext) -> JunosIKE {
        var result = JunosIKE()
        guard let ike else { return result }
        for proposal in ike.children(named: "proposal") {
            guard let name = proposal.value("name") else { continue }
            let hashToken = proposal.value("authentication-algorithm") ?? "sha-256"
            guard let hash = JunosExportReader.hash(hashToken) else {
                context.report(.invalidValue, .refused, proposal, "IKE proposal \(name): authentication-algorithm \(hashToken) is unknown")
                continue
            }
            let groupToken = proposal.value("dh-group") ?? "group14"
            let number = Int(groupToken.filter(\.isNumber)) ?? 0
            let cipher = JunosExportReader.cipher(proposal.value("encryption-algorithm") ?? "aes-128-cbc")
            result.proposals[name] = context.located(LegacyProposal(name: "IKE proposal \(name)", cipher: cipher, hash: hash,
                                                                    dhGroup: LegacyDHGroup(number)), proposal)
        }
        for policy in ike.children(named: "policy") {
            if let name = policy.value("name") { result.policies[name] = policy }
        }
        for gateway in ike.children(named: "gateway") {
            guard let name = gateway.value("name") else { continue }
            var entry = Gateway(location: context.location(gateway), policy: gateway.value("ike-policy"))
            if let address = gateway.child(named: "address") {
                let text = address.value("name") ?? address.trimmedText
                entry.remoteAddress = context.located(text, address)
                if let parsed = IPAddress(text) {
                    entry.member = MemberIdentity(kind: parsed.isIPv4 ? .ipv4 : .ipv6, value: parsed.description)
                }
            } else if let dynamic = gateway.child(named: "dynamic") {
                if let host = dynamic.value("hostname") {
                    entry.member = MemberIdentity(kind: .fqdn, value: host)
                } else if let user = dynamic.value("user-at-hostname") {
                    entry.member = MemberIdentity(kind: .rfc822, value: user)
                } else if let inet = dynamic.value("inet"), let parsed = IPAddress(inet) {
                    entry.member = MemberIdentity(kind: .ipv4, value: parsed.description)
                }
            }
            if let local = gateway.child(named: "local-address") { entry.localAddress = context.located(local.trimmedText, local) }
            result.gateways[name] = entry
        }
        return result
    }
}
