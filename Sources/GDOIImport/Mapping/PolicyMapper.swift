import GroupPolicy

/// Turns one legacy GDOI group into a native group policy served to both protocols, and says,
/// item by item, what mapped exactly, what changed and why, and what the operator must decide.
/// The mapping table in Migration/mapping.md describes the same rules for people.
struct PolicyMapper {
    let group: LegacyGroup
    private(set) var items: [ReportItem]
    private(set) var secrets: [SecretToSupply] = []
    var memberLists: [MemberList] = []
    var trustAnchors: [TrustAnchor] = []
    /// The served protocols, decided first because several transforms depend on them.
    var protocols = ServedProtocols(gdoi: true, gikev2: true)

    init(group: LegacyGroup) {
        self.group = group
        self.items = group.notes
    }

    mutating func note(_ code: ImportCode, _ outcome: ImportOutcome, _ location: SourceLocation, _ message: String) {
        items.append(ReportItem(code, outcome, at: location, message))
    }

    mutating func refuse(_ code: ImportCode, _ location: SourceLocation, _ message: String) {
        note(code, .refused, location, message)
    }

    mutating func secret(_ name: String, purpose: String, _ location: SourceLocation) -> SecretReference {
        let reference = SecretReference(store: .secretsFile, name: name.referenceSafe)
        let entry = SecretToSupply(reference: reference.description, purpose: purpose, location: location)
        if !secrets.contains(entry) { secrets.append(entry) }
        return reference
    }

    static func map(_ group: LegacyGroup) -> MappedGroup {
        var mapper = PolicyMapper(group: group)
        let definition = mapper.mapGroup()
        let report = GroupReport(name: group.name, location: group.location, format: group.format,
                                 outputFile: nil, items: mapper.items, secrets: definition == nil ? [] : mapper.secrets)
        guard let definition else { return MappedGroup(document: nil, report: report) }
        let document = PolicyDocument(trustAnchors: mapper.trustAnchors, memberLists: mapper.memberLists, groups: [definition])
        return MappedGroup(document: document, report: report)
    }

    /// nil when the group cannot be imported (the items say why).
    mutating func mapGroup() -> GroupDefinition? {
        let name = group.name.policyNameSafe
        if name != group.name {
            note(.defaultApplied, .changed, group.location, "group name \"\(group.name)\" written as \"\(name)\" (policy names are letters, digits, _ . -)")
        }
        guard let identity = mapIdentity() else {
            refuse(.groupRefused, group.location, "group \(group.name) not imported: it has no usable identity")
            return nil
        }
        let migration = mapProtocols()
        let servers = mapKeyServers()
        guard !servers.isEmpty else {
            refuse(.groupRefused, group.location, "group \(group.name) not imported: no key-server address is known (set `server local address ipv4`, a COOP peer, or server-address)")
            return nil
        }
        let dataSecurity = group.teks.compactMap { mapTEK($0) }
        guard !dataSecurity.isEmpty else {
            refuse(.groupRefused, group.location, "group \(group.name) not imported: no data-security SA (TEK) could be carried over")
            return nil
        }
        let registration = mapRegistration()
        let authorization = mapAuthorization()
        var rekey = mapRekey()
        let fitted = fitLifetimes(dataSecurity, &rekey)
        var definition = GroupDefinition(name: name, identity: identity, protocols: protocols, migration: migration,
                                         keyServers: servers, registration: registration, authorization: authorization,
                                         dataSecurity: fitted, rekey: rekey, timing: mapTiming())
        definition.lkh = mapMemberThreshold(hasRekey: rekey != nil)
        note(.groupImported, .exact, group.location,
             "group \(group.name) imported: \(fitted.count) SA(s), \(fitted.reduce(0) { $0 + $1.selectors.count }) selector(s), rekey \(rekey.map { $0.transport.rawValue } ?? "none"), served to \(protocols.tokens.joined(separator: " and "))")
        return definition
    }

