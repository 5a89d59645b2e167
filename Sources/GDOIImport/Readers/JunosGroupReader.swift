import GroupPolicy
import XMLSupport

/// One `group-vpn server group {name}` (junos-es-conf-security 24.4, gdoi-xml-exports.md §b).
struct JunosGroupReader {
    var context: ReaderContext
    let ike: JunosIKE
    let ipsecProposals: [String: XMLElementNode]
    var notes: [ReportItem] = []

    static let knownChildren: Set<String> = ["name", "description", "group-id", "member-threshold", "server-cluster", "ike-gateway",
                                             "activation-time-delay", "anti-replay-time-window", "no-anti-replay", "server-address",
                                             "server-member-communication", "ipsec-sa"]

    static let knownCommunicationChildren: Set<String> = ["communication-type", "multicast-group", "multicast-outgoing-interface",
                                                          "lifetime-seconds", "retransmission-period", "number-of-retransmission",
                                                          "heartbeat", "encryption-algorithm", "sig-hash-algorithm", "certificate"]

    mutating func read(_ element: XMLElementNode) -> LegacyGroup {
        let name = element.value("name") ?? "unnamed"
        var identity = Located(LegacyGroup.Identity.missing, context.location(element))
        if let node = element.child(named: "group-id") {
            identity = context.located(UInt64(node.trimmedText).map { .number($0) } ?? .missing, node)
        }
        var group = LegacyGroup(name: name, location: context.location(element), format: .junos, identity: identity)
        notes += context.unknownChildren(of: element, known: Self.knownChildren, what: "group \(name)")
        for node in element.children(named: "server-address") { group.keyServers.append(context.located(node.trimmedText, node)) }
        if let node = element.child(named: "member-threshold"), let value = UInt64(node.trimmedText) {
            group.memberThreshold = context.located(value, node)
        }
        if let node = element.child(named: "activation-time-delay") {
            if let value = UInt64(node.trimmedText) { group.activationDelay = context.located(value, node) }
        } else {
            // Junos default activation-time-delay is 15 s.
            group.activationDelay = Located(15, context.location(element))
            notes.append(context.item(.defaultApplied, .changed, element, "group \(name): no activation-time-delay; the Junos default 15 s written"))
        }
        readGateways(element, &group)
        readCluster(element, &group)
        group.kek = readKEK(element.child(named: "server-member-communication"), element, name)
        let replay = readReplay(element, name)
        for sa in element.children(named: "ipsec-sa") { group.teks.append(readSA(sa, name, replay)) }
        group.notes = notes
        return group
    }

    /// The group's `ike-gateway` list authorises members and gives their IKE policies
    /// (pre-shared key or certificate, proposals).
    mutating func readGateways(_ element: XMLElementNode, _ group: inout LegacyGroup) {
        var proposalNames: [String] = []
        var reportedPolicies: Set<String> = []
        for (gatewayName, node) in JunosExportReader.names(element.children(named: "ike-gateway")) {
            guard let gateway = ike.gateways[gatewayName] else {
                notes.append(context.item(.missingReference, .refused, node, "group \(group.name): IKE gateway \(gatewayName) is not in the export"))
                continue
            }
            if let member = gateway.member {
                group.authorization.append(Located(member, context.location(node)))
            }
            if group.keyServers.isEmpty, let local = gateway.localAddress { group.keyServers.append(local) }
            guard let policyName = gateway.policy, let policy = ike.policies[policyName] else {
                notes.append(ReportItem(.missingReference, .refused, at: gateway.location,
                                        "group \(group.name): gateway \(gatewayName) names IKE policy \(gateway.policy ?? "none"), which is not in the export"))
                continue
            }
            if policy.has("pre-shared-key") {
                group.registration.preSharedKeys.append(context.located("junos-ike-policy-\(policyName)".referenceSafe, policy))
            }
            if policy.has("certificate") && group.registration.certificate == nil {
                group.registration.certificate = context.located("ike policy \(policyName) certificate", policy)
            }
            if let mode = policy.value("mode"), mode == "aggressive", !reportedPolicies.contains(policyName) {
                reportedPolicies.insert(policyName)
                notes.append(context.item(.noEquivalent, .decision, policy,
                                          "IKE policy \(policyName): aggressive mode is not offered; GDOI members must use main mode"))
            }
            for proposal in policy.children(named: "proposals") where !proposalNames.contains(proposal.trimmedText) {
                proposalNames.append(proposal.trimmedText)
                if let found = ike.proposals[proposal.trimmedText] {
                    group.registration.proposals.append(found)
                } else {
                    notes.append(context.item(.missingReference, .refused, proposal, "IKE proposal \(proposal.trimmedText) is not in the export"))
                }
            }
        }
    }

