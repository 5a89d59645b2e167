/// Sizes and bounds that every codec checks against, each with the text that fixes it. No parse
/// allocates more than the octets it was given, so these bound work rather than memory.
public enum WireLimits {
    /// IKEv2 and ISAKMP fixed header length (RFC 7296 §3.1; RFC 2408 §3.1).
    public static let headerLength = 28
    /// Generic payload header: Next Payload, flags/RESERVED, Payload Length (RFC 7296 §3.2;
    /// RFC 2408 §3.2).
    public static let genericPayloadHeaderLength = 4
    /// Largest message accepted. The header Length is 32 bits, but a message travels in one UDP
    /// datagram (RFC 768: 16-bit length) or one RFC 8229 frame (16-bit length, §3.1), so nothing
    /// larger can arrive.
    public static let maximumMessageLength = 65_535
    /// Most payloads walked in one chain. No RFC bounds the count; the smallest payload is 4 octets,
    /// so a 64 KiB message holds at most 16383 of them. We stop earlier, far above any real exchange.
    public static let maximumPayloadsPerChain = 512
    /// TV attribute value: exactly 2 octets (RFC 2408 §3.3; RFC 7296 §3.3.5).
    public static let tvValueLength = 2
    /// Data attribute header: AF|Type (2) + Length or Value (2) (RFC 2408 §3.3; RFC 7296 §3.3.5).
    public static let attributeHeaderLength = 4
    /// Non-ESP marker before an IKE header on the NAT-T port: four zero octets (RFC 3948 §2.2;
    /// RFC 7296 §2.23).
    public static let nonESPMarkerLength = 4
    /// NAT-keepalive: a single octet 0xFF (RFC 3948 §2.3).
    public static let natKeepaliveOctet: UInt8 = 0xFF
    /// RFC 8229 §4: a TCP stream opens with the ASCII prefix "IKETCP".
    public static let tcpStreamPrefix: [UInt8] = Array("IKETCP".utf8)
    /// RFC 8229 §3.1: the frame Length field is 16 bits.
    public static let tcpLengthFieldLength = 2
    /// The smallest ESP packet: SPI (4) + Sequence Number (4) (RFC 4303 §2).
    public static let minimumESPLength = 8
}