    /// GDOI identity -> gdoi-id (4-octet ID_KEY_ID, RFC 6407 §5.1); G-IKEv2 members send IDg
    /// ID_KEY_ID with the same number big-endian (RFC 9838 §4.2).
    mutating func mapIdentity() -> GroupIdentity? {
        let at = group.identity.location
        switch group.identity.value {
        case .number(let number):
            guard let id = UInt32(exactly: number) else {
                refuse(.invalidValue, at, "group number \(number) does not fit GDOI's 4-octet ID_KEY_ID")
                return nil
            }
            let identity = GroupIdentity(gdoiID: id)
            note(.mappedExactly, .exact, at,
                 "identity number \(number) -> gdoi-id \(number); G-IKEv2 members name the group by ID_KEY_ID \(identity.effectiveIDg?.valueText ?? "")")
            return identity
        case .address(let text):
            guard let address = IPAddress(text), address.isIPv4 else {
                refuse(.invalidValue, at, "identity address \"\(text)\" is not an IPv4 address")
                return nil
            }
            // GDOI members would send ID_IPV4_ADDR, which gdoi-id (ID_KEY_ID) cannot express.
            protocols = ServedProtocols(gdoi: false, gikev2: true)
            note(.noEquivalent, .decision, at,
                 "identity address \(text) -> G-IKEv2 IDg ipv4 \(text); GDOI members naming the group by ID_IPV4_ADDR cannot be served, so the group is served to G-IKEv2 only. Give it an identity number to serve GDOI members")
            return GroupIdentity(gdoiID: nil, idg: .ipv4(address))
        case .missing:
            refuse(.missingElement, at, "no group identity (identity number / group-id) in the export")
            return nil
        }
    }

    mutating func mapProtocols() -> MigrationState {
        if !protocols.gdoi { return .migrated }
        switch (group.servesGDOI, group.gikev2Profile) {
        case (true, .some(let profile)):
            note(.mappedExactly, .exact, profile.location, "GDOI and G-IKEv2 (IKEv2 profile \(profile.value)) were both enabled -> served to both, migration dual-stack")
            return .dualStack
        case (false, .some(let profile)):
            protocols = ServedProtocols(gdoi: false, gikev2: true)
            note(.mappedExactly, .exact, profile.location, "G-IKEv2 only (IKEv2 profile \(profile.value)) -> served to G-IKEv2, migration migrated")
            return .migrated
        case (_, nil):
            note(.protocolAdded, .changed, group.location,
                 "GDOI group -> served to GDOI and G-IKEv2 (dual-stack) so members can move one at a time; transforms are chosen so both protocols carry them")
            return .dualStack
        }
    }

    mutating func mapKeyServers() -> [KeyServerEndpoint] {
        var servers: [KeyServerEndpoint] = []
        for located in group.keyServers {
            guard let address = IPAddress(located.value.trimmingWhitespace) else {
                refuse(.invalidValue, located.location, "key server address \"\(located.value)\" is not an IP address")
                continue
            }
            let endpoint = KeyServerEndpoint(address: address)
            if servers.contains(endpoint) { continue }
            servers.append(endpoint)
            note(.mappedExactly, .exact, located.location, "key server \(address) -> <key-server address=\"\(address)\" port=\"848\">")
        }
        return servers
    }

    /// Pre-shared keys become secret references named after their origin; certificates become a
    /// trust anchor whose PEM file the operator places beside the policy.
    mutating func mapRegistration() -> RegistrationPolicy {
        var registration = RegistrationPolicy()
        let keys = group.registration.preSharedKeys
        var seen: Set<String> = []
        let unique = keys.filter { seen.insert($0.value).inserted }
        if let first = unique.first {
            registration.preSharedKey = .reference(secret(first.value, purpose: "registration pre-shared key", first.location))
            note(.secretReferenced, .exact, first.location, "pre-shared key -> secret reference secrets:\(first.value.referenceSafe) (the key is not copied; put it in the secrets file)")
            for other in unique.dropFirst() {
                note(.operatorInputNeeded, .decision, other.location,
                     "another pre-shared key (\(other.value)) exists; a native group has one registration key, secrets:\(first.value.referenceSafe). Give every member that key or move them to certificates")
            }
        }
        if let certificate = group.registration.certificate {
            let anchor = TrustAnchor(name: "\(group.name.policyNameSafe)-ca", file: "\(group.name.policyNameSafe)-ca.pem")
            trustAnchors.append(anchor)
            registration.certificateTrustAnchors = [anchor.name]
            note(.operatorInputNeeded, .decision, certificate.location,
                 "certificate authentication (\(certificate.value)) -> trust anchor \(anchor.name); place the CA certificate that signs member certificates in \(anchor.file) beside the policy")
        }
        if registration.preSharedKey == nil && registration.certificateTrustAnchors.isEmpty {
            let name = "\(group.name.policyNameSafe)-psk"
            registration.preSharedKey = .reference(secret(name, purpose: "registration pre-shared key (none found in the export)", group.location))
            note(.operatorInputNeeded, .decision, group.location,
                 "the export shows no member authentication for this group; secrets:\(name) is referenced and must be created, or switch to certificates")
        }
        registration.proposals = mapProposals(group.registration.proposals)
        return registration
    }

