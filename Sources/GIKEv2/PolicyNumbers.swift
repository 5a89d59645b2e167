import GroupKeyCrypto
import GroupKeyTypes
import GroupPolicy
import GroupState

// The bridge from the protocol-neutral group state to IKEv2 numbers. This file imports the
// policy model and not the wire codec (whose `GroupPolicy` enum would shadow the module name).

/// One encryption/integrity pair as IKEv2 transform numbers (RFC 7296 §3.3.2).
struct TransformNumbers: Sendable, Equatable {
    var encryption: UInt16?
    /// Key Length attribute, bits; nil for fixed-size ciphers.
    var keyBits: UInt16?
    var integrity: UInt16?
    var isAEAD: Bool
}

/// An IKE SA proposal the policy allows for registration.
struct SuiteNumbers: Sendable, Equatable {
    var transforms: TransformNumbers
    var prf: UInt16
    var keyExchange: UInt16
}

/// A bare address-range selector (RFC 7296 §3.13.1) as octets.
struct SelectorNumbers: Sendable, Equatable {
    var ipProtocol: UInt8
    var startPort: UInt16
    var endPort: UInt16
    var startAddress: [UInt8]
    var endAddress: [UInt8]
}

/// A data-security SA as the GSA TEK policy and its Group Key Bag carry it.
struct TEKOffer: Sendable {
    var protocolID: UInt8
    var spi: [UInt8]
    var transforms: TransformNumbers
    var source: SelectorNumbers
    var destination: SelectorNumbers
    var lifetimeSeconds: UInt32
    var isCounterMode: Bool
    var multiSender: Bool
    var keyMaterial: SecretBytes
    var summary: String
}

/// The rekey SA as the GSA KEK policy and its Group Key Bag carry it.
struct RekeyOffer: Sendable {
    var spi: [UInt8]
    var transforms: TransformNumbers
    var keyWrap: UInt16
    var gcauth: UInt16
    var signatureAlgorithmIdentifier: [UInt8]?
    var authKey: [UInt8]?
    var source: SelectorNumbers
    var destination: SelectorNumbers
    var lifetimeSeconds: UInt32
    var initialMessageID: UInt32
    var keyMaterial: SecretBytes
}

/// Everything one registration response renders, read from `GroupState`.
struct GroupOffer: Sendable {
    var name: String
    var teks: [TEKOffer]
    var rekey: RekeyOffer?
    var activationDelay: UInt16?
    var deactivationDelay: UInt16?
    var senderIDBits: Int?
    var useTransportMode: Bool
    /// GSA_INBAND_REKEY instead of a multicast Rekey SA: no GIKE_UPDATE policy, no WRAP_KEY, and
    /// no GSA_KEY_LIFETIME (RFC 9838 §2.4.2, §4.4.2.2.1, §4.5.3.1).
    var inbandRekey: Bool
    /// Key size of the largest cipher key in the group: GSK_w should be no smaller (RFC 9838 §3.1).
    var largestCipherKey: Int
}

enum PolicyNumbers {
    static func transforms(_ encryption: GroupPolicy.EncryptionAlgorithm?, keyLength: Int?,
                           integrity: GroupPolicy.IntegrityAlgorithm?) throws(GIKEv2Error) -> TransformNumbers {
        var numbers = TransformNumbers(encryption: nil, keyBits: nil, integrity: nil, isAEAD: false)
        if let encryption {
            let entry = AlgorithmCatalog.entry(encryption)
            guard let id = entry.ikev2 else { throw .invalidGroupPolicy("\(encryption.rawValue) has no IKEv2 number") }
            numbers.encryption = id.rawValue
            if !entry.keyLengths.isEmpty {
                guard let bits = keyLength.flatMap({ UInt16(exactly: $0) }) else {
                    throw .invalidGroupPolicy("\(encryption.rawValue) needs a key length of 128, 192 or 256 bits")
                }
                numbers.keyBits = bits
            }
            numbers.isAEAD = entry.isAEAD
        }
        if let integrity {
            guard let id = AlgorithmCatalog.entry(integrity).ikev2 else {
                throw .invalidGroupPolicy("\(integrity.rawValue) has no IKEv2 number")
            }
            numbers.integrity = id.rawValue
        }
        return numbers
    }

    static func suites(of group: GroupState) throws(GIKEv2Error) -> [SuiteNumbers] {
        try group.definition.registration.proposals.map { (proposal) throws(GIKEv2Error) in
            SuiteNumbers(transforms: try transforms(proposal.encryption, keyLength: proposal.keyLength, integrity: proposal.integrity),
                         prf: AlgorithmCatalog.entry(proposal.prf).ikev2.rawValue,
                         keyExchange: AlgorithmCatalog.entry(proposal.keyExchange).method.rawValue)
        }
    }

