import EngineCore
import Foundation
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// GSA_AUTH with certificates (RFC 7296 §2.15 signed octets, RFC 7427 Digital Signature). The
/// test PKI comes from scripts/gen_gikev2_cert_vectors.py (Python `cryptography`): one root CA,
/// an ECDSA P-256 GM (gm1.example), an Ed25519 GM (gm2@example.net), an RSA GCKS (gcks.example)
/// and a gm1.example certificate from an unrelated CA.
@Suite("Certificate authentication in GSA_AUTH (RFC 7427)")
struct CertificateAuthTests {
    /// 2030-01-01, inside the test certificates' validity (2025-2045).
    static let inValidity = EngineTime(date: Date(timeIntervalSince1970: 1_893_456_000))

    static func pem(_ name: String) throws -> String { try VectorLoader.text(named: name, in: .module) }
    static func trust() throws -> TrustStore { try TrustStore(anchors: [try Certificate(pem: try pem("engine-root.pem"))]) }
    static func credential(_ certificate: String, _ key: String, _ scheme: SignatureScheme) throws -> SignatureCredential {
        SignatureCredential(certificates: [try Certificate(pem: try pem(certificate))], key: try SigningKey(pem: try pem(key)), scheme: scheme)
    }

    static func gcks(subjects: [String] = []) throws -> (GCKSResponder, GroupDirectory) {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7), memberTrust: try trust(),
                                                                            authorizedSubjects: subjects)])
        let configuration = GCKSConfiguration(localEndpoint: RegistrationSetup.gcksAddress, identity: RegistrationSetup.gcksIdentity,
                                              credential: try credential("engine-gcks-rsa.pem", "engine-gcks-rsa-key.pem", .rsaPSS(.sha256)))
        return (try GCKSResponder(configuration: configuration, directory: directory, random: DeterministicRandom(seed: 0x40)), directory)
    }

    static func member(identity: IdentificationPayload = IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array("gm1.example".utf8)),
                       credential: SignatureCredential? = nil, trust: TrustStore? = nil) throws -> GroupMemberInitiator {
        try GroupMemberInitiator(configuration: GroupMemberConfiguration(
            server: RegistrationSetup.gcksAddress, localEndpoint: RegistrationSetup.memberAddress, groupID: RegistrationSetup.demoIDg,
            identity: identity, preSharedKey: nil,
            credential: try credential ?? Self.credential("engine-gm1-ecdsa.pem", "engine-gm1-ecdsa-key.pem", .ecdsa(.sha256)),
            trustAnchors: try trust ?? Self.trust()), random: DeterministicRandom(seed: 0x90))
    }

    @Test("An ECDSA GM and an RSA-PSS GCKS authenticate each other and the GM gets the group's keys")
    func ecdsaMember() throws {
        let (gcks, directory) = try Self.gcks()
        let harness = RegistrationSetup.run(gcks: gcks, member: try Self.member(), start: Self.inValidity)
        let holdings = try #require(harness.left.holdings, "failure: \(String(describing: harness.left.failure))")
        #expect(holdings.dataSecuritySAs.first?.keyMaterial == directory.snapshot[0].dataSecuritySAs.first?.keyMaterial)
    }

    @Test("A GSA_AUTH request carrying a certificate goes in fragments; a repeated fragment 1 gets the cached answer, others are ignored")
    func fragmentedRequest() throws {
        let (gcks, _) = try Self.gcks()
        let harness = RegistrationSetup.run(gcks: gcks, member: try Self.member(), start: Self.inValidity)
        #expect(harness.left.holdings != nil)
        let requests = harness.delivered.filter { $0.from == RegistrationSetup.memberAddress }.map(\.bytes)
        let fragments = Array(requests.dropFirst())
        #expect(fragments.count >= 2 && fragments.allSatisfy { $0.count <= 544 }, "RFC 7383 §2.5.1 IPv4 threshold")
        let answers = harness.delivered.filter { $0.from == RegistrationSetup.gcksAddress }.map(\.bytes).dropFirst()
        var replay = harness.right
        let dropped = replay.statistics.datagramsDropped
        #expect(replay.handle(datagram: fragments[1], from: RegistrationSetup.memberAddress, now: Self.inValidity).sentDatagrams.isEmpty)
        #expect(replay.statistics.datagramsDropped == dropped, "ignored, not counted as garbage (RFC 7383 §2.6.1)")
        let again = replay.handle(datagram: fragments[0], from: RegistrationSetup.memberAddress, now: Self.inValidity).sentDatagrams
        #expect(again == Array(answers))
    }

    @Test("An Ed25519 GM identified by RFC822 address joins")
    func ed25519Member() throws {
        let member = try Self.member(identity: IdentificationPayload(idType: IdentificationPayload.rfc822Address, data: Array("gm2@example.net".utf8)),
                                     credential: try Self.credential("engine-gm2-ed25519.pem", "engine-gm2-ed25519-key.pem", .ed25519))
        let harness = RegistrationSetup.run(gcks: try Self.gcks().0, member: member, start: Self.inValidity)
        #expect(harness.left.holdings != nil, "failure: \(String(describing: harness.left.failure))")
    }

    @Test("A certificate from an untrusted CA gives AUTHENTICATION_FAILED")
    func untrustedCA() throws {
        let member = try Self.member(credential: try Self.credential("engine-rogue-gm1.pem", "engine-rogue-gm1-key.pem", .ecdsa(.sha256)))
        let harness = RegistrationSetup.run(gcks: try Self.gcks().0, member: member, start: Self.inValidity)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }

    @Test("An IDi the certificate does not carry gives AUTHENTICATION_FAILED (RFC 4945 §3.1)")
    func identityNotInCertificate() throws {
        let member = try Self.member(identity: IdentificationPayload(idType: IdentificationPayload.fqdn, data: Array("gm9.example".utf8)))
        let harness = RegistrationSetup.run(gcks: try Self.gcks().0, member: member, start: Self.inValidity)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }

    @Test("Certificates are judged at the engine's time: after they expire, AUTHENTICATION_FAILED")
    func expired() throws {
        let after = EngineTime(date: Date(timeIntervalSince1970: 2_524_608_000))  // 2050-01-01
        let harness = RegistrationSetup.run(gcks: try Self.gcks().0, member: try Self.member(), start: after)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }

    @Test("A dn authorization entry admits the listed certificate subject and refuses others")
    func subjectAuthorization() throws {
        let (gcks, _) = try Self.gcks(subjects: ["CN=gm1.example, O=groupkey engine test"])
        let listed = RegistrationSetup.run(gcks: gcks, member: try Self.member(), start: Self.inValidity)
        #expect(listed.left.holdings != nil)
        let other = try Self.member(identity: IdentificationPayload(idType: IdentificationPayload.rfc822Address, data: Array("gm2@example.net".utf8)),
                                    credential: try Self.credential("engine-gm2-ed25519.pem", "engine-gm2-ed25519-key.pem", .ed25519))
        let unlisted = RegistrationSetup.run(gcks: try Self.gcks(subjects: ["CN=gm1.example,O=groupkey engine test"]).0, member: other,
                                             start: Self.inValidity)
        #expect(unlisted.left.failure == .peerRefused(notify: IKEv2NotifyType.authorizationFailed))
    }

    @Test("The GM refuses a GCKS whose certificate its trust anchors do not vouch for")
    func memberChecksGCKS() throws {
        let unrelated = try TrustStore(anchors: [try Certificate(pem: try Self.pem("engine-rogue-gm1.pem"))])
        let harness = RegistrationSetup.run(gcks: try Self.gcks().0, member: try Self.member(trust: unrelated), start: Self.inValidity)
        #expect(harness.left.failure == .authenticationFailed)
        #expect(harness.left.holdings == nil)
    }

    @Test("A group without trust anchors refuses certificate AUTH")
    func groupWithoutTrustAnchors() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
        let gcks = try RegistrationSetup.gcks(directory)
        let harness = RegistrationSetup.run(gcks: gcks, member: try Self.member(), start: Self.inValidity)
        #expect(harness.left.failure == .peerRefused(notify: IKEv2NotifyType.authenticationFailed))
    }
}

extension CertificateAuthTests {
    @Test("Mutated fragments of a certificate GSA_AUTH request never crash the GCKS nor admit anyone")
    func fragmentedRequestSweep() throws {
        let (gcks, directory) = try Self.gcks()
        var gcksAfterInit = gcks
        var member = try Self.member()
        let from = RegistrationSetup.memberAddress, server = RegistrationSetup.gcksAddress
        let initRequest = member.start(now: Self.inValidity).sentDatagrams[0]
        let initResponse = gcksAfterInit.handle(datagram: initRequest, from: from, now: Self.inValidity).sentDatagrams[0]
        let fragments = member.handle(datagram: initResponse, from: server, now: Self.inValidity).sentDatagrams
        #expect(fragments.count >= 2)
        for (index, fragment) in fragments.enumerated() {
            WireMutator.forEachMutation(of: fragment, randomRuns: 100) { mutated in
                guard mutated != fragment else { return }
                var copy = gcksAfterInit
                for (other, original) in fragments.enumerated() {
                    _ = copy.handle(datagram: other == index ? mutated : original, from: from, now: Self.inValidity)
                }
                #expect(copy.statistics.registrations == 0)
            }
        }
        #expect(directory.snapshot[0].members.isEmpty)
    }
}
