/// A UDP/TCP endpoint: an IPv4 (4 octets) or IPv6 (16 octets) address and a port. Kept as octets
/// because NAT detection hashes them exactly as they are on the wire (RFC 7296 §2.23).
public struct EndpointAddress: Hashable, Sendable, CustomStringConvertible {
    public let addressOctets: [UInt8]
    public let port: UInt16

    /// `addressOctets` must be 4 or 16 octets; anything else is a caller bug.
    public init(addressOctets: [UInt8], port: UInt16) {
        precondition(addressOctets.count == 4 || addressOctets.count == 16, "an IP address has 4 or 16 octets")
        self.addressOctets = addressOctets
        self.port = port
    }

    /// Dotted IPv4 shorthand for tests and demos.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> EndpointAddress {
        EndpointAddress(addressOctets: [a, b, c, d], port: port)
    }

    public var isIPv6: Bool { addressOctets.count == 16 }

    /// The port as two octets, big-endian, for hashing.
    public var portOctets: [UInt8] { [UInt8(port >> 8), UInt8(port & 0xFF)] }

    public var description: String {
        if isIPv6 {
            let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(addressOctets[$0]) << 8 | UInt16(addressOctets[$0 + 1]), radix: 16) }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        }
        return addressOctets.map(String.init).joined(separator: ".") + ":\(port)"
    }
}
