import GroupPolicy
import XMLSupport

/// Reads the vendor-neutral export (`<gdoi-export xmlns="urn:groupkey:gdoi-export:1">`), shaped
/// on RFC 6407: per group an identity (§5.1), SA KEK (§5.3), SA TEKs (§5.5), GAP (§5.4), a KD
/// policy and the authorization and registration settings around them. Its element reference
/// is Migration/gdoi-export-format.md.
enum NeutralExportReader {
    static let namespace = "urn:groupkey:gdoi-export:1"

    static func read(_ root: XMLElementNode, file: String) -> LegacyExport {
        var context = ReaderContext(file: file)
        if root.namespaceURI != namespace {
            context.report(.invalidValue, .decision, root, "<gdoi-export> is not in namespace \(namespace); read anyway")
        }
        context.items += context.unknownChildren(of: root, known: ["group"], what: "gdoi-export")
        var groups: [LegacyGroup] = []
        for element in root.children(named: "group") {
            var reader = NeutralGroupReader(context: context)
            groups.append(reader.read(element))
        }
        if groups.isEmpty { context.report(.missingElement, .refused, root, "the export holds no <group>") }
        return LegacyExport(file: file, format: .gdoiXML, groups: groups, items: context.items)
    }

    static func cipher(_ token: String, _ keyLength: String?) -> LegacyCipher {
        let bits = Int(keyLength ?? "") ?? 128
        switch token {
        case "des": return .des
        case "3des": return .tripleDES
        case "aes-cbc": return .aesCBC(bits: bits)
        case "aes-gcm": return .aesGCM(bits: bits)
        case "aes-gmac": return .aesGMAC(bits: bits)
        case "null": return .null
        default: return .unknown(token)
        }
    }

    static func hash(_ token: String) -> LegacyHash? {
        ["md5": .md5, "sha1": .sha1, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512][token]
    }
}

struct NeutralGroupReader {
    var context: ReaderContext
    var notes: [ReportItem] = []

    static let knownChildren: Set<String> = ["identity", "key-server", "protocols", "registration", "authorization", "sa-kek",
                                             "sa-tek", "gap", "kd-policy"]

    mutating func read(_ element: XMLElementNode) -> LegacyGroup {
        let name = element.attribute("name") ?? "unnamed"
        var identity = Located(LegacyGroup.Identity.missing, context.location(element))
        if let node = element.child(named: "identity") {
            if let keyID = node.attribute("key-id") {
                identity = context.located(UInt64(keyID).map { .number($0) } ?? .missing, node)
                if UInt64(keyID) == nil { notes.append(context.item(.invalidValue, .refused, node, "key-id \"\(keyID)\" is not a number")) }
            } else if let address = node.attribute("ipv4") {
                identity = context.located(.address(address), node)
            }
        }
        var group = LegacyGroup(name: name, location: context.location(element), format: .gdoiXML, identity: identity)
        notes += context.unknownChildren(of: element, known: Self.knownChildren, what: "group \(name)")
        for node in element.children(named: "key-server") {
            group.keyServers.append(context.located(node.attribute("address") ?? "", node))
        }
        if let node = element.child(named: "protocols") {
            group.servesGDOI = node.attribute("gdoi") != "false"
            if let profile = node.attribute("gikev2-profile") { group.gikev2Profile = context.located(profile, node) }
        }
        readRegistration(element.child(named: "registration"), &group)
        for node in element.child(named: "authorization")?.children ?? [] {
            switch node.name {
            case "member":
                let kind = MemberIdentity.Kind(rawValue: node.attribute("id-type") ?? "") ?? .fqdn
                group.authorization.append(context.located(MemberIdentity(kind: kind, value: node.attribute("value") ?? ""), node))
            case "identity-list":
                group.authorizationLists.append(context.located(node.attribute("name") ?? "list", node))
            default:
                notes.append(context.item(.unknownElement, .decision, node, "<\(node.name)> in <authorization> is not understood"))
            }
        }
        if let node = element.child(named: "sa-kek") { group.kek = readKEK(node) }
        for node in element.children(named: "sa-tek") { group.teks.append(readTEK(node, name)) }
        if let gap = element.child(named: "gap") {
            if let text = gap.attribute("activation-time-delay"), let value = UInt64(text) { group.activationDelay = context.located(value, gap) }
            if let text = gap.attribute("deactivation-time-delay"), let value = UInt64(text) { group.deactivationDelay = context.located(value, gap) }
            if let text = gap.attribute("sender-id-bits"), let value = Int(text) { group.senderIDBits = context.located(value, gap) }
        }
        if let kd = element.child(named: "kd-policy"), let text = kd.attribute("max-members"), let value = UInt64(text) {
            group.memberThreshold = context.located(value, kd)
        }
        group.notes = notes
        return group
    }

