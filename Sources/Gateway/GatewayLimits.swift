import NIOCore

/// Transport limits, named so they are found and cited in one place.
enum GatewayLimits {
    /// NIO reads a datagram into a 2048-octet buffer unless told otherwise and cuts anything
    /// longer. An IKE message may be up to 65535 octets (16-bit UDP length; RFC 7296 §2 only
    /// sets a floor of 1280 that implementations MUST accept), and an unfragmented GSA_AUTH with
    /// certificates is easily past 2048, so read whole datagrams.
    static var datagramReceiveAllocator: FixedSizeRecvByteBufferAllocator {
        FixedSizeRecvByteBufferAllocator(capacity: 65_535)
    }
}
