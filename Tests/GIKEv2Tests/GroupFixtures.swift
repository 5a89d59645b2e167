import Foundation
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState

/// Groups for the engine tests. This file imports the policy model and not the wire codec,
/// whose `GroupPolicy` enum would shadow the module name.
enum GroupFixtures {
    /// The bundled demo group 1001 with the demo PSK and an RSA rekey-signing key (the test
    /// vector key of GroupKeyCryptoTests, copied beside these tests).
    /// `inbandRekey` switches the rekey transport to unicast (GSA_INBAND_REKEY, RFC 9838 §2.4.2).
    /// `renamedTo` makes a second group from the same policy: another name and GDOI number (and so
    /// IDg), the same PSK.
    /// `memberTrust` lets members authenticate with certificates; `authorizedSubjects` limits the
    /// group to those certificate subjects (`dn` authorization entries).
    static func demoGroup(random: some RandomSource, inbandRekey: Bool = false,
                          renamedTo other: (name: String, gdoiID: UInt32)? = nil, memberTrust: TrustStore? = nil,
                          authorizedSubjects: [String] = []) throws -> GroupState {
        var definition = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
        definition.authorization = authorizedSubjects.map { .member(MemberIdentity(kind: .distinguishedName, value: $0)) }
        if inbandRekey { definition.rekey?.transport = .unicast }
        if let other {
            definition.name = other.name
            definition.identity = GroupIdentity(gdoiID: other.gdoiID)
        }
        let pem = try VectorLoader.text(named: "sig-rsa2048-private.pem", in: .module)
        return try GroupState(definition: definition,
                              secrets: GroupSecrets(preSharedKey: GroupSecrets.demoPreSharedKey,
                                                    rekeySigningKey: SigningKey(pem: pem), memberTrustAnchors: memberTrust),
                              random: random)
    }

    static let lkhPSK = SecretBytes(Array("lkh-group-psk".utf8))

    /// Group 2002: AES-GCM-16-128 TEK with 12-bit Sender-IDs, AES-GCM rekey SA with implicit
    /// GCAUTH and KW-5649-128, an 8-member LKH tree, X25519 registration, and (optionally) an
    /// authorization list of FQDNs.
    static func lkhGroup(random: some RandomSource, authorized: [String] = []) throws -> GroupState {
        let any = IPPrefix("10.1.0.0/16")!
        let definition = GroupDefinition(
            name: "lkh-2002", identity: GroupIdentity(gdoiID: 2002), protocols: ServedProtocols(gdoi: false, gikev2: true),
            migration: .migrated, keyServers: [KeyServerEndpoint(address: IPAddress("127.0.0.1")!)],
            registration: RegistrationPolicy(preSharedKey: .reference(SecretReference(store: .secretsFile, name: "lkh")),
                                             proposals: [RegistrationProposal(encryption: .aesGCM16, keyLength: 128, prf: .hmacSHA2_256,
                                                                              keyExchange: .curve25519)]),
            authorization: authorized.map { .member(MemberIdentity(kind: .fqdn, value: $0)) },
            dataSecurity: [DataSecurityPolicy(name: "tek", selectors: [GroupPolicy.TrafficSelector(ipProtocol: 17, source: any, destination: any)],
                                              encryption: .aesGCM16, keyLength: 128, lifetimeSeconds: 900,
                                              antiReplay: .counter(window: 64), senderIDBits: 12)],
            rekey: RekeyPolicy(transport: .multicast, destination: IPAddress("239.1.1.1")!, port: 848, encryption: .aesGCM16,
                               keyLength: 128, keyWrap: .kw5649_128, authentication: .implicit, lifetimeSeconds: 7200),
            timing: GroupTiming(activationDelay: 5, deactivationDelay: 30),
            lkh: LKHParameters(maximumMembers: 8))
        return try GroupState(definition: definition, secrets: GroupSecrets(preSharedKey: lkhPSK), random: random)
    }
}
