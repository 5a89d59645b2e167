import LKH

/// Which protocol a member registered with: decides how a rekey reaches it (GDOI GROUPKEY-PUSH or
/// G-IKEv2 GSA_REKEY / GSA_INBAND_REKEY) and which sequence counter applies.
public enum MemberProtocol: String, Sendable, Equatable, Codable {
    case gikev2
    case gdoi
}

/// One rekey event of a group in protocol-neutral terms. The G-IKEv2 engine renders it as
/// GSA_REKEY (RFC 9838 §2.4.1) or GSA_INBAND_REKEY (§2.4.2), the GDOI engine as GROUPKEY-PUSH
/// (RFC 6407 §4). Everything a renderer needs is here, so both populations get the same keys.
public struct GroupRekey: Sendable {
    public enum Reason: String, Sendable, Equatable, Codable {
        /// A TEK reached its lead time before expiry (RFC 9838 §2.4; RFC 6407 §4).
        case tekRollover = "tek-rollover"
        /// The operator asked for a rekey now (`groupkey rekey GROUP`).
        case operatorRequest = "operator"
        /// Members were removed: the KEK and the key-tree path keys change, no TEK (§13 below).
        case eviction
        /// The TEKs that follow an eviction, under the new KEK (RFC 9838 §3.2.1; RFC 6407 §7.4.1).
        case postEvictionTEK = "post-eviction-tek"
        /// The rekey SA (KEK) reached its lead time before expiry.
        case rekeySARollover = "rekey-sa-rollover"
    }

    public let reason: Reason
    public let group: String
    public let createdAtMilliseconds: Int64
    /// The rekey SA that protects this message, as it was when the rekey was made: its SPI goes in
    /// the header, its GSK_e/GSK_a protect the message, its GSK_w wraps keys with no LKH wrap
    /// (RFC 9838 §2.4.1, §3.4). GDOI: the KEK that encrypts the push. Nil without a rekey SA
    /// (the rekey can then only travel in-band, over each member's registration SA).
    public let protectingRekeySA: RekeySA?
    /// GSA_REKEY Message ID, the replay counter, taken from `protectingRekeySA` (0 first on a
    /// new rekey SA, RFC 9838 §2.4.1.3). Unused by GSA_INBAND_REKEY, which numbers messages on
    /// each IKE SA.
    public let gikev2MessageID: UInt32?
    /// GROUPKEY-PUSH SEQ (RFC 6407 §3.2, §5.7): 1 on the first push, never reused in the group.
    public let gdoiSequence: UInt32
    /// New data-security SAs to install; empty in an eviction (forward access control).
    public let newTEKs: [DataSecuritySA]
    /// SPIs of TEKs replaced by `newTEKs`, sent as Delete. Members stop using them for outbound
    /// traffic at activation and remove them after the deactivation delay, or at their own expiry
    /// when the group gives no deactivation delay (RFC 9838 §2.4.1.4; RFC 5374 §4.2.1).
    public let retiredTEKSPIs: [[UInt8]]
    /// A new rekey SA delivered under the old one. Members adopt it and delete the old one silently
    /// after the deactivation delay (RFC 9838 §2.4.1.4).
    public let newRekeySA: RekeySA?
    /// New key-tree keys and who can unwrap them; nil when the tree did not change. The new rekey
    /// SA's KEYMAT is wrapped under `keyTreeUpdate.newRoot` (RFC 9838 Appendix A.4).
    public let keyTreeUpdate: LKHEviction?
    /// Registration identities removed by this rekey.
    public let evictedMembers: [String]
    /// Members still in the group after this rekey (for unicast delivery); their protocols are in
    /// `GroupState.memberProtocol(of:)`.
    public let recipients: [String]
    /// GWP_ATD / GAP ACTIVATION_TIME_DELAY: seconds senders wait before using a new TEK.
    public let activationDelaySeconds: UInt16?
    /// GWP_DTD / GAP DEACTIVATION_TIME_DELAY: seconds receivers keep an old SA.
    public let deactivationDelaySeconds: UInt16?

    public init(reason: Reason, group: String, createdAtMilliseconds: Int64, protectingRekeySA: RekeySA?,
                gikev2MessageID: UInt32?, gdoiSequence: UInt32, newTEKs: [DataSecuritySA], retiredTEKSPIs: [[UInt8]],
                newRekeySA: RekeySA?, keyTreeUpdate: LKHEviction?, evictedMembers: [String], recipients: [String],
                activationDelaySeconds: UInt16?, deactivationDelaySeconds: UInt16?) {
        self.reason = reason
        self.group = group
        self.createdAtMilliseconds = createdAtMilliseconds
        self.protectingRekeySA = protectingRekeySA
        self.gikev2MessageID = gikev2MessageID
        self.gdoiSequence = gdoiSequence
        self.newTEKs = newTEKs
        self.retiredTEKSPIs = retiredTEKSPIs
        self.newRekeySA = newRekeySA
        self.keyTreeUpdate = keyTreeUpdate
        self.evictedMembers = evictedMembers
        self.recipients = recipients
        self.activationDelaySeconds = activationDelaySeconds
        self.deactivationDelaySeconds = deactivationDelaySeconds
    }

    /// Whether this rekey changes membership (and so must carry no TEK).
    public var changesMembership: Bool { !evictedMembers.isEmpty }
}
