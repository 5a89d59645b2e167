import EngineCore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Where and how multicast rekeys leave the server.
public struct MulticastOptions: Sendable, Equatable {
    /// IPv4 address of the interface to send on (IP_MULTICAST_IF); nil: the kernel's route for
    /// the group. A server that listens only on loopback sends on loopback by default.
    public var interfaceAddress: String?
    /// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS. The policy format has no TTL yet; 1 keeps rekeys on
    /// the local link unless the operator widens it (GETVPN deployments route them with a larger TTL).
    public var ttl: UInt8
    /// IP_MULTICAST_LOOP: members on this host (the demo, tests) receive what we send.
    public var loopback: Bool

    public init(interfaceAddress: String? = nil, ttl: UInt8 = 1, loopback: Bool = true) {
        self.interfaceAddress = interfaceAddress
        self.ttl = ttl
        self.loopback = loopback
    }
}

extension EndpointAddress {
    /// IPv4 224.0.0.0/4 (RFC 5771) or IPv6 ff00::/8 (RFC 4291 §2.7).
    public var isMulticast: Bool {
        addressOctets.count == 4 ? addressOctets[0] & 0xF0 == 0xE0 : addressOctets[0] == 0xFF
    }
}

/// Sends the engine's datagrams addressed to a multicast group (GSA_REKEY to the rekey SA's
/// destination, RFC 9838 §2.4.1) through sockets set up for multicast: the interface, TTL and
/// loopback of `MulticastOptions`. Unicast sends are left to the driver's routes.
final class MulticastRekeySender: @unchecked Sendable {
    // @unchecked: immutable after `open`; channels are thread-safe.
    private let ipv4: (any Channel)?
    private let ipv6: (any Channel)?
    private let logger: Logger

    private init(ipv4: (any Channel)?, ipv6: (any Channel)?, logger: Logger) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.logger = logger
    }

    static func open(on loop: any EventLoop, options: MulticastOptions, logger: Logger) async throws(GatewayError) -> MulticastRekeySender {
        var ipv4: (any Channel)?
        do {
            let channel = try await DatagramBootstrap(group: loop).bind(host: "0.0.0.0", port: 0).get()
            ipv4 = channel
            guard let provider = channel as? any SocketOptionProvider else { throw GatewayError.socket("no socket options") }
            try await provider.setIPMulticastLoop(options.loopback ? 1 : 0).get()
            try await provider.setIPMulticastTTL(options.ttl).get()
            if let interface = options.interfaceAddress {
                var address = in_addr()
                guard inet_pton(AF_INET, interface, &address) == 1 else {
                    throw GatewayError.invalidListenAddress("multicast interface \(interface) (an IPv4 address)")
                }
                try await provider.setIPMulticastIF(address).get()
            }
        } catch {
            try? await ipv4?.close()
            if let error = error as? GatewayError { throw error }
            throw .socket("cannot open the multicast rekey socket: \(error)")
        }
        // IPv6 groups are rarer; a host without IPv6 still sends IPv4 rekeys.
        var ipv6: (any Channel)?
        if let channel = try? await DatagramBootstrap(group: loop).bind(host: "::", port: 0).get() {
            if let provider = channel as? any SocketOptionProvider {
                _ = try? await provider.setIPv6MulticastLoop(CUnsignedInt(options.loopback ? 1 : 0)).get()
                _ = try? await provider.setIPv6MulticastHops(CInt(options.ttl)).get()
            }
            ipv6 = channel
        }
        return MulticastRekeySender(ipv4: ipv4, ipv6: ipv6, logger: logger)
    }

    /// Sends `datagram` if `peer` is a multicast group; false leaves it to the caller.
    func send(_ datagram: [UInt8], to peer: EndpointAddress) -> Bool {
        guard peer.isMulticast else { return false }
        guard let channel = peer.isIPv6 ? ipv6 : ipv4, let address = try? peer.socketAddress else {
            logger.warning("no socket for the multicast group", metadata: ["code": "GW-MULTICAST-NO-SOCKET", "group": "\(peer)"])
            return true
        }
        // GSA_REKEY goes without a non-ESP marker: members receive it on the rekey SA's port,
        // which carries IKE only (RFC 9838 §2.1.1 makes the marker optional on 848).
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: datagram)), promise: nil)
        return true
    }

    func close() async {
        try? await ipv4?.close()
        try? await ipv6?.close()
    }
}
