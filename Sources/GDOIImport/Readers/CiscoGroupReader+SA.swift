import GroupPolicy
import XMLSupport

/// The KEK (`server local rekey`) and the TEKs (`server local sa ipsec N`) of a Cisco group.
extension CiscoGroupReader {
    static let knownRekeyChildren: Set<String> = ["acknowledgement", "address", "algorithm", "authentication", "lifetime",
                                                  "retransmit", "sig-hash", "transport"]

    mutating func readRekey(_ rekey: XMLElementNode, _ name: String) -> LegacyKEK {
        appendNotes(context.unknownChildren(of: rekey, known: Self.knownRekeyChildren, what: "group \(name) rekey"))
        var kek = LegacyKEK(location: context.location(rekey), transport: .unicast)
        if rekey.descend("transport", "unicast") == nil {
            let found = rekeyDestination(rekey, name)
            kek.transport = .multicast(destination: found?.destination, port: found?.port ?? 848)
        }
        if let algorithm = rekey.child(named: "algorithm") { kek.cipher = rekeyCipher(algorithm) }
        if let lifetime = rekey.child(named: "lifetime") {
            if let node = lifetime.child(named: "seconds"), let value = UInt64(node.trimmedText) {
                kek.lifetimeSeconds = context.located(value, node)
            } else if let node = lifetime.child(named: "days"), let value = UInt64(node.trimmedText) {
                kek.lifetimeSeconds = context.located(value * 86_400, node)
                appendNotes([context.item(.unitConverted, .changed, node, "group \(name): rekey lifetime \(value) day(s) written as \(value * 86_400) s")])
            } else {
                appendNotes([context.item(.invalidValue, .refused, lifetime, "group \(name): rekey lifetime is neither seconds nor days")])
            }
        }
        if let retransmit = rekey.child(named: "retransmit") {
            if let node = retransmit.child(named: "seconds"), let value = Int(node.trimmedText) {
                kek.retransmitInterval = context.located(value, node)
            }
            if let node = retransmit.child(named: "number"), let value = Int(node.trimmedText) {
                kek.retransmitCount = context.located(value, node)
            }
            if let node = retransmit.child(named: "periodic") {
                appendNotes([context.item(.noEquivalent, .decision, node,
                                          "group \(name): periodic rekey retransmission (repeat until the next rekey) has no equivalent; a fixed count is used")])
            }
        }
        if let node = rekey.descend("sig-hash", "algorithm") {
            let hashes: [String: LegacyHash] = ["sha": .sha1, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512]
            if let hash = hashes[node.trimmedText] {
                kek.signatureHash = context.located(hash, node)
            } else {
                appendNotes([context.item(.invalidValue, .refused, node, "group \(name): sig-hash \"\(node.trimmedText)\" is unknown")])
            }
        }
        if let node = rekey.descend("authentication", "mypubkey", "rsa") {
            kek.signingKey = context.located(node.trimmedText, node)
        }
        if let node = rekey.child(named: "acknowledgement") {
            appendNotes([context.item(.noEquivalent, .changed, node,
                                      "group \(name): rekey acknowledgement \(node.trimmedText) is not configurable; groupkey accepts RFC 8263 GROUPKEY-PUSH-ACK from GDOI members and needs none from G-IKEv2 members")])
        }
        return kek
    }

    /// `rekey address ipv4 ACL`: the permit line's destination is the multicast group the KS
    /// pushes to; it is the rekey destination, never a traffic selector.
    mutating func rekeyDestination(_ rekey: XMLElementNode, _ name: String) -> (destination: Located<String>, port: UInt16)? {
        guard let node = rekey.descend("address", "ipv4") else {
            appendNotes([context.item(.missingElement, .decision, rekey,
                                      "group \(name): multicast rekey without `rekey address ipv4 ACL` names no destination")])
            return nil
        }
        guard let acl = acls[node.trimmedText] else {
            appendNotes([context.item(.missingReference, .refused, node, "group \(name): rekey ACL \(node.trimmedText) is not in the export")])
            return nil
        }
        appendNotes(acl.problems)
        guard let permit = acl.selectors.first(where: \.permit) else {
            appendNotes([context.item(.missingElement, .refused, node, "group \(name): rekey ACL \(acl.name) has no permit line")])
            return nil
        }
        if acl.selectors.filter(\.permit).count > 1 {
            appendNotes([ReportItem(.noEquivalent, .decision, at: acl.location,
                                    "group \(name): rekey ACL \(acl.name) has several permit lines; only the first destination (\(permit.destination)) is used")])
        }
        // The ACL line is `permit udp host KS eq 848 host GROUP eq 848`; a single destination
        // port is the rekey port, anything else means the default 848 (RFC 6407 §3.1).
        let ports = permit.destinationPorts
        let port = ports.count == 1 && ports[0].lower == ports[0].upper ? ports[0].lower : 848
        return (Located(permit.destination.network.description, permit.location), port)
    }

