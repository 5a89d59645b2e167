import EngineCore
import NIOCore

/// An `ADDR:PORT` given on the command line: `127.0.0.1:848`, `[::1]:848`. Kept as octets, like
/// `EndpointAddress`, so loopback checks never depend on how the text was spelled.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    public let endpoint: EndpointAddress

    public init(_ endpoint: EndpointAddress) { self.endpoint = endpoint }

    /// The local address a member binds to reach this server: the server's address family, and
    /// loopback for a loopback server, so the address our NAT detection hashes is exact.
    var memberBindHost: String {
        switch (endpoint.isIPv6, isLoopback) {
        case (false, true): return "127.0.0.1"
        case (false, false): return "0.0.0.0"
        case (true, true): return "::1"
        case (true, false): return "::"
        }
    }

    /// Parses `ADDR:PORT`; an IPv6 address goes in brackets. Port 0 asks the system for one.
    public init(parsing text: String) throws(GatewayError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalidListenAddress(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw .invalidListenAddress(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText),
              let address = try? SocketAddress(ipAddress: String(host), port: Int(port)),
              let endpoint = EndpointAddress(socketAddress: address) else {
            throw .invalidListenAddress(text)
        }
        self.endpoint = endpoint
    }

    /// 127.0.0.0/8 or ::1 (RFC 1122 §3.2.1.3; RFC 4291 §2.5.3).
    public var isLoopback: Bool {
        let octets = endpoint.addressOctets
        if octets.count == 4 { return octets[0] == 127 }
        return octets == Array(repeating: 0, count: 15) + [1]
    }

    public var description: String { endpoint.description }
}

extension EndpointAddress {
    /// The octets and port of an IPv4 or IPv6 socket address; nil for a Unix socket.
    public init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            let octets = withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
            self.init(addressOctets: octets, port: UInt16(bigEndian: address.address.sin_port))
        case .v6(let address):
            let octets = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            self.init(addressOctets: octets, port: UInt16(bigEndian: address.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// The socket address to send to.
    public var socketAddress: SocketAddress {
        get throws {
            try SocketAddress(packedIPAddress: ByteBuffer(bytes: addressOctets), port: Int(port))
        }
    }
}