    mutating func mapAuthorization() -> [AuthorizationEntry] {
        var entries: [AuthorizationEntry] = []
        for member in group.authorization {
            let entry = AuthorizationEntry.member(member.value)
            if entries.contains(entry) { continue }
            entries.append(entry)
            note(.mappedExactly, .exact, member.location, "authorised member \(member.value.kind.rawValue) \(member.value.value) -> <member>")
        }
        for list in group.authorizationLists {
            let name = "\(group.name)-\(list.value)".policyNameSafe
            if !memberLists.contains(where: { $0.name == name }) { memberLists.append(MemberList(name: name, members: [])) }
            entries.append(.memberList(name))
            note(.operatorInputNeeded, .decision, list.location,
                 "identity list \(list.value) -> member list \(name), written empty because the export does not spell out its identities; until it is filled nobody is authorised")
        }
        return entries
    }

    /// GAP ACTIVATION_TIME_DELAY / DEACTIVATION_TIME_DELAY (RFC 6407 §5.4) -> <timing>; both
    /// protocols carry 16-bit seconds (RFC 9838 §4.4.3 GWP_ATD/GWP_DTD).
    mutating func mapTiming() -> GroupTiming {
        var timing = GroupTiming()
        if let delay = group.activationDelay {
            timing.activationDelay = clamp(delay, to: PolicyLimits.timeDelay, what: "activation delay")
        }
        if let delay = group.deactivationDelay {
            timing.deactivationDelay = clamp(delay, to: PolicyLimits.timeDelay, what: "deactivation delay")
        }
        return timing
    }

    /// A bounded value: exact when inside the range, clamped (and reported) otherwise.
    mutating func clamp(_ value: Located<UInt64>, to range: ClosedRange<UInt32>, what: String, unit: String = " s") -> UInt32 {
        let lower = UInt64(range.lowerBound), upper = UInt64(range.upperBound)
        let fitted = UInt32(min(max(value.value, lower), upper))
        if UInt64(fitted) == value.value {
            note(.mappedExactly, .exact, value.location, "\(what) \(value.value)\(unit)")
        } else {
            note(.valueClamped, .decision, value.location, "\(what) \(value.value)\(unit) is outside \(lower)...\(upper)\(unit); written as \(fitted)\(unit)")
        }
        return fitted
    }

    /// Junos member-threshold sizes the group; the native policy sizes the LKH tree instead.
    mutating func mapMemberThreshold(hasRekey: Bool) -> LKHParameters? {
        guard let threshold = group.memberThreshold else { return nil }
        guard hasRekey, threshold.value >= 1, threshold.value <= 1_000_000 else {
            note(.noEquivalent, .decision, threshold.location,
                 "member threshold \(threshold.value) has no equivalent without a rekey SA (or is out of 1...1000000); groupkey does not cap membership")
            return nil
        }
        note(.noEquivalent, .changed, threshold.location,
             "member threshold \(threshold.value) -> LKH tree sized for \(threshold.value) members; groupkey does not refuse member \(threshold.value + 1)")
        return LKHParameters(degree: 2, maximumMembers: Int(threshold.value))
    }
}
