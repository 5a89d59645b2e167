import XMLSupport

extension PolicyReader {
    /// Placeholder for an address that failed to parse (already reported).
    static let unspecifiedIPv4 = IPAddress(octets: [0, 0, 0, 0])!

    static func readGroup(_ element: XMLElementNode, index g: Int, _ context: inout ReadContext) -> GroupDefinition {
        context.note(PolicySourceMap.Key.group(g), element)
        let name = context.required(element, "name")

        var identity = GroupIdentity()
        if let identityElement = element.child(named: "identity") {
            context.note("g\(g).identity", identityElement)
            identity.gdoiID = context.integer(identityElement, "gdoi-id", in: 0...UInt64(UInt32.max)).map { UInt32($0) }
            if let idg = identityElement.child(named: "idg") {
                context.note("g\(g).identity.idg", idg)
                let type = context.required(idg, "type"), value = context.required(idg, "value")
                identity.idg = GroupIDg(type: type, value: value)
                if identity.idg == nil {
                    context.report(.invalidValue, idg, "IDg value \"\(value)\" is not a valid \(type)")
                }
            }
        }

        var protocols = ServedProtocols(gdoi: false, gikev2: false)
        var migration = MigrationState.dualStack
        if let protocolsElement = element.child(named: "protocols") {
            context.note("g\(g).protocols", protocolsElement)
            for token in context.required(protocolsElement, "serve").split(whereSeparator: \.isWhitespace) {
                switch token {
                case "gdoi": protocols.gdoi = true
                case "gikev2": protocols.gikev2 = true
                default: context.report(.schemaViolation, protocolsElement, "unknown protocol \"\(token)\"")
                }
            }
            migration = context.token(protocolsElement, "migration", default: nil) ?? .dualStack
        }

        var keyServers: [KeyServerEndpoint] = []
        for (index, server) in element.children(named: "key-server").enumerated() {
            context.note("g\(g).ks\(index)", server)
            let address = context.address(server, "address") ?? unspecifiedIPv4
            let port = context.integer(server, "port", in: 0...65535).map { UInt16($0) } ?? KeyServerEndpoint.defaultPort
            keyServers.append(KeyServerEndpoint(address: address, port: port))
        }

        let registration = element.child(named: "registration").map { readRegistration($0, g, &context) }
            ?? RegistrationPolicy()

        var authorization: [AuthorizationEntry] = []
        if let authorizationElement = element.child(named: "authorization") {
            for (index, entry) in authorizationElement.children.enumerated() {
                context.note("g\(g).auth\(index)", entry)
                switch entry.name {
                case "member-list": authorization.append(.memberList(context.required(entry, "ref")))
                case "member": authorization.append(.member(readMember(entry, &context)))
                default: context.report(.schemaViolation, entry, "unexpected <\(entry.name)> in <authorization>")
                }
            }
        }

        var dataSecurity: [DataSecurityPolicy] = []
        for (index, sa) in (element.child(named: "data-security")?.children(named: "sa") ?? []).enumerated() {
            dataSecurity.append(readSecurityAssociation(sa, g, index, &context))
        }

        let rekey = element.child(named: "rekey").map { readRekey($0, g, &context) }

        var timing = GroupTiming()
        if let timingElement = element.child(named: "timing") {
            context.note("g\(g).timing", timingElement)
            timing.activationDelay = context.integer(timingElement, "activation-delay", in: 0...UInt64(UInt32.max)).map { UInt32($0) }
            timing.deactivationDelay = context.integer(timingElement, "deactivation-delay", in: 0...UInt64(UInt32.max)).map { UInt32($0) }
        }

        var lkh: LKHParameters?
        if let lkhElement = element.child(named: "lkh") {
            context.note("g\(g).lkh", lkhElement)
            lkh = LKHParameters(degree: context.integer(lkhElement, "degree", in: 2...16).map { Int($0) } ?? 2,
                                maximumMembers: context.integer(lkhElement, "max-members", in: 1...UInt64(UInt32.max)).map { Int($0) } ?? 1)
        }

        return GroupDefinition(name: name, identity: identity, protocols: protocols, migration: migration,
                               keyServers: keyServers, registration: registration, authorization: authorization,
                               dataSecurity: dataSecurity, rekey: rekey, timing: timing, lkh: lkh)
    }

