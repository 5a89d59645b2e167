import NIOCore

/// The port a datagram arrived on, as far as classification cares.
public enum ListeningPort: Sendable, Equatable {
    /// UDP 848, GDOI's port (RFC 6407 §2.2), which G-IKEv2 may share (RFC 9838 §2.1.1).
    case gdoi
    /// UDP 500: IKE without NAT traversal; no non-ESP marker (RFC 3947 §4; RFC 7296 §2.23).
    case ike
    /// UDP 4500: NAT traversal; IKE behind a non-ESP marker, otherwise ESP (RFC 3948 §2.2).
    case natTraversal
}

/// What a datagram is.
public enum DatagramKind: Equatable, Sendable {
    /// An ISAKMP message (IKEv1 phase 1, GDOI): MjVer 1 (RFC 2408 §3.1). The buffer starts at the
    /// ISAKMP header; any non-ESP marker has been stripped.
    case isakmp(ByteBuffer)
    /// An IKEv2 / G-IKEv2 message: MjVer 2 (RFC 7296 §3.1), marker stripped.
    case ikev2(ByteBuffer)
    /// ESP on the NAT-T port (RFC 3948 §2.2): the SPI is non-zero.
    case esp(ByteBuffer)
    /// A NAT-keepalive, one octet 0xFF (RFC 3948 §2.3): dropped by the receiver.
    case natKeepalive
}

/// Sorts an incoming datagram by port and version octet (WIRE-REFERENCE §1). Only the header is
/// looked at; the message codecs check everything else.
public enum DatagramClassifier {
    /// Offset of MjVer|MnVer in the ISAKMP / IKEv2 header (RFC 2408 §3.1; RFC 7296 §3.1).
    static let versionOffset = 17

    public static func classify(_ datagram: ByteBuffer, port: ListeningPort) throws -> DatagramKind {
        let reader = WireReader(buffer: datagram, context: "datagram")
        let bytes = reader.buffer
        if port == .natTraversal && bytes.readableBytes == 1 && bytes.getInteger(at: 0, as: UInt8.self) == WireLimits.natKeepaliveOctet {
            return .natKeepalive
        }
        let startsWithMarker = bytes.readableBytes >= WireLimits.nonESPMarkerLength
            && bytes.getInteger(at: 0, endianness: .big, as: UInt32.self) == 0
        var messageOffset = 0
        switch port {
        case .natTraversal:
            guard startsWithMarker else {
                // An ESP SPI is never 0 (RFC 4303 §2.1), so anything else is ESP.
                guard bytes.readableBytes >= WireLimits.minimumESPLength else {
                    throw WireError.truncated(payload: "ESP", field: "SPI|Sequence Number", offset: 0,
                                              needed: WireLimits.minimumESPLength, available: bytes.readableBytes)
                }
                return .esp(bytes)
            }
            messageOffset = WireLimits.nonESPMarkerLength
        case .gdoi:
            // strongSwan prepends the marker on every port but 500; tolerate it here. An ISAKMP
            // cookie / IKE SPI is never 0 (RFC 2408 §2.5.3; RFC 7296 §3.1), so zeros mean marker.
            if startsWithMarker { messageOffset = WireLimits.nonESPMarkerLength }
        case .ike:
            break
        }
        let available = bytes.readableBytes - messageOffset
        guard available >= WireLimits.headerLength else {
            throw WireError.truncated(payload: "header", field: "fixed header", offset: messageOffset,
                                      needed: WireLimits.headerLength, available: Swift.max(available, 0))
        }
        let message = bytes.getSlice(at: messageOffset, length: available) ?? ByteBuffer()
        let version = message.getInteger(at: versionOffset, as: UInt8.self) ?? 0
        let major = version >> 4
        switch major {
        case 1: return .isakmp(message)
        case 2: return .ikev2(message)
        default:
            throw WireError.unsupportedVersion(offset: messageOffset + versionOffset, major: major, minor: version & 0x0F)
        }
    }

    /// Prepends the non-ESP marker for sending IKE on the NAT-T port (RFC 3948 §2.2).
    public static func withNonESPMarker(_ message: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(message.readableBytes + WireLimits.nonESPMarkerLength)
        out.writeInteger(UInt32(0))
        var copy = message
        out.writeBuffer(&copy)
        return out
    }
}
