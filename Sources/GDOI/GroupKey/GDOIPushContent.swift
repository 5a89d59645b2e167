import GroupState
import LKH

/// What one GROUPKEY-PUSH carries, protocol-neutral: the caller (the rekey lifecycle in GroupState)
/// decides it, `GroupKeyPushBuilder` renders it for GDOI (RFC 6407 §4).
public struct GDOIPushContent: Sendable {
    /// The group's name in the `GroupDirectory`.
    public var group: String
    /// New or updated TEKs, as the group state holds them (same SPIs and keys as G-IKEv2's).
    public var teks: [DataSecuritySA]
    /// SPIs of TEKs members must delete (RFC 6407 §5.9, Delete payload).
    public var deletedTEKSPIs: [[UInt8]]
    /// A new Rekey SA (KEK rollover), or nil to keep the current one.
    public var newKEK: RekeySA?
    /// An LKH eviction: its update arrays replace the remaining members' path keys up to a new root,
    /// which becomes the group KEK (RFC 6407 §4.3, §5.6.3.2). A push with one carries no TEKs
    /// (forward access control: WIRE-REFERENCE §13; RFC 6407 §7.4.1).
    public var lkhUpdate: LKHEviction?
    /// The SEQ of this push: one more than the group's last (RFC 6407 §5.7); the caller's counter.
    public var sequence: UInt32

    public init(group: String, teks: [DataSecuritySA] = [], deletedTEKSPIs: [[UInt8]] = [], newKEK: RekeySA? = nil,
                lkhUpdate: LKHEviction? = nil, sequence: UInt32) {
        self.group = group
        self.teks = teks
        self.deletedTEKSPIs = deletedTEKSPIs
        self.newKEK = newKEK
        self.lkhUpdate = lkhUpdate
        self.sequence = sequence
    }
}