    static func readRegistration(_ element: XMLElementNode, _ g: Int, _ context: inout ReadContext) -> RegistrationPolicy {
        context.note("g\(g).registration", element)
        var registration = RegistrationPolicy()
        if let psk = element.child(named: "psk") {
            context.note("g\(g).psk", psk)
            if psk.attribute("inline") != nil {
                // The value is dropped here and never stored; the validator reports its presence.
                registration.preSharedKey = .inlineValueDiscarded
            } else if let reference = context.secretReference(psk, "secret-ref") {
                registration.preSharedKey = .reference(reference)
            } else if psk.attribute("secret-ref") == nil {
                context.report(.invalidValue, psk, "<psk> needs secret-ref=\"secrets:NAME\" or \"env:NAME\"")
            }
        }
        for (index, certificate) in element.children(named: "certificate").enumerated() {
            context.note("g\(g).cert\(index)", certificate)
            registration.certificateTrustAnchors.append(context.required(certificate, "trust-anchor"))
        }
        for (index, proposal) in element.children(named: "proposal").enumerated() {
            context.note("g\(g).proposal\(index)", proposal)
            registration.proposals.append(RegistrationProposal(
                encryption: context.token(proposal, "encryption", default: nil) ?? .aesCBC,
                keyLength: context.keyLength(proposal),
                integrity: context.optionalToken(proposal, "integrity"),
                prf: context.token(proposal, "prf", default: nil) ?? .hmacSHA2_256,
                keyExchange: context.token(proposal, "key-exchange", default: nil) ?? .modp2048))
        }
        return registration
    }

    static func readSecurityAssociation(_ element: XMLElementNode, _ g: Int, _ s: Int,
                                        _ context: inout ReadContext) -> DataSecurityPolicy {
        let key = PolicySourceMap.Key.sa(g, s)
        context.note(key, element)
        var selectors: [TrafficSelector] = []
        for (index, selector) in element.children(named: "selector").enumerated() {
            context.note(PolicySourceMap.Key.selector(g, s, index), selector)
            selectors.append(readSelector(selector, &context))
        }
        var encryption: EncryptionAlgorithm?, keyLength: Int?
        if let cipher = element.child(named: "encryption") {
            context.note(key + ".encryption", cipher)
            encryption = context.token(cipher, "algorithm", default: nil)
            keyLength = context.keyLength(cipher)
        }
        var integrity: IntegrityAlgorithm?
        if let mac = element.child(named: "integrity") {
            context.note(key + ".integrity", mac)
            integrity = context.token(mac, "algorithm", default: nil)
        }
        let lifetimeElement = element.child(named: "lifetime")
        if let lifetimeElement { context.note(key + ".lifetime", lifetimeElement) }
        var antiReplay = AntiReplay.none
        if let replay = element.child(named: "anti-replay") {
            context.note(key + ".anti-replay", replay)
            let window = context.integer(replay, "window", in: 0...UInt64(UInt32.max)).map { UInt32($0) } ?? 0
            antiReplay = replay.attribute("type") == "time" ? .time(windowSeconds: window) : .counter(window: window)
        }
        var senderIDBits: Int?
        if let senderID = element.child(named: "sender-id") {
            context.note(key + ".sender-id", senderID)
            senderIDBits = context.integer(senderID, "bits", in: 1...32).map { Int($0) }
        }
        return DataSecurityPolicy(
            name: context.required(element, "name"),
            securityProtocol: context.token(element, "protocol", default: .esp) ?? .esp,
            mode: context.token(element, "mode", default: .tunnel) ?? .tunnel,
            addressPreservation: context.token(element, "address-preservation", default: .sourceAndDestination) ?? .sourceAndDestination,
            selectors: selectors, encryption: encryption, keyLength: keyLength, integrity: integrity,
            lifetimeSeconds: context.seconds(lifetimeElement) ?? 0, antiReplay: antiReplay, senderIDBits: senderIDBits)
    }