    /// `server-cluster`: the other servers' gateways become key-server entries; the role has no
    /// equivalent (groupkey servers share one key store).
    mutating func readCluster(_ element: XMLElementNode, _ group: inout LegacyGroup) {
        guard let cluster = element.child(named: "server-cluster") else { return }
        for (gatewayName, node) in JunosExportReader.names(cluster.children(named: "ike-gateway")) {
            if let address = ike.gateways[gatewayName]?.remoteAddress {
                group.keyServers.append(address)
            } else {
                notes.append(context.item(.missingReference, .refused, node, "group \(group.name): cluster gateway \(gatewayName) has no address in the export"))
            }
        }
        if let role = cluster.child(named: "server-role") {
            notes.append(context.item(.noEquivalent, .changed, role,
                                      "group \(group.name): server-cluster role \(role.trimmedText) has no equivalent; cluster servers become key-server entries sharing one key store"))
        }
    }

    mutating func readKEK(_ smc: XMLElementNode?, _ group: XMLElementNode, _ name: String) -> LegacyKEK {
        guard let smc else {
            var kek = LegacyKEK(location: context.location(group), transport: .unicast)
            kek.cipher = Located(.aesCBC(bits: 256), context.location(group))
            kek.lifetimeSeconds = Located(3600, context.location(group))
            kek.signatureHash = Located(.sha256, context.location(group))
            notes.append(context.item(.defaultApplied, .changed, group,
                                      "group \(name): no server-member-communication; the Junos defaults (unicast, aes-256-cbc, 3600 s) written"))
            notes.append(Self.defaultSignatureHashNote(context, group, name))
            return kek
        }
        notes += context.unknownChildren(of: smc, known: Self.knownCommunicationChildren, what: "group \(name) server-member-communication")
        var kek = LegacyKEK(location: context.location(smc), transport: .unicast)
        if smc.value("communication-type") == "multicast" {
            let node = smc.child(named: "multicast-group")
            kek.transport = .multicast(destination: node.map { context.located($0.trimmedText, $0) }, port: 848)
            if let interface = smc.child(named: "multicast-outgoing-interface") {
                notes.append(context.item(.noEquivalent, .changed, interface, "group \(name): the multicast outgoing interface is host configuration, not policy"))
            }
        }
        if let node = smc.child(named: "encryption-algorithm") {
            kek.cipher = context.located(JunosExportReader.cipher(node.trimmedText), node)
        } else {
            kek.cipher = Located(.aesCBC(bits: 256), context.location(smc))
        }
        if let node = smc.child(named: "lifetime-seconds"), let value = UInt64(node.trimmedText) {
            kek.lifetimeSeconds = context.located(value, node)
        } else {
            kek.lifetimeSeconds = Located(3600, context.location(smc))
            notes.append(context.item(.defaultApplied, .changed, smc, "group \(name): no rekey lifetime-seconds; the Junos default 3600 s written"))
        }
        if let node = smc.child(named: "retransmission-period"), let value = Int(node.trimmedText) { kek.retransmitInterval = context.located(value, node) }
        if let node = smc.child(named: "number-of-retransmission"), let value = Int(node.trimmedText) { kek.retransmitCount = context.located(value, node) }
        if let node = smc.child(named: "sig-hash-algorithm") {
            if let hash = JunosExportReader.hash(node.trimmedText) {
                kek.signatureHash = context.located(hash, node)
            } else {
                notes.append(context.item(.invalidValue, .refused, node, "group \(name): sig-hash-algorithm \(node.trimmedText) is unknown"))
            }
        } else {
            kek.signatureHash = Located(.sha256, context.location(smc))
            notes.append(Self.defaultSignatureHashNote(context, smc, name))
        }
        if let node = smc.child(named: "certificate") { kek.signingKey = context.located(node.trimmedText, node) }
        if let node = smc.child(named: "heartbeat") {
            notes.append(context.item(.noEquivalent, .changed, node, "group \(name): heartbeat \(node.trimmedText) s has no equivalent; members detect a lost server by TEK expiry"))
        }
        return kek
    }

    /// Junos signs rekeys with sha-256 or sha-384 only (gdoi-xml-exports.md §b); without the
    /// leaf, sha-256 is the one both the device and the native policy accept.
    static func defaultSignatureHashNote(_ context: ReaderContext, _ node: XMLElementNode, _ name: String) -> ReportItem {
        context.item(.defaultApplied, .changed, node,
                     "group \(name): no sig-hash-algorithm; sha-256 written (Junos offers sha-256 and sha-384 only)")
    }

