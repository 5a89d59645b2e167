/// The rekey SA: GDOI KEK (RFC 6407 §5.3) and G-IKEv2 GIKE_UPDATE policy (RFC 9838 §4.4.2).
public struct RekeyPolicy: Sendable, Equatable {
    /// Lead time when the policy gives none.
    public static let defaultLeadTimeSeconds: UInt32 = 90

    public enum Transport: String, Sendable, CaseIterable, Codable {
        /// GROUPKEY-PUSH / GSA_REKEY to a multicast group.
        case multicast = "multicast"
        /// One push per member (GDOI unicast rekey; G-IKEv2 GSA_INBAND_REKEY).
        case unicast = "unicast"
    }

    public var transport: Transport
    /// Required for multicast; a multicast address (RFC 9838 §4.4.2: the destination TS of the
    /// rekey SA MUST be a single multicast address).
    public var destination: IPAddress?
    public var port: UInt16
    public var encryption: EncryptionAlgorithm
    public var keyLength: Int?
    public var integrity: IntegrityAlgorithm?
    /// Mandatory in the G-IKEv2 GIKE_UPDATE policy (RFC 9838 Fig. 16); GDOI has none.
    public var keyWrap: KeyWrapAlgorithm?
    public var authentication: RekeyAuthentication
    public var lifetimeSeconds: UInt32
    /// How long before a TEK expires the server sends its replacement.
    public var leadTimeSeconds: UInt32
    public var retransmissions: Retransmission

    public init(transport: Transport, destination: IPAddress? = nil, port: UInt16 = 848,
                encryption: EncryptionAlgorithm, keyLength: Int? = nil, integrity: IntegrityAlgorithm? = nil,
                keyWrap: KeyWrapAlgorithm? = nil, authentication: RekeyAuthentication, lifetimeSeconds: UInt32,
                leadTimeSeconds: UInt32 = RekeyPolicy.defaultLeadTimeSeconds, retransmissions: Retransmission = Retransmission()) {
        self.transport = transport
        self.destination = destination
        self.port = port
        self.encryption = encryption
        self.keyLength = keyLength
        self.integrity = integrity
        self.keyWrap = keyWrap
        self.authentication = authentication
        self.lifetimeSeconds = lifetimeSeconds
        self.leadTimeSeconds = leadTimeSeconds
        self.retransmissions = retransmissions
    }
}

/// How members authenticate rekey messages: G-IKEv2 GCAUTH (RFC 9838 §4.4.2.1.1); GDOI always
/// signs its GROUPKEY-PUSH (RFC 6407 §4, SIG payload).
public enum RekeyAuthentication: Sendable, Equatable {
    /// The rekey SA's own integrity protection only (G-IKEv2 GCAUTH Implicit).
    case implicit
    /// A signature by the key server's rekey key, named in the secrets store.
    case digitalSignature(SignatureAlgorithm, keyReference: SecretReference)
}

/// Rekey retransmission: multicast pushes are repeated because they are not acknowledged.
public struct Retransmission: Sendable, Equatable {
    public var count: Int
    public var intervalSeconds: Int

    public init(count: Int = 2, intervalSeconds: Int = 10) {
        self.count = count
        self.intervalSeconds = intervalSeconds
    }
}
