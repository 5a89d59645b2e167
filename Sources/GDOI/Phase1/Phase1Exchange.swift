import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// One phase-1 negotiation (RFC 2409 §5), either role, Main or Aggressive Mode, from the first
/// message until the ISAKMP SA is established. Pure: each step takes a parsed message and returns
/// the datagrams to send; the engine owns timers, tables and the established SAs.
struct Phase1Exchange: Sendable {
    enum State: Sendable, Equatable {
        // Initiator.
        case sentSA                 // Main Mode message 1 sent
        case sentKeyExchange        // Main Mode message 3 sent
        case sentIdentity           // Main Mode message 5 sent
        case sentAggressive         // Aggressive Mode message 1 sent
        // Responder.
        case answeredSA             // Main Mode message 2 sent
        case answeredKeyExchange    // Main Mode message 4 sent
        case answeredAggressive     // Aggressive Mode message 2 sent
        case established
    }

    let role: Phase1SA.Role
    let mode: Phase1Mode
    let cookieInitiator: [UInt8]
    var cookieResponder: [UInt8]
    /// Where the peer's messages come from (it may float to port 4500, RFC 3947 §4).
    var peer: EndpointAddress
    /// Where message 1 came from: the responder's index of exchanges by initiator cookie uses it.
    var firstPeer: EndpointAddress?
    let createdAt: EngineTime
    var state: State
    /// DOI of the phase-1 SA payload: 2 (GDOI members, RFC 6407 §2.1) or 1 (IPsec DOI peers).
    var doi: UInt32
    /// What the initiator offered, and what was agreed.
    var offered: [Phase1Proposal] = []
    var proposal: Phase1Proposal?
    /// SAi_b: the body of the initiator's SA payload as sent (RFC 2409 §5).
    var saInitiatorBody: [UInt8] = []
    var localKey: KeyExchangePrivateKey?
    var publicValueInitiator: [UInt8] = []
    var publicValueResponder: [UInt8] = []
    var nonceInitiator: [UInt8] = []
    var nonceResponder: [UInt8] = []
    var material: Phase1KeyMaterial?
    /// The CBC chain's next IV (RFC 2409 App. B).
    var iv: [UInt8] = []
    /// Aggressive Mode: the initiator's ID body from message 1, for HASH_I.
    var identityInitiatorBody: [UInt8] = []
    var peerIdentity: ISAKMPIdentification?
    var peerCredential: Phase1SA.PeerCredential?
    /// Aggressive Mode responder: the key found for the ID in message 1.
    var preSharedKey: SecretBytes?
    var peerSupportsNATTraversal = false
    var peerSupportsDPD = false
    /// Either side is behind a NAT (NAT-D hashes differed, RFC 3947 §3.2).
    var natDetected = false
    var peerRequestedCertificate = false
    /// Responder: the last request processed and the answer sent, for retransmissions.
    var lastRequest: [UInt8]?
    var lastResponse: [[UInt8]] = []
    /// Initiator: the request awaiting its answer.
    var pending: PendingRequest?
    var lastPhase1Block: [UInt8] = []
    /// The keys went to the configured key log already.
    var keysLogged = false

    var cookiePair: CookiePair { CookiePair(initiator: cookieInitiator.bigEndianUInt64, responder: cookieResponder.bigEndianUInt64) }