    static func readSelector(_ element: XMLElementNode, _ context: inout ReadContext) -> TrafficSelector {
        let protocolText = element.attribute("protocol") ?? "any"
        let (number, valid) = TrafficSelector.protocolNumber(protocolText)
        if !valid { context.report(.invalidValue, element, "protocol=\"\(protocolText)\" is not a protocol name or 0-255") }
        func prefix(_ name: String) -> IPPrefix {
            let text = context.required(element, name)
            guard let prefix = IPPrefix(text) else {
                context.report(.invalidValue, element, "\(name)=\"\(text)\" is not an address or ADDRESS/LENGTH prefix")
                return IPPrefix(network: unspecifiedIPv4, length: 32)!
            }
            if IPPrefix.hasHostBits(text) {
                context.report(.invalidValue, element, "\(name)=\"\(text)\" has host bits set; the network is \(prefix)")
            }
            return prefix
        }
        func ports(_ name: String) -> PortRange {
            guard let text = element.attribute(name) else { return .any }
            guard let range = PortRange(text), range.isValid else {
                context.report(.invalidValue, element, "\(name)=\"\(text)\" is not a port or LOW-HIGH range")
                return .any
            }
            return range
        }
        let source = prefix("source"), destination = prefix("destination")
        if source.network.isIPv4 != destination.network.isIPv4 {
            context.report(.invalidValue, element, "source and destination are of different address families")
        }
        return TrafficSelector(ipProtocol: number, source: source, destination: destination,
                               sourcePorts: ports("source-ports"), destinationPorts: ports("destination-ports"))
    }

    static func readRekey(_ element: XMLElementNode, _ g: Int, _ context: inout ReadContext) -> RekeyPolicy {
        let key = PolicySourceMap.Key.rekey(g)
        context.note(key, element)
        let cipher = element.child(named: "encryption")
        if let cipher { context.note(key + ".encryption", cipher) }
        var integrity: IntegrityAlgorithm?
        if let mac = element.child(named: "integrity") {
            context.note(key + ".integrity", mac)
            integrity = context.token(mac, "algorithm", default: nil)
        }
        var keyWrap: KeyWrapAlgorithm?
        if let wrap = element.child(named: "key-wrap") {
            context.note(key + ".key-wrap", wrap)
            keyWrap = context.token(wrap, "algorithm", default: nil)
        }
        var authentication = RekeyAuthentication.implicit
        if let auth = element.child(named: "authentication") {
            context.note(key + ".authentication", auth)
            if auth.attribute("method") == "digital-signature" {
                let signature: SignatureAlgorithm = context.token(auth, "signature", default: .rsaPKCS1SHA256) ?? .rsaPKCS1SHA256
                let reference = context.secretReference(auth, "key-ref") ?? SecretReference(store: .secretsFile, name: "")
                authentication = .digitalSignature(signature, keyReference: reference)
            } else if auth.attribute("signature") != nil || auth.attribute("key-ref") != nil {
                context.report(.incompleteTransformSet, auth, "implicit authentication takes no signature or key-ref")
            }
        }
        let lifetime = element.child(named: "lifetime"), leadTime = element.child(named: "lead-time")
        if let lifetime { context.note(key + ".lifetime", lifetime) }
        if let leadTime { context.note(key + ".lead-time", leadTime) }
        var retransmission = Retransmission()
        if let retransmit = element.child(named: "retransmit") {
            context.note(key + ".retransmit", retransmit)
            retransmission = Retransmission(count: context.integer(retransmit, "count", in: 0...255).map { Int($0) } ?? 0,
                                            intervalSeconds: context.integer(retransmit, "interval", in: 0...65535).map { Int($0) } ?? 0)
        }
        return RekeyPolicy(
            transport: context.token(element, "transport", default: nil) ?? .multicast,
            destination: context.address(element, "destination"),
            port: context.integer(element, "port", in: 0...65535).map { UInt16($0) } ?? KeyServerEndpoint.defaultPort,
            encryption: cipher.flatMap { context.token($0, "algorithm", default: nil) } ?? .aesCBC,
            keyLength: cipher.flatMap { context.keyLength($0) },
            integrity: integrity, keyWrap: keyWrap, authentication: authentication,
            lifetimeSeconds: context.seconds(lifetime) ?? 0,
            leadTimeSeconds: context.seconds(leadTime) ?? RekeyPolicy.defaultLeadTimeSeconds,
            retransmissions: retransmission)
    }
}