    mutating func readRegistration(_ element: XMLElementNode?, _ group: inout LegacyGroup) {
        guard let element else { return }
        for node in element.children {
            switch node.name {
            case "pre-shared-key":
                if node.attribute("value") != nil || !node.trimmedText.isEmpty {
                    notes.append(context.item(.secretReferenced, .decision, node, "a key value is written in the export; it is not copied, only its reference name"))
                }
                group.registration.preSharedKeys.append(context.located((node.attribute("ref") ?? "\(group.name)-psk").referenceSafe, node))
            case "certificate":
                group.registration.certificate = context.located(node.attribute("name") ?? "certificate", node)
            case "phase1":
                guard let hash = NeutralExportReader.hash(node.attribute("hash") ?? "") else {
                    notes.append(context.item(.invalidValue, .refused, node, "phase1 hash \"\(node.attribute("hash") ?? "")\" is unknown; proposal skipped"))
                    continue
                }
                let proposal = LegacyProposal(name: "phase1 \(node.attribute("name") ?? "proposal")",
                                              cipher: NeutralExportReader.cipher(node.attribute("encryption") ?? "", node.attribute("key-length")),
                                              hash: hash, dhGroup: LegacyDHGroup(Int(node.attribute("dh-group") ?? "") ?? 0))
                group.registration.proposals.append(context.located(proposal, node))
            default:
                notes.append(context.item(.unknownElement, .decision, node, "<\(node.name)> in <registration> is not understood"))
            }
        }
    }

    mutating func readKEK(_ node: XMLElementNode) -> LegacyKEK {
        var kek = LegacyKEK(location: context.location(node), transport: .unicast)
        if node.attribute("transport") != "unicast" {
            let port = UInt16(node.attribute("port") ?? "") ?? 848
            kek.transport = .multicast(destination: node.attribute("destination").map { context.located($0, node) }, port: port)
        }
        if let token = node.attribute("encryption") {
            kek.cipher = context.located(NeutralExportReader.cipher(token, node.attribute("key-length")), node)
        }
        if let text = node.attribute("lifetime-seconds") { kek.lifetimeSeconds = UInt64(text).map { context.located($0, node) } }
        if let text = node.attribute("retransmit-count") { kek.retransmitCount = Int(text).map { context.located($0, node) } }
        if let text = node.attribute("retransmit-interval") { kek.retransmitInterval = Int(text).map { context.located($0, node) } }
        if let token = node.attribute("sig-hash") {
            if let hash = NeutralExportReader.hash(token) {
                kek.signatureHash = context.located(hash, node)
            } else {
                notes.append(context.item(.invalidValue, .refused, node, "sig-hash \"\(token)\" is unknown"))
            }
        }
        if let key = node.attribute("signing-key") { kek.signingKey = context.located(key, node) }
        return kek
    }

    mutating func readTEK(_ node: XMLElementNode, _ group: String) -> LegacyTEK {
        var tek = LegacyTEK(name: node.attribute("name") ?? "\(group)-tek", location: context.location(node))
        if let token = node.attribute("encryption") {
            tek.cipher = context.located(NeutralExportReader.cipher(token, node.attribute("key-length")), node)
        }
        if let token = node.attribute("integrity") {
            if let hash = NeutralExportReader.hash(token) {
                tek.integrity = context.located(hash, node)
            } else {
                notes.append(context.item(.invalidValue, .refused, node, "integrity \"\(token)\" is unknown"))
            }
        }
        if let text = node.attribute("lifetime-seconds") { tek.lifetimeSeconds = UInt64(text).map { context.located($0, node) } }
        tek.transportMode = node.attribute("mode") == "transport"
        for child in node.children {
            switch child.name {
            case "selector": readSelector(child, into: &tek)
            case "anti-replay": tek.replay = readReplay(child)
            default: notes.append(context.item(.unknownElement, .decision, child, "<\(child.name)> in <sa-tek> is not understood"))
            }
        }
        return tek
    }

    mutating func readReplay(_ node: XMLElementNode) -> Located<LegacyTEK.Replay>? {
        guard let window = UInt64(node.attribute("window") ?? "") else {
            notes.append(context.item(.invalidValue, .refused, node, "anti-replay window is not a number"))
            return nil
        }
        if node.attribute("type") == "time" {
            let unit = node.attribute("unit") ?? "s"
            let factor: UInt64 = unit == "ms" ? 1 : 1000
            return context.located(.time(milliseconds: window * factor, deviceUnit: unit == "ms" ? "ms" : "s"), node)
        }
        return context.located(.counter(window: window), node)
    }

    mutating func readSelector(_ node: XMLElementNode, into tek: inout LegacyTEK) {
        let protocolText = node.attribute("protocol") ?? "any"
        let protocolNumber: UInt8?? = protocolText == "any" ? .some(nil) : NamedPortsAndProtocols.protocolNumber(protocolText)
        guard let source = IPPrefix(node.attribute("source") ?? "0.0.0.0/0"),
              let destination = IPPrefix(node.attribute("destination") ?? "0.0.0.0/0"),
              let sourcePorts = PortRange(node.attribute("source-ports") ?? "0-65535"), sourcePorts.isValid,
              let destinationPorts = PortRange(node.attribute("destination-ports") ?? "0-65535"), destinationPorts.isValid,
              let protocolNumber else {
            notes.append(context.item(.invalidValue, .refused, node, "selector has an invalid prefix, port range or protocol; skipped"))
            return
        }
        tek.selectors.append(LegacySelector(permit: node.attribute("action") != "deny", ipProtocol: protocolNumber, source: source,
                                            destination: destination, sourcePorts: [sourcePorts], destinationPorts: [destinationPorts],
                                            location: context.location(node)))
    }
}