    func header(flags: UInt8 = 0) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: cookieInitiator.bigEndianUInt64, responderCookie: cookieResponder.bigEndianUInt64,
                     exchangeType: mode.exchangeType, flags: flags, messageID: 0)
    }

    /// The phase-1 SA once the last message is through.
    func establishedSA(configuration: Phase1Configuration, now: EngineTime) throws -> Phase1SA {
        guard let material, let proposal, let peerIdentity, let peerCredential else {
            throw GDOIError.internal("phase 1 completed without its keys or the peer's identity")
        }
        return Phase1SA(initiatorCookie: cookieInitiator, responderCookie: cookieResponder, role: role,
                        cipher: proposal.cipher, hash: material.prf.digest, prf: material.prf, keys: material.keys,
                        encryptionKey: material.protection.key, lastPhase1Block: lastPhase1Block,
                        localIdentity: configuration.localIdentity(for: proposal), peerIdentity: peerIdentity, peerCredential: peerCredential,
                        peerAddress: peer, usesNonESPMarker: peer.port == 4500 || natDetected,
                        establishedAtMilliseconds: now.milliseconds, lifetimeSeconds: proposal.lifetimeSeconds)
    }

    // MARK: Shared steps

    /// Reads and checks a peer's KE and nonce (RFC 2409 §5: nonce 8..256 octets; KE as long as
    /// the group's public value).
    static func keyExchangeAndNonce(_ payloads: [ISAKMPPayload], method: KeyExchangeMethod) throws -> (ke: [UInt8], nonce: [UInt8]) {
        guard let ke = payloads.lazy.compactMap({ if case .keyExchange(let d) = $0 { return d } else { return nil } }).first,
              let nonce = payloads.lazy.compactMap({ if case .nonce(let d) = $0 { return d } else { return nil } }).first else {
            throw GDOIError.malformed("KE or NONCE missing")
        }
        guard ke.count == method.publicValueLength else {
            throw GDOIError.malformed("KE of \(ke.count) octets for \(method) (expected \(method.publicValueLength))")
        }
        guard (ISAKMPLimits.minimumNonceLength...ISAKMPLimits.maximumNonceLength).contains(nonce.count) else {
            throw GDOIError.malformed("nonce of \(nonce.count) octets (RFC 2409 §5: 8 to 256)")
        }
        return (ke, nonce)
    }

    /// Header fields no HASH covers, checked before anything else (RFC 2408 §3.1, §5.1): minor
    /// version 0 ("SHOULD NOT accept" a larger one), and no flag but E and C (the
    /// Authentication-Only flag is never used by IKEv1/GDOI, the other bits are reserved).
    static func checkHeader(_ header: ISAKMPHeader) throws {
        guard header.minorVersion == 0 else {
            throw GDOIError.malformed("ISAKMP minor version \(header.minorVersion) (RFC 2408 §3.1)")
        }
        guard header.flags & ~(ISAKMPHeader.encryptionFlag | ISAKMPHeader.commitFlag) == 0 else {
            throw GDOIError.malformed("ISAKMP flags 0x\(String(header.flags, radix: 16)) (INVALID-FLAGS, RFC 2408 §5.1)")
        }
    }

    /// The exchange's payload rules for message `message` (GDOIExchangeRules), as a GDOIError.
    static func checkRules(_ header: ISAKMPHeader, _ payloads: [ISAKMPPayload], _ offsets: [Int], message: Int) throws {
        do { try GDOIExchangeRules.check(header: header, payloads: payloads, offsets: offsets, message: message) } catch {
            throw GDOIError.malformed("\(error)")
        }
    }

    static func vendorIDs(_ payloads: [ISAKMPPayload]) -> [[UInt8]] {
        payloads.compactMap { if case .vendorID(let data) = $0 { return data } else { return nil } }
    }

    static func identification(_ payloads: [ISAKMPPayload]) -> (index: Int, id: ISAKMPIdentification)? {
        for (index, payload) in payloads.enumerated() { if case .identification(let id) = payload { return (index, id) } }
        return nil
    }

    /// The body of an ID payload as we send it (what our HASH covers).
    static func identityBody(_ id: ISAKMPIdentification) throws -> [UInt8] {
        Array(try ISAKMPMessage.serializePayloads([.identification(id)]).dropFirst(4))
    }

    /// Computes the DH shared secret and every key (RFC 2409 §5).
    mutating func deriveKeys(secret: Phase1KeyMaterial.Secret) throws {
        guard let proposal, let localKey else { throw GDOIError.internal("keys derived before the suite was agreed") }
        let peerValue = role == .initiator ? publicValueResponder : publicValueInitiator
        let shared: SecretBytes
        do { shared = try localKey.sharedSecret(peerPublicValue: peerValue) } catch {
            throw GDOIError.crypto("peer's public value refused: \(error)")
        }
        do {
            material = try Phase1KeyMaterial(proposal: proposal, secret: secret, sharedSecret: shared,
                                             nonceInitiator: nonceInitiator, nonceResponder: nonceResponder,
                                             cookieInitiator: cookieInitiator, cookieResponder: cookieResponder,
                                             publicValueInitiator: publicValueInitiator, publicValueResponder: publicValueResponder)
        } catch let error as GDOIError { throw error } catch { throw GDOIError.crypto("\(error)") }
        iv = material?.initialIV ?? []
    }

    /// Hands the keys to the configured debug key log, once, as soon as they exist.
    mutating func logKeysOnce(_ configuration: Phase1Configuration) {
        guard !keysLogged, let keyLog = configuration.keyLog, let material else { return }
        keysLogged = true
        keyLog(Phase1KeyLogRecord(initiatorCookie: cookieInitiator, encryptionKey: material.protection.key))
    }

    /// What SKEYID is made of for the agreed method: for PSK the key the caller found.
    func secret(preSharedKey: SecretBytes?) throws -> Phase1KeyMaterial.Secret {
        switch proposal?.authentication {
        case .preSharedKey?:
            guard let preSharedKey else { throw GDOIError.authenticationFailed("no pre-shared key for \(peer)") }
            return .preSharedKey(preSharedKey)
        case .rsaSignature?: return .signature
        case nil: throw GDOIError.internal("no suite agreed")
        }
    }
}

/// An ISAKMP SA's name: the cookie pair (RFC 2408 §3.1).
public struct CookiePair: Hashable, Sendable, CustomStringConvertible {
    public var initiator: UInt64
    public var responder: UInt64

    public init(initiator: UInt64, responder: UInt64) {
        self.initiator = initiator
        self.responder = responder
    }

    public init(_ header: ISAKMPHeader) {
        self.init(initiator: header.initiatorCookie, responder: header.responderCookie)
    }

    public init(_ sa: Phase1SA) {
        self.init(initiator: sa.initiatorCookie.bigEndianUInt64, responder: sa.responderCookie.bigEndianUInt64)
    }

    public var octets: [UInt8] { initiator.bigEndianOctets + responder.bigEndianOctets }

    public var description: String { initiator.bigEndianOctets.hexString + "_i " + responder.bigEndianOctets.hexString + "_r" }
}

/// What one step of an exchange produced.
struct Phase1Outcome: Sendable {
    var send: [[UInt8]] = []
    var established: Phase1SA?
    var logs: [LogEvent] = []
    /// The peer sent INITIAL-CONTACT with its authentication (RFC 2407 §4.6.3.3): it holds no other
    /// SA with us, so any older one with the same identity and address is stale.
    var initialContact = false
}

/// INITIAL-CONTACT, an IPsec DOI status Notify (RFC 2407 §4.6.3.3).
let initialContactNotify: UInt16 = 24578

extension Phase1Outcome {
    static func hasInitialContact(_ payloads: [ISAKMPPayload]) -> Bool {
        payloads.contains { if case .notification(let n) = $0 { return n.messageType == initialContactNotify } else { return false } }
    }
}