    /// `algorithm/{a3des-cbc | des-cbc | aes N (17.15+) | aes-128|aes-192|aes-256 (≤17.14)}`.
    func rekeyCipher(_ algorithm: XMLElementNode) -> Located<LegacyCipher>? {
        guard let choice = algorithm.children.first else { return nil }
        let cipher: LegacyCipher
        switch choice.name {
        case "a3des-cbc", "3des-cbc": cipher = .tripleDES
        case "des-cbc": cipher = .des
        case "aes": cipher = .aesCBC(bits: Int(choice.trimmedText) ?? 128)
        case "aes-128": cipher = .aesCBC(bits: 128)
        case "aes-192": cipher = .aesCBC(bits: 192)
        case "aes-256": cipher = .aesCBC(bits: 256)
        default: cipher = .unknown(choice.name)
        }
        return context.located(cipher, choice)
    }

    mutating func appendNotes(_ items: [ReportItem]) {
        notes += items
    }

    static let knownSAChildren: Set<String> = ["d3p", "ipsec", "pair-wise-keying", "receive-only"]
    static let knownIPsecChildren: Set<String> = ["sequence", "match", "profile", "replay", "tag"]

    /// `sa ipsec {sequence}`: profile → transform set(s) and lifetime; match ACL → selectors;
    /// replay counter/time.
    mutating func readSAs(_ sa: XMLElementNode, _ group: inout LegacyGroup) {
        let name = group.name
        appendNotes(context.unknownChildren(of: sa, known: Self.knownSAChildren, what: "group \(name) sa"))
        for (leaf, text) in [("receive-only", "receive-only mode (members decrypt but do not encrypt)"),
                             ("d3p", "IP delivery delay protection (IP-D3P)"),
                             ("pair-wise-keying", "pair-wise keying")] {
            if let node = sa.child(named: leaf) {
                appendNotes([context.item(.noEquivalent, .decision, node, "group \(name): \(text) has no G-IKEv2 equivalent and is not carried")])
            }
        }
        for entry in sa.children(named: "ipsec") {
            let sequence = entry.value("sequence") ?? "\(group.teks.count + 1)"
            appendNotes(context.unknownChildren(of: entry, known: Self.knownIPsecChildren, what: "group \(name) sa ipsec \(sequence)"))
            var tek = LegacyTEK(name: "\(name)-\(sequence)", location: context.location(entry))
            if let profileNode = entry.child(named: "profile") {
                readProfile(profileNode, into: &tek, name)
            } else {
                appendNotes([context.item(.missingElement, .refused, entry, "group \(name) sa ipsec \(sequence) names no IPsec profile")])
            }
            if let node = entry.descend("match", "address", "ipv4") {
                if let acl = acls[node.trimmedText] {
                    appendNotes(acl.problems)
                    tek.selectors = acl.selectors
                } else {
                    appendNotes([context.item(.missingReference, .refused, node,
                                              "group \(name) sa ipsec \(sequence): match ACL \(node.trimmedText) is not in the export")])
                }
            } else if let node = entry.descend("match", "address", "ipv6") {
                appendNotes([context.item(.selectorNotExpressible, .decision, node,
                                          "group \(name) sa ipsec \(sequence): IPv6 match ACL \(node.trimmedText) is not read by this importer")])
            }
            if let node = entry.descend("replay", "counter", "window-size"), let window = UInt64(node.trimmedText) {
                tek.replay = context.located(.counter(window: window), node)
            } else if let node = entry.descend("replay", "time", "window-size"), let seconds = UInt64(node.trimmedText) {
                // Cisco time-based anti-replay window is in seconds (1..100).
                tek.replay = context.located(.time(milliseconds: seconds * 1000, deviceUnit: "s"), node)
            }
            if let node = entry.child(named: "tag") {
                appendNotes([context.item(.noEquivalent, .changed, node, "group \(name) sa ipsec \(sequence): Cisco TrustSec SGT inline tagging is not carried")])
            }
            group.teks.append(tek)
        }
    }

    mutating func readProfile(_ node: XMLElementNode, into tek: inout LegacyTEK, _ name: String) {
        guard let profile = crypto.profiles[node.trimmedText] else {
            appendNotes([context.item(.missingReference, .refused, node, "group \(name): IPsec profile \(node.trimmedText) is not in the export")])
            return
        }
        appendNotes(profile.notes)
        tek.lifetimeSeconds = profile.lifetimeSeconds
        guard let first = profile.transformSets.first else {
            appendNotes([ReportItem(.missingElement, .refused, at: profile.location, "group \(name): IPsec profile \(node.trimmedText) sets no transform set")])
            return
        }
        for extra in profile.transformSets.dropFirst() {
            appendNotes([ReportItem(.noEquivalent, .changed, at: extra.location,
                                    "group \(name): a key server hands out its profile's first transform set only; \(extra.value) is not used")])
        }
        guard let set = crypto.transformSets[first.value] else {
            appendNotes([ReportItem(.missingReference, .refused, at: first.location, "group \(name): transform set \(first.value) is not in the export")])
            return
        }
        tek.cipher = set.cipher
        tek.integrity = set.integrity
        tek.transportMode = set.transportMode
    }
}
