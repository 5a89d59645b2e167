import EngineCore
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupKeyTypes
import Testing

/// Our initiator against our responder, every suite and both modes, with a manual clock. Both
/// ends must derive the same SKEYID_* and the same phase-2 IV seed, or GROUPKEY-PULL could not run.
@Suite("Phase1 back-to-back exchanges")
struct Phase1ExchangeTests {
    struct Suite: CustomTestStringConvertible, Sendable {
        var proposal: Phase1Proposal
        var legacy: Bool
        var testDescription: String { proposal.description }
    }

    static let pskSuites: [Suite] = [
        Suite(proposal: Phase1Proposal(cipher: .aes128, hash: .sha1, group: .modp2048, authentication: .preSharedKey), legacy: false),
        Suite(proposal: Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .preSharedKey), legacy: false),
        Suite(proposal: Phase1Proposal(cipher: .aes256, hash: .sha2_384, group: .ecp384, authentication: .preSharedKey), legacy: false),
        Suite(proposal: Phase1Proposal(cipher: .aes128, hash: .sha2_512, group: .ecp256, authentication: .preSharedKey), legacy: false),
        Suite(proposal: Phase1Proposal(cipher: .tripleDES, hash: .sha1, group: .modp1024, authentication: .preSharedKey), legacy: true),
        Suite(proposal: Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp1536, authentication: .preSharedKey), legacy: true),
    ]

    static func expectSameSA(_ harness: Phase1Fixtures.Harness, suite: Phase1Proposal,
                             memberIdentity: ISAKMPIdentification = Phase1Fixtures.memberIdentity,
                             serverIdentity: ISAKMPIdentification = .address(Phase1Fixtures.serverAddress)) throws {
        let member = try #require(harness.left.phase1, "member established phase 1")
        #expect(harness.right.establishedCount == 1)
        let server = try #require(harness.right.phase1SA(CookiePair(member)))
        #expect(member.role == .initiator && server.role == .responder)
        #expect(member.keys.skeyid == server.keys.skeyid)
        #expect(member.keys.skeyidD == server.keys.skeyidD)
        #expect(member.keys.skeyidA == server.keys.skeyidA)
        #expect(member.encryptionKey == server.encryptionKey)
        #expect(member.encryptionKey.count == suite.cipher.parameters.keyLength)
        #expect(member.lastPhase1Block == server.lastPhase1Block)
        #expect(member.lastPhase1Block.count == suite.cipher.parameters.blockSize)
        #expect(member.cipher == suite.cipher && server.cipher == suite.cipher)
        #expect(member.prf == PseudorandomFunction(ikev1: suite.hash))
        #expect(member.lifetimeSeconds == suite.lifetimeSeconds)
        #expect(server.peerIdentity == memberIdentity)
        #expect(member.peerIdentity == serverIdentity)
    }

    @Test("Main Mode with a pre-shared key", arguments: pskSuites)
    func mainModePSK(_ suite: Suite) throws {
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [suite.proposal], allowLegacy: suite.legacy),
                                             server: Phase1Fixtures.serverConfiguration(proposals: [suite.proposal], allowLegacy: suite.legacy))
        Phase1Fixtures.run(&harness)
        try Self.expectSameSA(harness, suite: suite.proposal)
        // Six messages, 5 and 6 encrypted.
        #expect(harness.delivered.count == 6)
        let flags = harness.delivered.map { $0.bytes[19] & ISAKMPHeader.encryptionFlag }
        #expect(flags == [0, 0, 0, 0, 1, 1])
        #expect(Phase1Fixtures.logCodes(harness.rightActions).contains("GDOI-LEGACY-SUITE") == suite.legacy)
        #expect(harness.left.isFinished)
        if case .preSharedKey(let identity)? = harness.right.phase1SAs.first?.peerCredential {
            #expect(identity == "gm1.example")
        } else {
            Issue.record("the server should record a PSK-authenticated member")
        }
    }

    @Test("Aggressive Mode with a pre-shared key (chosen by the ID)", arguments: pskSuites)
    func aggressiveModePSK(_ suite: Suite) throws {
        // The server holds the key only under the member's identity: Aggressive Mode chooses by ID.
        let server = Phase1Configuration(
            proposals: [suite.proposal], allowLegacy: suite.legacy, identity: .address(Phase1Fixtures.serverAddress),
            credentials: Phase1Credentials(preSharedKeysByIdentity: [Phase1Fixtures.memberIdentity.data: Phase1Fixtures.psk]),
            localEndpoint: Phase1Fixtures.serverAddress)
        var harness = Phase1Fixtures.harness(member: Phase1Fixtures.memberConfiguration(proposals: [suite.proposal], allowLegacy: suite.legacy),
                                             server: server, mode: .aggressive)
        Phase1Fixtures.run(&harness)
        try Self.expectSameSA(harness, suite: suite.proposal)
        #expect(harness.delivered.count == 3)
        #expect(harness.delivered.allSatisfy { $0.bytes[18] == ISAKMPExchangeType.aggressive })
    }

    static let certificateName = ISAKMPIdentification.fqdn("gcks.example")

    /// Both ends use the test PKI's RSA certificate (subjectAltName gcks.example) and send that name.
    static func rsaHarness(mode: Phase1Mode, serverTrustsRoot: Bool = true,
                           memberIdentity: ISAKMPIdentification = certificateName) throws -> Phase1Fixtures.Harness {
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .rsaSignature)
        var member = Phase1Fixtures.memberConfiguration(proposals: [suite], credentials: try Phase1Fixtures.rsaCredentials())
        member.certificateIdentity = memberIdentity
        var server = Phase1Fixtures.serverConfiguration(proposals: [suite],
                                                        credentials: try Phase1Fixtures.rsaCredentials(trustRoot: serverTrustsRoot))
        server.certificateIdentity = certificateName
        var harness = Phase1Fixtures.harness(member: member, server: server, mode: mode, start: Phase1Fixtures.certificateEra)
        Phase1Fixtures.run(&harness)
        return harness
    }

    @Test("Main and Aggressive Mode with RSA signatures and certificates", arguments: [Phase1Mode.main, .aggressive])
    func rsaSignatures(_ mode: Phase1Mode) throws {
        let suite = Phase1Proposal(cipher: .aes256, hash: .sha2_256, group: .modp2048, authentication: .rsaSignature)
        let harness = try Self.rsaHarness(mode: mode)
        try Self.expectSameSA(harness, suite: suite, memberIdentity: Self.certificateName, serverIdentity: Self.certificateName)
        let server = try #require(harness.right.phase1SAs.first)
        #expect(server.peerCredential == .certificate(subject: try Certificate(pem: Phase1TestPKI.rsaCertificate).subject))
        // The initiator's identity for PSK suites stays its configured one.
        #expect(harness.left.configuration.identity == Phase1Fixtures.memberIdentity)
        if mode == .aggressive {
            let message2 = try ISAKMPMessage.parse(harness.delivered[1].bytes)
            #expect(message2.payloads.contains { if case .signature = $0 { return true } else { return false } })
            #expect(message2.payloads.contains { if case .certificate = $0 { return true } else { return false } })
        }
    }

    @Test("A certificate that does not chain to our anchors gives no SA")
    func untrustedCertificate() throws {
        let harness = try Self.rsaHarness(mode: .main, serverTrustsRoot: false)
        #expect(harness.right.establishedCount == 0)
        #expect(harness.left.phase1 == nil)
        #expect(harness.right.statistics.authenticationFailures == 1)
    }

    @Test("An ID the certificate does not name gives no SA (RFC 4945 §3.1)", arguments: [Phase1Mode.main, .aggressive])
    func unboundIdentity(_ mode: Phase1Mode) throws {
        let harness = try Self.rsaHarness(mode: mode, memberIdentity: .fqdn("someone-else.example"))
        #expect(harness.right.establishedCount == 0)
        // Aggressive Mode ends with the initiator's message 3, so only the key server can refuse there.
        #expect((harness.left.phase1 == nil) == (mode == .main))
        #expect(harness.right.statistics.authenticationFailures == 1)
    }

    @Test("The default proposals of both sides agree on AES-256, SHA2-256, group 14")
    func defaults() throws {
        var harness = Phase1Fixtures.harness(
            member: Phase1Fixtures.memberConfiguration(proposals: Phase1Proposal.defaults(authentication: .preSharedKey)),
            server: Phase1Fixtures.serverConfiguration(proposals: Phase1Proposal.defaults(authentication: .preSharedKey)))
        Phase1Fixtures.run(&harness)
        try Self.expectSameSA(harness, suite: Phase1Proposal.defaults(authentication: .preSharedKey)[0])
    }
}
