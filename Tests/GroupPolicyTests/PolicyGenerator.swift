@testable import GroupPolicy

/// SplitMix64: a tiny reproducible generator for property tests (not for keys).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates arbitrary models inside the schema's value space (not necessarily semantically
/// valid ones: the round trip must hold for anything the writer can express).
struct PolicyGenerator {
    var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(state: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func bool() -> Bool { Bool.random(using: &random) }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }
    mutating func maybe<T>(_ make: (inout PolicyGenerator) -> T) -> T? { bool() ? make(&self) : nil }

    mutating func name() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let tail = Array("abcdefghijklmnopqrstuvwxyz0123456789_.-")
        return String(pick(alphabet)) + String((0..<int(0...12)).map { _ in pick(tail) })
    }

    mutating func ipv4() -> IPAddress { IPAddress(octets: (0..<4).map { _ in UInt8(int(0...255)) })! }
    mutating func ipv6() -> IPAddress { IPAddress(octets: (0..<16).map { _ in bool() ? 0 : UInt8(int(0...255)) })! }
    mutating func address() -> IPAddress { bool() ? ipv4() : ipv6() }

    mutating func prefix(v4: Bool) -> IPPrefix {
        let address = v4 ? ipv4() : ipv6()
        return IPPrefix(network: address, length: int(0...(v4 ? 32 : 128)))!
    }

    mutating func ports() -> PortRange {
        if bool() { return .any }
        let low = UInt16(int(0...65535))
        return PortRange(lower: low, upper: UInt16(int(Int(low)...65535)))
    }

    mutating func reference() -> SecretReference {
        SecretReference(store: bool() ? .secretsFile : .environment, name: name())
    }

    mutating func member() -> MemberIdentity {
        switch int(0...5) {
        case 0: return MemberIdentity(kind: .keyID, value: GroupIDg.keyID((0..<int(1...8)).map { _ in UInt8(int(0...255)) }).valueText)
        case 1: return MemberIdentity(kind: .ipv4, value: ipv4().description)
        case 2: return MemberIdentity(kind: .ipv6, value: ipv6().description)
        case 3: return MemberIdentity(kind: .fqdn, value: name() + ".example")
        case 4: return MemberIdentity(kind: .rfc822, value: name() + "@example.net")
        default: return MemberIdentity(kind: .distinguishedName, value: "CN=\(name()), O=Ex & \"Co\" <x>")
        }
    }

    mutating func idg() -> GroupIDg {
        switch int(0...4) {
        case 0: return .keyID((0..<int(1...8)).map { _ in UInt8(int(0...255)) })
        case 1: return .ipv4(ipv4())
        case 2: return .ipv6(ipv6())
        case 3: return .fqdn(name() + ".example")
        default: return .rfc822(name() + "@example.org")
        }
    }

    mutating func keyLength() -> Int? { maybe { $0.pick([128, 192, 256]) } }

    mutating func selector() -> TrafficSelector {
        let v4 = bool()
        return TrafficSelector(ipProtocol: maybe { UInt8($0.int(0...255)) }, source: prefix(v4: v4),
                               destination: prefix(v4: v4), sourcePorts: ports(), destinationPorts: ports())
    }

    mutating func securityAssociation() -> DataSecurityPolicy {
        let antiReplay: AntiReplay
        switch int(0...2) {
        case 0: antiReplay = .none
        case 1: antiReplay = .counter(window: UInt32(int(0...100_000)))
        default: antiReplay = .time(windowSeconds: UInt32(int(0...1000)))
        }
        // A key length only exists as an attribute of <encryption>.
        let encryption = maybe { $0.pick(EncryptionAlgorithm.allCases) }
        let keyLength = encryption == nil ? nil : keyLength()
        return DataSecurityPolicy(
            name: name(), securityProtocol: pick(DataSecurityPolicy.SecurityProtocol.allCases),
            mode: pick(DataSecurityPolicy.Mode.allCases),
            addressPreservation: pick(DataSecurityPolicy.AddressPreservation.allCases),
            selectors: (0..<int(1...3)).map { _ in selector() },
            encryption: encryption, keyLength: keyLength,
            integrity: maybe { $0.pick(IntegrityAlgorithm.allCases) },
            lifetimeSeconds: UInt32(int(0...Int(UInt32.max))), antiReplay: antiReplay,
            senderIDBits: maybe { $0.int(1...32) })
    }

    mutating func rekey() -> RekeyPolicy {
        let authentication: RekeyAuthentication = bool()
            ? .implicit : .digitalSignature(pick(SignatureAlgorithm.allCases), keyReference: reference())
        return RekeyPolicy(
            transport: pick(RekeyPolicy.Transport.allCases), destination: maybe { $0.address() },
            port: UInt16(int(0...65535)), encryption: pick(EncryptionAlgorithm.allCases), keyLength: keyLength(),
            integrity: maybe { $0.pick(IntegrityAlgorithm.allCases) }, keyWrap: maybe { $0.pick(KeyWrapAlgorithm.allCases) },
            authentication: authentication, lifetimeSeconds: UInt32(int(0...Int(UInt32.max))),
            leadTimeSeconds: UInt32(int(0...100_000)),
            retransmissions: Retransmission(count: int(0...255), intervalSeconds: int(0...65535)))
    }

    mutating func group() -> GroupDefinition {
        let served = pick([ServedProtocols(gdoi: true, gikev2: false), ServedProtocols(gdoi: false, gikev2: true),
                           ServedProtocols(gdoi: true, gikev2: true)])
        let psk: PreSharedKeySource? = int(0...3) == 0 ? nil : (int(0...5) == 0 ? .inlineValueDiscarded : .reference(reference()))
        let registration = RegistrationPolicy(
            preSharedKey: psk, certificateTrustAnchors: (0..<int(0...2)).map { _ in name() },
            proposals: (0..<int(0...3)).map { _ in
                RegistrationProposal(encryption: pick(EncryptionAlgorithm.allCases), keyLength: keyLength(),
                                     integrity: maybe { $0.pick(IntegrityAlgorithm.allCases) },
                                     prf: pick(PRFAlgorithm.allCases), keyExchange: pick(KeyExchangeGroup.allCases))
            })
        let authorization: [AuthorizationEntry] = (0..<int(0...3)).map { _ in bool() ? .memberList(name()) : .member(member()) }
        return GroupDefinition(
            name: name(),
            identity: GroupIdentity(gdoiID: maybe { UInt32($0.int(0...Int(UInt32.max))) }, idg: maybe { $0.idg() }),
            protocols: served, migration: pick(MigrationState.allCases),
            keyServers: (0..<int(1...3)).map { _ in KeyServerEndpoint(address: address(), port: UInt16(int(0...65535))) },
            registration: registration, authorization: authorization,
            dataSecurity: (0..<int(1...3)).map { _ in securityAssociation() },
            rekey: maybe { $0.rekey() },
            timing: GroupTiming(activationDelay: maybe { UInt32($0.int(0...100_000)) },
                                deactivationDelay: maybe { UInt32($0.int(0...100_000)) }),
            lkh: maybe { LKHParameters(degree: $0.int(2...16), maximumMembers: $0.int(1...1_000_000)) })
    }

    mutating func document() -> PolicyDocument {
        PolicyDocument(
            trustAnchors: (0..<int(0...2)).map { _ in TrustAnchor(name: name(), file: "anchors/\(name()).pem") },
            memberLists: (0..<int(0...2)).map { _ in MemberList(name: name(), members: (0..<int(0...3)).map { _ in member() }) },
            groups: (0..<int(1...3)).map { _ in group() })
    }
}
