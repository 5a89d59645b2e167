/// The normalised view of what a group hands out, with the numbers each protocol will put on
/// the wire. `groupkey policy show` prints it as text or JSON.
public struct GroupSummary: Sendable, Equatable, Codable {
    public struct WireIDs: Sendable, Equatable, Codable {
        /// GDOI: IPsec DOI ESP transform ID (SA TEK) or KEK_ALGORITHM (rekey); nil if not carried.
        public var gdoiEncryption: Int?
        /// GDOI: IPsec DOI Authentication Algorithm attribute.
        public var gdoiIntegrity: Int?
        /// G-IKEv2: Transform Type 1 and 3 IDs.
        public var gikev2Encryption: Int?
        public var gikev2Integrity: Int?
        /// G-IKEv2: Transform Type 13 ID (rekey SA only).
        public var gikev2KeyWrap: Int?
    }

    public struct SecurityAssociation: Sendable, Equatable, Codable {
        public var name: String
        public var securityProtocol: String
        public var mode: String
        public var addressPreservation: String
        public var selectors: [String]
        public var encryption: String?
        public var keyLengthBits: Int?
        public var integrity: String?
        public var lifetimeSeconds: UInt32
        public var antiReplay: String
        public var senderIDBits: Int?
        public var wire: WireIDs
    }

    public struct Rekey: Sendable, Equatable, Codable {
        public var transport: String
        public var destination: String?
        public var encryption: String
        public var keyLengthBits: Int?
        public var integrity: String?
        public var keyWrap: String?
        public var authentication: String
        public var lifetimeSeconds: UInt32
        public var leadTimeSeconds: UInt32
        public var retransmissions: Int
        public var retransmitIntervalSeconds: Int
        public var wire: WireIDs
    }

    public var name: String
    public var gdoiGroupID: UInt32?
    public var idg: String?
    public var protocols: [String]
    public var migration: String
    public var keyServers: [String]
    public var preSharedKey: String?
    public var trustAnchors: [String]
    public var authorization: [String]
    public var dataSecurity: [SecurityAssociation]
    public var rekey: Rekey?
    public var activationDelaySeconds: UInt32?
    public var deactivationDelaySeconds: UInt32?
    public var lkh: String?

    public init(_ group: GroupDefinition) {
        name = group.name
        gdoiGroupID = group.identity.gdoiID
        idg = group.identity.effectiveIDg?.description
        protocols = group.protocols.tokens
        migration = group.migration.rawValue
        keyServers = group.keyServers.map { server in
            server.address.isIPv4 ? "\(server.address):\(server.port)" : "[\(server.address)]:\(server.port)"
        }
        switch group.registration.preSharedKey {
        case .reference(let reference)?: preSharedKey = reference.description
        case .inlineValueDiscarded?: preSharedKey = "inline (not shown; move it to the secrets file)"
        case nil: preSharedKey = nil
        }
        trustAnchors = group.registration.certificateTrustAnchors
        authorization = group.authorization.map { entry in
            switch entry {
            case .memberList(let name): return "member-list:\(name)"
            case .member(let member): return "\(member.kind.rawValue):\(member.value)"
            }
        }
        dataSecurity = group.dataSecurity.map { sa in
            let cipher = sa.encryption.map(AlgorithmCatalog.entry)
            let mac = sa.integrity.map(AlgorithmCatalog.entry)
            let antiReplay: String
            switch sa.antiReplay {
            case .none: antiReplay = "none"
            case .counter(let window): antiReplay = "counter window \(window)"
            case .time(let window): antiReplay = "time window \(window) s"
            }
            return SecurityAssociation(
                name: sa.name, securityProtocol: sa.securityProtocol.rawValue, mode: sa.mode.rawValue,
                addressPreservation: sa.addressPreservation.rawValue,
                selectors: sa.selectors.map { selector in
                    "\(TrafficSelector.protocolToken(selector.ipProtocol)) \(selector.source) port \(selector.sourcePorts) -> \(selector.destination) port \(selector.destinationPorts)"
                },
                encryption: sa.encryption?.rawValue, keyLengthBits: sa.keyLength, integrity: sa.integrity?.rawValue,
                lifetimeSeconds: sa.lifetimeSeconds, antiReplay: antiReplay, senderIDBits: sa.senderIDBits,
                wire: WireIDs(gdoiEncryption: (cipher?.gdoiTEK?.rawValue).map(Int.init),
                              gdoiIntegrity: (mac?.gdoiTEK?.rawValue).map(Int.init),
                              gikev2Encryption: (cipher?.ikev2?.rawValue).map(Int.init),
                              gikev2Integrity: (mac?.ikev2?.rawValue).map(Int.init), gikev2KeyWrap: nil))
        }
        rekey = group.rekey.map { rekey in
            let cipher = AlgorithmCatalog.entry(rekey.encryption)
            let authentication: String
            switch rekey.authentication {
            case .implicit: authentication = "implicit"
            case .digitalSignature(let algorithm, let reference): authentication = "\(algorithm.rawValue) key \(reference)"
            }
            return Rekey(
                transport: rekey.transport.rawValue,
                destination: rekey.destination.map { "\($0):\(rekey.port)" },
                encryption: rekey.encryption.rawValue, keyLengthBits: rekey.keyLength, integrity: rekey.integrity?.rawValue,
                keyWrap: rekey.keyWrap?.rawValue, authentication: authentication, lifetimeSeconds: rekey.lifetimeSeconds,
                leadTimeSeconds: rekey.leadTimeSeconds, retransmissions: rekey.retransmissions.count,
                retransmitIntervalSeconds: rekey.retransmissions.intervalSeconds,
                wire: WireIDs(gdoiEncryption: (cipher.gdoiKEK?.rawValue).map(Int.init), gdoiIntegrity: nil,
                              gikev2Encryption: (cipher.ikev2?.rawValue).map(Int.init),
                              gikev2Integrity: (rekey.integrity.flatMap { AlgorithmCatalog.entry($0).ikev2?.rawValue }).map(Int.init),
                              gikev2KeyWrap: (rekey.keyWrap.map { AlgorithmCatalog.entry($0).id.rawValue }).map(Int.init)))
        }
        // Wire numbers only for the protocols the group actually serves.
        if !group.protocols.gdoi {
            for index in dataSecurity.indices {
                dataSecurity[index].wire.gdoiEncryption = nil
                dataSecurity[index].wire.gdoiIntegrity = nil
            }
            rekey?.wire.gdoiEncryption = nil
        }
        if !group.protocols.gikev2 {
            for index in dataSecurity.indices {
                dataSecurity[index].wire.gikev2Encryption = nil
                dataSecurity[index].wire.gikev2Integrity = nil
            }
            rekey?.wire.gikev2Encryption = nil
            rekey?.wire.gikev2Integrity = nil
            rekey?.wire.gikev2KeyWrap = nil
        }
        activationDelaySeconds = group.timing.activationDelay
        deactivationDelaySeconds = group.timing.deactivationDelay
        lkh = group.lkh.map { "degree \($0.degree), up to \($0.maximumMembers) members" }
    }
}
