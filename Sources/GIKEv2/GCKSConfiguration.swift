import EngineCore
import GIKEv2Wire

/// How a GCKS answers registrations, apart from the groups themselves (which come from the
/// shared `GroupDirectory`).
public struct GCKSConfiguration: Sendable {
    /// The address and port the GCKS receives on, hashed into NAT_DETECTION_SOURCE_IP
    /// (RFC 7296 §2.23).
    public var localEndpoint: EndpointAddress
    /// The GCKS's IDr (RFC 7296 §3.5).
    public var identity: IdentificationPayload
    /// Half-open IKE SAs at or above which IKE_SA_INIT must carry a valid COOKIE (RFC 7296 §2.6).
    public var cookieThreshold: Int
    /// How long a half-open IKE SA waits for its GSA_AUTH before it is dropped.
    public var halfOpenLifetimeMilliseconds: Int64
    /// How long an established registration SA is kept when the GCKS will not use it again: its
    /// groups are rekeyed by multicast GSA_REKEY (RFC 9838 §2.3.3: "the GCKS closes the IKE SA";
    /// §2.3.4: "after a short period of time the GCKS SHOULD close the IKE SA").
    public var registrationSALifetimeMilliseconds: Int64
    /// How long a registration SA is kept when one of its groups is rekeyed in-band
    /// (GSA_INBAND_REKEY, RFC 9838 §2.4.2, which needs the SA). We do not rekey the IKE SA itself
    /// (RFC 7296 §1.3.2): at this age the GCKS closes it with a Delete and the member registers
    /// again (§2.3.3: a GM whose IKE SA is closed re-registers to keep participating). Default
    /// 24 hours, the IKE SA lifetime GETVPN and strongSwan members commonly use.
    public var inbandRegistrationSALifetimeMilliseconds: Int64 = 86_400_000
    /// Nonce length the GCKS sends: 32 octets, above the 16 minimum and half the largest PRF key
    /// (RFC 7296 §2.10, §3.9).
    public var nonceLength: Int
    /// Largest IKE message sent whole to a member that announced IKEV2_FRAGMENTATION_SUPPORTED;
    /// larger protected messages go as SKF fragments (RFC 7383 §2.5). Nil: the RFC 7383 §2.5.1
    /// defaults, 576-octet IPv4 and 1280-octet IPv6 datagrams less IP, UDP and non-ESP marker.
    public var maximumMessageSize: Int?
    /// Our certificate and key, to authenticate to members that authenticate with certificates
    /// (RFC 7427); members using a PSK get a PSK AUTH.
    public var credential: SignatureCredential?
    /// DEBUG ONLY, nil by default: called with the keys of every registration IKE SA as soon as
    /// they are derived, so an operator can hand them to Wireshark (`serve --ike-key-log`).
    public var ikeKeyLog: (@Sendable (IKEKeyLogRecord) -> Void)?
    /// Whether `tick` performs the groups' scheduled rekeys (GCKSResponder+Rekey). Off until the
    /// host creates its group states on the same clock it ticks the engine with.
    public var scheduledRekeys = false

    public init(localEndpoint: EndpointAddress, identity: IdentificationPayload, cookieThreshold: Int = 1_000,
                halfOpenLifetimeMilliseconds: Int64 = 30_000, registrationSALifetimeMilliseconds: Int64 = 600_000,
                nonceLength: Int = 32, maximumMessageSize: Int? = nil, credential: SignatureCredential? = nil,
                ikeKeyLog: (@Sendable (IKEKeyLogRecord) -> Void)? = nil) {
        self.ikeKeyLog = ikeKeyLog
        self.localEndpoint = localEndpoint
        self.identity = identity
        self.cookieThreshold = cookieThreshold
        self.halfOpenLifetimeMilliseconds = halfOpenLifetimeMilliseconds
        self.registrationSALifetimeMilliseconds = registrationSALifetimeMilliseconds
        self.nonceLength = nonceLength
        self.maximumMessageSize = maximumMessageSize
        self.credential = credential
    }
}

/// Counters an operator watches; every dropped datagram is counted, never silently lost.
public struct GCKSStatistics: Sendable, Equatable {
    public var datagramsReceived = 0
    public var datagramsDropped = 0
    public var retransmissionsAnswered = 0
    public var cookiesDemanded = 0
    public var registrations = 0
    public var registrationFailures = 0
    public init() {}
}
