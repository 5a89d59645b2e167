#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address held as its network-order octets (4 or 16), parsed and printed with
/// the C library's inet_pton/inet_ntop so the text form is the standard canonical one
/// (RFC 5952 for IPv6).
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let octets: [UInt8]

    public var isIPv4: Bool { octets.count == 4 }

    /// Accepts exactly the dotted-quad and RFC 4291 §2.2 text forms.
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            octets = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            octets = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public init?(octets: [UInt8]) {
        guard octets.count == 4 || octets.count == 16 else { return nil }
        self.octets = octets
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var raw = octets
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = raw.withUnsafeMutableBytes { bytes in
            inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 §2.7).
    public var isMulticast: Bool {
        isIPv4 ? (octets[0] & 0xF0) == 0xE0 : octets[0] == 0xFF
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.octets.count != rhs.octets.count { return lhs.octets.count < rhs.octets.count }
        return lhs.octets.lexicographicallyPrecedes(rhs.octets)
    }
}

/// An address prefix such as 10.0.0.0/8. The stored address is the network address (host bits
/// cleared), so equal prefixes compare equal whatever host bits the text carried.
public struct IPPrefix: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let length: Int

    public init?(network address: IPAddress, length: Int) {
        let bits = address.octets.count * 8
        guard (0...bits).contains(length) else { return nil }
        var octets = address.octets
        for index in 0..<octets.count {
            let kept = max(0, min(8, length - index * 8))
            octets[index] &= kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
        }
        guard let network = IPAddress(octets: octets) else { return nil }
        self.network = network
        self.length = length
    }

    /// "ADDR/LEN", or a bare address meaning a host prefix.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), String(parsed) == parts[1] else { return nil }
            length = parsed
        } else {
            length = address.octets.count * 8
        }
        self.init(network: address, length: length)
    }

    /// The host bits of `text` that were cleared, i.e. whether the text was not canonical.
    public static func hasHostBits(_ text: String) -> Bool {
        guard let prefix = IPPrefix(text), let address = IPAddress(String(text.split(separator: "/")[0])) else { return false }
        return prefix.network != address
    }

    /// The last address the prefix covers.
    public var last: IPAddress {
        var octets = network.octets
        for index in 0..<octets.count {
            let kept = max(0, min(8, length - index * 8))
            octets[index] |= kept == 8 ? 0 : UInt8(truncatingIfNeeded: 0xFF >> kept)
        }
        return IPAddress(octets: octets) ?? network
    }

    public func overlaps(_ other: IPPrefix) -> Bool {
        guard network.isIPv4 == other.network.isIPv4 else { return false }
        return !(last < other.network || other.last < network)
    }

    public var description: String { "\(network)/\(length)" }
}

/// An inclusive port range; 0-65535 means any port.
public struct PortRange: Sendable, Hashable, CustomStringConvertible {
    public var lower: UInt16
    public var upper: UInt16

    public static let any = PortRange(lower: 0, upper: 65535)

    public init(lower: UInt16, upper: UInt16) {
        self.lower = lower
        self.upper = upper
    }

    /// "N" or "N-M".
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, let lower = UInt16(first), parts.count <= 2 else { return nil }
        let upper = parts.count == 2 ? UInt16(parts[1]) : lower
        guard let upper else { return nil }
        self.init(lower: lower, upper: upper)
    }

    public var isValid: Bool { lower <= upper }

    public func overlaps(_ other: PortRange) -> Bool {
        !(upper < other.lower || other.upper < lower)
    }

    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }
}
