import XMLSupport

/// Writes the model in the one canonical form: always a <policies> root, elements in schema
/// order, every attribute that has a default written out, numbers in decimal, addresses in
/// their canonical text. Equal models give equal bytes, and reading the output gives the model
/// back (PolicyRoundTripTests).
public enum PolicyWriter {
    public static func write(_ document: PolicyDocument) -> String {
        var writer = XMLTextWriter()
        writer.open("policies", [("xmlns", PolicyReader.namespace)])
        for anchor in document.trustAnchors {
            writer.empty("trust-anchor", [("name", anchor.name), ("file", anchor.file)])
        }
        for list in document.memberLists {
            if list.members.isEmpty {
                writer.empty("member-list", [("name", list.name)])
            } else {
                writer.open("member-list", [("name", list.name)])
                for member in list.members { writeMember(member, &writer) }
                writer.close()
            }
        }
        for group in document.groups { writeGroup(group, &writer) }
        return writer.finish()
    }

    static func writeMember(_ member: MemberIdentity, _ writer: inout XMLTextWriter) {
        writer.empty("member", [("id-type", member.kind.rawValue), ("value", member.value)])
    }

    static func writeGroup(_ group: GroupDefinition, _ writer: inout XMLTextWriter) {
        writer.open("group", [("name", group.name)])

        let identityAttributes = group.identity.gdoiID.map { [("gdoi-id", String($0))] } ?? []
        if let idg = group.identity.idg {
            writer.open("identity", identityAttributes)
            writer.empty("idg", [("type", idg.typeToken), ("value", idg.valueText)])
            writer.close()
        } else {
            writer.empty("identity", identityAttributes)
        }
        writer.empty("protocols", [("serve", group.protocols.tokens.joined(separator: " ")),
                                   ("migration", group.migration.rawValue)])
        for server in group.keyServers {
            writer.empty("key-server", [("address", server.address.description), ("port", String(server.port))])
        }
        writeRegistration(group.registration, &writer)
        if !group.authorization.isEmpty {
            writer.open("authorization")
            for entry in group.authorization {
                switch entry {
                case .memberList(let name): writer.empty("member-list", [("ref", name)])
                case .member(let member): writeMember(member, &writer)
                }
            }
            writer.close()
        }
        writer.open("data-security")
        for sa in group.dataSecurity { writeSecurityAssociation(sa, &writer) }
        writer.close()
        if let rekey = group.rekey { writeRekey(rekey, &writer) }
        let timing = [("activation-delay", group.timing.activationDelay), ("deactivation-delay", group.timing.deactivationDelay)]
            .compactMap { name, value in value.map { (name, String($0)) } }
        if !timing.isEmpty { writer.empty("timing", timing) }
        if let lkh = group.lkh {
            writer.empty("lkh", [("degree", String(lkh.degree)), ("max-members", String(lkh.maximumMembers))])
        }
        writer.close()
    }

    static func writeRegistration(_ registration: RegistrationPolicy, _ writer: inout XMLTextWriter) {
        writer.open("registration")
        switch registration.preSharedKey {
        case .reference(let reference)?:
            writer.empty("psk", [("secret-ref", reference.description)])
        case .inlineValueDiscarded?:
            writer.comment("an inline key stood here; it was not copied")
            writer.empty("psk", [("inline", "")])
        case nil:
            break
        }
        for anchor in registration.certificateTrustAnchors {
            writer.empty("certificate", [("trust-anchor", anchor)])
        }
        for proposal in registration.proposals {
            var attributes = [("encryption", proposal.encryption.rawValue)]
            if let length = proposal.keyLength { attributes.append(("key-length", String(length))) }
            if let integrity = proposal.integrity { attributes.append(("integrity", integrity.rawValue)) }
            attributes += [("prf", proposal.prf.rawValue), ("key-exchange", proposal.keyExchange.rawValue)]
            writer.empty("proposal", attributes)
        }
        writer.close()
    }

    static func cipherAttributes(_ algorithm: EncryptionAlgorithm, _ keyLength: Int?) -> [(String, String)] {
        [("algorithm", algorithm.rawValue)] + (keyLength.map { [("key-length", String($0))] } ?? [])
    }

    static func writeSecurityAssociation(_ sa: DataSecurityPolicy, _ writer: inout XMLTextWriter) {
        writer.open("sa", [("name", sa.name), ("protocol", sa.securityProtocol.rawValue), ("mode", sa.mode.rawValue),
                           ("address-preservation", sa.addressPreservation.rawValue)])
        for selector in sa.selectors {
            var attributes = [("protocol", TrafficSelector.protocolToken(selector.ipProtocol)),
                              ("source", selector.source.description), ("destination", selector.destination.description)]
            if selector.sourcePorts != .any { attributes.append(("source-ports", selector.sourcePorts.description)) }
            if selector.destinationPorts != .any {
                attributes.append(("destination-ports", selector.destinationPorts.description))
            }
            writer.empty("selector", attributes)
        }
        if let encryption = sa.encryption { writer.empty("encryption", cipherAttributes(encryption, sa.keyLength)) }
        if let integrity = sa.integrity { writer.empty("integrity", [("algorithm", integrity.rawValue)]) }
        writer.empty("lifetime", [("seconds", String(sa.lifetimeSeconds))])
        switch sa.antiReplay {
        case .none: break
        case .counter(let window): writer.empty("anti-replay", [("type", "counter"), ("window", String(window))])
        case .time(let window): writer.empty("anti-replay", [("type", "time"), ("window", String(window))])
        }
        if let bits = sa.senderIDBits { writer.empty("sender-id", [("bits", String(bits))]) }
        writer.close()
    }

    static func writeRekey(_ rekey: RekeyPolicy, _ writer: inout XMLTextWriter) {
        var attributes = [("transport", rekey.transport.rawValue)]
        if let destination = rekey.destination { attributes.append(("destination", destination.description)) }
        attributes.append(("port", String(rekey.port)))
        writer.open("rekey", attributes)
        writer.empty("encryption", cipherAttributes(rekey.encryption, rekey.keyLength))
        if let integrity = rekey.integrity { writer.empty("integrity", [("algorithm", integrity.rawValue)]) }
        if let keyWrap = rekey.keyWrap { writer.empty("key-wrap", [("algorithm", keyWrap.rawValue)]) }
        switch rekey.authentication {
        case .implicit:
            writer.empty("authentication", [("method", "implicit")])
        case .digitalSignature(let algorithm, let reference):
            writer.empty("authentication", [("method", "digital-signature"), ("signature", algorithm.rawValue),
                                            ("key-ref", reference.description)])
        }
        writer.empty("lifetime", [("seconds", String(rekey.lifetimeSeconds))])
        writer.empty("lead-time", [("seconds", String(rekey.leadTimeSeconds))])
        writer.empty("retransmit", [("count", String(rekey.retransmissions.count)),
                                    ("interval", String(rekey.retransmissions.intervalSeconds))])
        writer.close()
    }
}
