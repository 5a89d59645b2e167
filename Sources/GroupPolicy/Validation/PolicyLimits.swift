/// The ranges the validator enforces. Where an RFC fixes a field width the limit cites it; the
/// lifetime ranges are operational bounds (those of widely deployed GDOI key servers), not
/// protocol limits: both protocols carry any 32-bit number of seconds.
public enum PolicyLimits {
    /// Data-security SA (TEK) lifetime, seconds.
    public static let tekLifetime: ClosedRange<UInt32> = 120...86_400
    /// Rekey SA (KEK) lifetime, seconds.
    public static let kekLifetime: ClosedRange<UInt32> = 300...604_800
    /// Activation and deactivation delays are 16-bit seconds in GDOI GAP (RFC 6407 §5.4, basic
    /// attributes) and in G-IKEv2 GWP_ATD/GWP_DTD (RFC 9838 §4.4.3).
    public static let timeDelay: ClosedRange<UInt32> = 0...65_535
    /// Sequence-number anti-replay window, packets. RFC 4303 §3.4.3: 32 is the minimum a
    /// receiver SHOULD support, 64 the default.
    public static let counterReplayWindow: ClosedRange<UInt32> = 32...65_536
    /// Time-based anti-replay window, seconds.
    public static let timeReplayWindow: ClosedRange<UInt32> = 1...600
    /// Retransmissions of one multicast rekey, and their spacing in seconds.
    public static let rekeyRetransmissions: ClosedRange<Int> = 0...10
    public static let rekeyRetransmitInterval: ClosedRange<Int> = 1...3_600
}
