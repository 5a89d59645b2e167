import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupKeyTypes

/// A key server and a member wired back to back, with the configurations the phase-1 tests vary.
enum Phase1Fixtures {
    static let serverAddress = EndpointAddress.ipv4(192, 0, 2, 1, port: 848)
    static let memberAddress = EndpointAddress.ipv4(192, 0, 2, 7, port: 848)
    static let psk = SecretBytes(Array("phase1 test pre-shared key".utf8))
    static let memberIdentity = ISAKMPIdentification.fqdn("gm1.example")
    /// Inside the test certificates' validity (2025-2045): 2026-06-01.
    static let certificateEra = EngineTime(milliseconds: 1_780_272_000_000)

    typealias Harness = BackToBackHarness<GDOIMember, GDOIKeyServer>

    static func rsaCredentials(trustRoot: Bool = true) throws -> Phase1Credentials {
        let anchors = trustRoot ? [try Certificate(pem: Phase1TestPKI.rootCertificate)] : [try Certificate(pem: Phase1TestPKI.rsaCertificate)]
        return Phase1Credentials(signingKey: try SigningKey(pem: Phase1TestPKI.rsaKey),
                                 certificate: try Certificate(pem: Phase1TestPKI.rsaCertificate),
                                 trustStore: try TrustStore(anchors: anchors))
    }

    static func serverConfiguration(proposals: [Phase1Proposal], allowLegacy: Bool = false,
                                    psk: SecretBytes = Phase1Fixtures.psk,
                                    credentials: Phase1Credentials? = nil) -> Phase1Configuration {
        Phase1Configuration(
            proposals: proposals, allowLegacy: allowLegacy, identity: .address(serverAddress),
            credentials: credentials ?? Phase1Credentials(preSharedKeysByAddress: [memberAddress.addressOctets: psk],
                                                          preSharedKeysByIdentity: [memberIdentity.data: psk]),
            localEndpoint: serverAddress)
    }

    static func memberConfiguration(proposals: [Phase1Proposal], allowLegacy: Bool = false,
                                    psk: SecretBytes = Phase1Fixtures.psk, credentials: Phase1Credentials? = nil,
                                    doi: UInt32 = ISAKMPDOI.gdoi) -> Phase1Configuration {
        Phase1Configuration(
            proposals: proposals, allowLegacy: allowLegacy, identity: memberIdentity,
            credentials: credentials ?? Phase1Credentials(preSharedKeysByAddress: [serverAddress.addressOctets: psk],
                                                          preSharedKeysByIdentity: [ISAKMPIdentification.address(serverAddress).data: psk]),
            localEndpoint: memberAddress, doi: doi)
    }

    static func harness(member: Phase1Configuration, server: Phase1Configuration, mode: Phase1Mode = .main,
                        phase2Initiator: (any Phase2Initiator)? = nil, phase2Responder: (any Phase2Responder)? = nil,
                        start: EngineTime = .zero) -> Harness {
        var harness = Harness(
            left: GDOIMember(configuration: member, server: serverAddress, mode: mode, random: DeterministicRandom(seed: 11),
                             phase2: phase2Initiator),
            leftAddress: memberAddress,
            right: GDOIKeyServer(configuration: server, random: DeterministicRandom(seed: 99), phase2: phase2Responder),
            rightAddress: serverAddress)
        harness.clock = ManualClock(start: start)
        return harness
    }

    /// Runs phase 1 to its end (or failure) and returns the harness.
    static func run(_ harness: inout Harness) {
        let start = harness.left.start(now: harness.clock.now)
        harness.pumpFromLeft(start)
    }

    static func datagrams(_ actions: [Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let d, _) = $0 { return d } else { return nil } }
    }

    static func logCodes(_ actions: [Action]) -> [String] {
        actions.compactMap { if case .log(let event) = $0 { return event.code } else { return nil } }
    }
}