    /// `anti-replay-time-window` is milliseconds in Group VPNv2 (the 24.4 YANG description);
    /// Group VPNv1 used seconds (60..360). The value is read as milliseconds and the report
    /// asks the operator to confirm when it looks like a v1 value.
    mutating func readReplay(_ element: XMLElementNode, _ name: String) -> Located<LegacyTEK.Replay>? {
        if element.has("no-anti-replay") { return nil }
        guard let node = element.child(named: "anti-replay-time-window") else { return nil }
        guard let value = UInt64(node.trimmedText) else {
            notes.append(context.item(.invalidValue, .refused, node, "group \(name): anti-replay-time-window \"\(node.trimmedText)\" is not a number"))
            return nil
        }
        if (60...360).contains(value) {
            notes.append(context.item(.operatorInputNeeded, .decision, node,
                                      "group \(name): anti-replay-time-window \(value) read as milliseconds (Group VPNv2); if this came from a Group VPNv1 server it meant seconds, so set the window to \(value) s by hand"))
        }
        return context.located(.time(milliseconds: value, deviceUnit: "ms"), node)
    }

    mutating func readSA(_ sa: XMLElementNode, _ name: String, _ replay: Located<LegacyTEK.Replay>?) -> LegacyTEK {
        let saName = sa.value("name") ?? "sa"
        notes += context.unknownChildren(of: sa, known: ["name", "proposal", "match-policy"], what: "group \(name) ipsec-sa \(saName)")
        var tek = LegacyTEK(name: "\(name)-\(saName)", location: context.location(sa))
        tek.replay = replay
        if let proposalNode = sa.child(named: "proposal") {
            if let proposal = ipsecProposals[proposalNode.trimmedText] {
                if let node = proposal.child(named: "encryption-algorithm") {
                    tek.cipher = context.located(JunosExportReader.cipher(node.trimmedText), node)
                }
                if let node = proposal.child(named: "authentication-algorithm") {
                    if let hash = JunosExportReader.hash(node.trimmedText) {
                        tek.integrity = context.located(hash, node)
                    } else {
                        notes.append(context.item(.invalidValue, .refused, node, "IPsec proposal: authentication-algorithm \(node.trimmedText) is unknown"))
                    }
                }
                if let node = proposal.child(named: "lifetime-seconds"), let value = UInt64(node.trimmedText) {
                    tek.lifetimeSeconds = context.located(value, node)
                }
            } else {
                notes.append(context.item(.missingReference, .refused, proposalNode, "group \(name) ipsec-sa \(saName): IPsec proposal \(proposalNode.trimmedText) is not in the export"))
            }
        }
        for policy in sa.children(named: "match-policy") { readMatchPolicy(policy, into: &tek) }
        return tek
    }

    /// `match-policy`: source/destination prefixes, ports (0 = any), protocol (0 = any).
    mutating func readMatchPolicy(_ policy: XMLElementNode, into tek: inout LegacyTEK) {
        let policyName = policy.value("name") ?? "?"
        guard let source = IPPrefix(policy.value("source") ?? "0.0.0.0/0"),
              let destination = IPPrefix(policy.value("destination") ?? "0.0.0.0/0") else {
            notes.append(context.item(.invalidValue, .refused, policy, "match-policy \(policyName): source or destination is not a prefix; skipped"))
            return
        }
        func port(_ leaf: String) -> PortRange? {
            guard let text = policy.value(leaf) else { return .any }
            guard let value = UInt16(text) else { return nil }
            return value == 0 ? .any : PortRange(lower: value, upper: value)
        }
        let protocolText = policy.value("protocol") ?? "0"
        guard let sourcePort = port("source-port"), let destinationPort = port("destination-port"),
              let protocolNumber = UInt8(protocolText) ?? NamedPortsAndProtocols.protocolNumber(protocolText).flatMap({ $0 }) else {
            notes.append(context.item(.invalidValue, .refused, policy, "match-policy \(policyName): a port or the protocol is not a number; skipped"))
            return
        }
        tek.selectors.append(LegacySelector(permit: true, ipProtocol: protocolNumber == 0 ? nil : protocolNumber,
                                            source: source, destination: destination, sourcePorts: [sourcePort],
                                            destinationPorts: [destinationPort], location: context.location(policy)))
    }
}
