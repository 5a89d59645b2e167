import EngineCore
import GDOIWire
import GroupKeyCrypto
import WireCore

/// What a GDOI member holds after GROUPKEY-PULL and follows through GROUPKEY-PUSH (RFC 6407 §3.3,
/// §4.4): the TEKs, the KEK, the LKH keys, the last SEQ and its Sender-IDs. Algorithms are also kept
/// in IKEv2 transform numbering, which the data plane keys ESP by, whatever protocol delivered them.
public struct GDOIMemberHoldings: Sendable, Equatable {
    public struct TEK: Sendable, Equatable {
        /// GDOI_PROTO_IPSEC_ESP (1) (RFC 6407 §5.5).
        public var protocolID: UInt8
        public var spi: [UInt8]
        /// The IPsec DOI ESP transform ID as received, and its IKEv2 equivalents.
        public var transformID: UInt8
        public var encryption: UInt16?
        public var keyBits: UInt16?
        public var integrity: UInt16?
        public var ipProtocol: UInt8
        public var source: GDOIIdentity
        public var destination: GDOIIdentity
        public var lifetimeSeconds: UInt32?
        /// Encryption key with salt, then integrity key: the layout of the shared `DataSecuritySA`.
        public var keyMaterial: SecretBytes
    }

    public struct KEK: Sendable, Equatable {
        public var key: GDOIKEKKey
        /// SIG_HASH_ALGORITHM and SIG_ALGORITHM (RFC 6407 §5.3.5, §5.3.6).
        public var signatureHash: UInt16
        public var signatureAlgorithm: UInt16
        /// SIG_ALGORITHM_KEY: the key server's public key, DER SubjectPublicKeyInfo (§5.6.2).
        public var signingPublicKey: [UInt8]?
        public var lifetimeSeconds: UInt32?
        /// KEK_ACK_REQUESTED (RFC 8263 §2), if the key server wants GROUPKEY-PUSH-ACKs.
        public var ackRequested: UInt16?
        /// The rekey source, so acknowledgements go back where pushes come from.
        public var source: GDOIIdentity
        public var destination: GDOIIdentity
    }

    /// The 4-octet group number (ID_KEY_ID, RFC 6407 §5.1).
    public var group: UInt32
    public var teks: [TEK]
    public var kek: KEK?
    /// LKH keys with their Key Data in the clear (IV | key), leaf first, group KEK last.
    public var lkhKeys: [LKHKey]
    /// The last GROUPKEY-PUSH sequence number seen (SEQ of PULL message 4, then each accepted push).
    public var sequence: UInt32
    public var senderIDs: [UInt32]
    public var senderIDBits: UInt16?
    public var activationDelay: UInt16?
    public var deactivationDelay: UInt16?
    /// TEKs a push deleted, kept for inbound traffic until the deactivation delay has passed
    /// (RFC 5374 §4.2.1; RFC 6407 §5.4.2): SPI → engine time (ms) of removal.
    public var retiring: [[UInt8]: Int64] = [:]
    /// New TEKs a sender receives only inbound until the activation delay has passed, then for
    /// sending too (RFC 5374 §4.2.1; RFC 6407 §5.4.1): SPI → engine time (ms) of activation.
    public var activating: [[UInt8]: Int64] = [:]

    public var groupName: String { String(group) }

    static let retireTimer = TimerID("gdoi-tek-retire")

    /// Activates the TEKs whose activation delay has passed and removes those whose deactivation
    /// delay has; schedules the next such moment.
    mutating func retire(now: EngineTime) -> [Action] {
        func due(_ table: [[UInt8]: Int64]) -> [[UInt8]] {
            table.filter { $0.value <= now.milliseconds }.map(\.key).sorted { $0.lexicographicallyPrecedes($1) }
        }
        let activated = due(activating), retired = due(retiring)
        for spi in activated { activating[spi] = nil }
        var actions = installActions(for: teks.filter { activated.contains($0.spi) }, kek: nil, sender: true)
        for spi in retired {
            retiring[spi] = nil
            teks.removeAll { $0.spi == spi }
            actions.append(.removeSA(SAReference(group: groupName, kind: .esp, spi: spi)))
        }
        if !(activated.isEmpty && retired.isEmpty) { actions += scheduleNextChange() }
        return actions
    }

    /// The timer for the next activation or removal, if any is pending.
    func scheduleNextChange() -> [Action] {
        guard let next = (Array(retiring.values) + Array(activating.values)).min() else { return [] }
        return [.scheduleTimer(Self.retireTimer, at: EngineTime(milliseconds: next))]
    }

    /// The TEK with this SPI.
    public func tek(spi: [UInt8]) -> TEK? { teks.first { $0.spi == spi } }

    /// Installs TEKs (both ways for a sender, inbound otherwise) and the KEK inbound, in the IKEv2
    /// numbering the G-IKEv2 member uses (RFC 9838 §2.3.3).
    func installActions(for teks: [TEK], kek: KEK?, sender: Bool) -> [Action] {
        var actions: [Action] = teks.map { tek in
            .installSA(SAInstallation(reference: SAReference(group: groupName, kind: .esp, spi: tek.spi), direction: sender ? .both : .inbound,
                                      encryptionTransform: tek.encryption, encryptionKeyBits: tek.keyBits, integrityTransform: tek.integrity,
                                      keyMaterial: tek.keyMaterial, lifetimeSeconds: tek.lifetimeSeconds,
                                      selectorSummary: "\(Self.describe(tek.source)) -> \(Self.describe(tek.destination))"))
        }
        if let kek {
            // KEK_ALGORITHM AES is CBC (RFC 6407 §5.3.2.3): ENCR_AES_CBC in IKEv2 numbering.
            actions.append(.installSA(SAInstallation(reference: SAReference(group: groupName, kind: .rekey, spi: kek.key.spi), direction: .inbound,
                                                     encryptionTransform: 12, encryptionKeyBits: UInt16(kek.key.key.count * 8),
                                                     integrityTransform: nil, keyMaterial: kek.key.keyData,
                                                     lifetimeSeconds: kek.lifetimeSeconds, selectorSummary: Self.describe(kek.destination))))
        }
        return actions
    }

    static func describe(_ identity: GDOIIdentity) -> String {
        let data = identity.data
        let half = data.count / 2
        func address(_ octets: ArraySlice<UInt8>) -> String {
            octets.count == 4 ? octets.map(String.init).joined(separator: ".")
                : stride(from: octets.startIndex, to: octets.endIndex, by: 2).map {
                    String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16)
                }.joined(separator: ":")
        }
        let port = identity.port == 0 ? "" : ":\(identity.port)"
        if [4, 6].contains(identity.idType), data.count == 8 || data.count == 32 {
            let prefix = data[half...].reduce(0) { $0 + $1.nonzeroBitCount }
            return "\(address(data[..<half]))/\(prefix)" + port
        }
        if [1, 5].contains(identity.idType), data.count == 4 || data.count == 16 { return address(data[...]) + port }
        return "id\(identity.idType)"
    }
}
