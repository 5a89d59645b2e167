import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState

/// Builds a GCKS and a GM back to back for the registration tests.
struct RegistrationSetup {
    static let gcksAddress = EndpointAddress.ipv4(127, 0, 0, 1, port: 848)
    static let memberAddress = EndpointAddress.ipv4(127, 0, 0, 2, port: 50_000)
    static let demoIDg = IdentificationPayload(idType: IdentificationPayload.keyID, data: [0x00, 0x00, 0x03, 0xE9])
    static let lkhIDg = IdentificationPayload(idType: IdentificationPayload.keyID, data: [0x00, 0x00, 0x07, 0xD2])
    static let gcksIdentity = IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array("gcks.example".utf8))
    /// The demo policy's proposal and the LKH group's (AES-GCM-16-128, PRF SHA-256, X25519).
    static let lkhProposal = IKEProposal(encryption: 20, keyBits: 128, integrity: nil, prf: 5, keyExchange: 31)

    static func gcks(_ directory: GroupDirectory, seed: UInt8 = 0x40, cookieThreshold: Int = 1_000,
                     maximumMessageSize: Int? = nil, registrationSALifetime: Int64 = 600_000) throws -> GCKSResponder {
        try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: gcksAddress, identity: gcksIdentity,
                                                           cookieThreshold: cookieThreshold,
                                                           registrationSALifetimeMilliseconds: registrationSALifetime,
                                                           maximumMessageSize: maximumMessageSize),
                          directory: directory, random: DeterministicRandom(seed: seed))
    }

    static func member(group: IdentificationPayload = demoIDg, identity: String = "gm1.example",
                       psk: SecretBytes = GroupSecrets.demoPreSharedKey, proposals: [IKEProposal] = [.demo],
                       senderIDs: UInt32? = nil, acceptable: AcceptableGroupPolicy? = nil, seed: UInt8 = 0x90,
                       address: EndpointAddress = memberAddress) throws -> GroupMemberInitiator {
        try GroupMemberInitiator(configuration: GroupMemberConfiguration(
            server: gcksAddress, localEndpoint: address, groupID: group,
            identity: IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array(identity.utf8)),
            preSharedKey: psk, proposals: proposals, senderIDsRequested: senderIDs, acceptable: acceptable),
            random: DeterministicRandom(seed: seed))
    }

    /// Runs one registration to completion and returns the harness.
    static func run(gcks: GCKSResponder, member: GroupMemberInitiator,
                    network: ((EndpointAddress, EndpointAddress, [UInt8]) -> [[UInt8]])? = nil, start: EngineTime = .zero)
        -> BackToBackHarness<GroupMemberInitiator, GCKSResponder> {
        var harness = BackToBackHarness(left: member, leftAddress: member.configuration.localEndpoint,
                                        right: gcks, rightAddress: gcksAddress)
        harness.clock = ManualClock(start: start)
        if let network { harness.network = network }
        let start = harness.left.start(now: harness.clock.now)
        harness.pumpFromLeft(start)
        return harness
    }
}

extension Array where Element == Action {
    var sentDatagrams: [[UInt8]] {
        compactMap { if case .send(let bytes, _) = $0 { return bytes } else { return nil } }
    }
    var installs: [SAInstallation] {
        compactMap { if case .installSA(let sa) = $0 { return sa } else { return nil } }
    }
    var logCodes: [String] {
        compactMap { if case .log(let event) = $0 { return event.code } else { return nil } }
    }
}
