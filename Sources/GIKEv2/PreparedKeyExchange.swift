import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// The key agreement of a new registration IKE SA, made before the GCKS engine sees the
/// IKE_SA_INIT request. It depends only on the request (the initiator's KE payload) and fresh
/// randomness, not on the engine's state, so a transport can compute it on another thread: the
/// engine runs on one thread, and key generation plus agreement is about 40 % of what a
/// registration costs it (two X25519 operations). The engine takes it only if it answers the
/// request with exactly that method and peer value (`GCKSResponder.handle(datagram:from:now:prepared:)`);
/// otherwise, and for everything it checks first (retransmission, COOKIE, proposal, INVALID_KE),
/// it behaves as without it. Our private value is used once, by the SA it was made for.
public struct PreparedKeyExchange: Sendable {
    let methodID: UInt16
    let peerPublicValue: [UInt8]
    let privateKey: KeyExchangePrivateKey
    let sharedSecret: SecretBytes

    /// Our public value, as the IKE_SA_INIT response will carry it.
    public var publicValue: [UInt8] { privateKey.publicValue }

    /// Whether `datagram` looks like an IKE_SA_INIT request opening a new SA (initiator, not a
    /// response, responder SPI 0, Message ID 0): a check of fixed header octets only (RFC 7296
    /// §3.1), cheap enough for the transport to make on every datagram.
    public static func isNewSAInitRequest(_ datagram: [UInt8]) -> Bool {
        guard datagram.count >= WireLimits.headerLength else { return false }
        let flags = datagram[19]
        guard datagram[18] == IKEv2ExchangeType.ikeSAInit, flags & IKEv2Header.initiatorFlag != 0,
              flags & IKEv2Header.responseFlag == 0 else { return false }
        for index in 8..<16 where datagram[index] != 0 { return false }  // responder SPI
        for index in 20..<24 where datagram[index] != 0 { return false }  // Message ID
        return true
    }

    /// Our key pair and the shared secret for the request's KE payload; nil when the datagram is
    /// not a well-formed IKE_SA_INIT request, names a method we do not implement (or only as a
    /// legacy one), or carries a peer value that does not validate (RFC 6989): the engine then
    /// answers as it would anyway.
    public static func prepare(forRequest datagram: [UInt8], random: some RandomSource) -> PreparedKeyExchange? {
        guard isNewSAInitRequest(datagram), let message = try? IKEv2Message.parse(datagram) else { return nil }
        for case .keyExchange(let offered) in message.payloads {
            guard let method = try? AlgorithmRegistry.keyExchange(number: offered.group),
                  let ours = try? KeyExchangeSecret.make(method, random: random),
                  let shared = try? ours.sharedSecret(peerPublicValue: offered.data) else { return nil }
            return PreparedKeyExchange(methodID: offered.group, peerPublicValue: offered.data, privateKey: ours, sharedSecret: shared)
        }
        return nil
    }
}