    static func selector(_ selector: GroupPolicy.TrafficSelector?) -> (SelectorNumbers, SelectorNumbers) {
        guard let selector else {
            let any = SelectorNumbers(ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: [0, 0, 0, 0],
                                      endAddress: [255, 255, 255, 255])
            return (any, any)
        }
        func range(_ prefix: IPPrefix, _ ports: PortRange) -> SelectorNumbers {
            SelectorNumbers(ipProtocol: selector.ipProtocol ?? 0, startPort: ports.lower, endPort: ports.upper,
                            startAddress: prefix.network.octets, endAddress: prefix.last.octets)
        }
        return (range(selector.source, selector.sourcePorts), range(selector.destination, selector.destinationPorts))
    }

    /// The group as one registration response shows it.
    /// With `nowMilliseconds`, each TEK is announced with the lifetime it has left
    /// (GSA_KEY_LIFETIME, RFC 9838 §4.4.2.2.1), so a member joining while an old and a new TEK
    /// overlap knows the old one ends first; a creation time not on that clock (a state made
    /// before the engine's clock started) gives the full lifetime.
    static func offer(of group: GroupState, nowMilliseconds: Int64? = nil) throws(GIKEv2Error) -> GroupOffer {
        var teks: [TEKOffer] = []
        var largest = 0
        for sa in group.dataSecuritySAs {
            let policy = sa.policy
            let numbers = try transforms(policy.encryption, keyLength: policy.keyLength, integrity: policy.integrity)
            let (source, destination) = selector(policy.selectors.first)
            if let id = numbers.encryption,
               let cipher = try? AlgorithmRegistry.encryption(ikev2Number: id, keyLength: numbers.keyBits) {
                largest = max(largest, cipher.parameters.cipherKeyLength)
            }
            var lifetime = policy.lifetimeSeconds
            if let now = nowMilliseconds {
                let left = sa.createdAtMilliseconds + Int64(policy.lifetimeSeconds) * 1000 - now
                if left > 0 && left <= Int64(policy.lifetimeSeconds) * 1000 { lifetime = UInt32((left + 999) / 1000) }
            }
            teks.append(TEKOffer(protocolID: policy.securityProtocol == .esp ? 3 : 2, spi: sa.spi, transforms: numbers,
                                 source: source, destination: destination, lifetimeSeconds: lifetime,
                                 isCounterMode: sa.isCounterMode, multiSender: sa.isCounterMode && policy.senderIDBits != nil,
                                 keyMaterial: sa.keyMaterial,
                                 summary: policy.selectors.first.map { "\($0.source) -> \($0.destination)" } ?? "any"))
        }
        var rekeyOffer: RekeyOffer?
        let inband = group.rekeySA?.policy.transport == .unicast
        if let rekey = group.rekeySA, !inband { rekeyOffer = try self.rekeyOffer(rekey) }
        return GroupOffer(name: group.name, teks: teks, rekey: rekeyOffer,
                          activationDelay: group.groupWide.activationDelay, deactivationDelay: group.groupWide.deactivationDelay,
                          senderIDBits: group.groupWide.senderIDBits,
                          useTransportMode: group.definition.dataSecurity.contains { $0.mode == .transport },
                          inbandRekey: inband,
                          largestCipherKey: largest)
    }

    /// A rekey SA as the GSA KEK policy and its key bag carry it (registration and GSA_REKEY).
    static func rekeyOffer(_ rekey: RekeySA) throws(GIKEv2Error) -> RekeyOffer {
        let policy = rekey.policy
        let numbers = try transforms(policy.encryption, keyLength: policy.keyLength, integrity: policy.integrity)
        guard let keyWrap = policy.keyWrap else { throw .invalidGroupPolicy("rekey SA without a key-wrap algorithm") }
        let gcauth: UInt16 = rekey.signatureScheme == nil ? 1 : 2
        let destination = policy.destination?.octets ?? [0, 0, 0, 0]
        let anyAddress = [UInt8](repeating: 0, count: destination.count)
        let allOnes = [UInt8](repeating: 0xFF, count: destination.count)
        return RekeyOffer(
            spi: rekey.spi, transforms: numbers, keyWrap: AlgorithmCatalog.entry(keyWrap).id.rawValue, gcauth: gcauth,
            signatureAlgorithmIdentifier: rekey.signatureScheme.map { SignatureAlgorithmIdentifier.encode($0) },
            authKey: rekey.signingPublicKey,
            // Source MAY be a wildcard (RFC 9838 §4.4.2); destination is the multicast
            // address, UDP, one port.
            source: SelectorNumbers(ipProtocol: 17, startPort: 0, endPort: 65535, startAddress: anyAddress, endAddress: allOnes),
            destination: SelectorNumbers(ipProtocol: 17, startPort: policy.port, endPort: policy.port,
                                         startAddress: destination, endAddress: destination),
            lifetimeSeconds: policy.lifetimeSeconds, initialMessageID: rekey.nextMessageID,
            keyMaterial: rekey.keyMaterial)
    }
}
