import EngineCore
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import NIOCore
import Testing

/// Every engine input, mutated every way `WireMutator` knows, must give a typed refusal or a
/// dropped datagram: never a crash, never a registration from damaged octets.
@Suite("G-IKEv2 engines under mutated input")
struct EngineMutationSweepTests {
    struct Transcript {
        var gcksFresh: GCKSResponder
        var gcksAfterInit: GCKSResponder
        var memberStarted: GroupMemberInitiator
        var memberAfterInit: GroupMemberInitiator
        var initRequest: [UInt8]
        var initResponse: [UInt8]
        var authRequest: [UInt8]
        var authResponse: [UInt8]
        var directory: GroupDirectory
    }

    /// One registration to the LKH group (X25519, AES-GCM), stopped at each step. The response
    /// goes whole here; FragmentationTests sweeps fragments.
    static func transcript() throws -> Transcript {
        let directory = GroupDirectory(groups: [try GroupFixtures.lkhGroup(random: DeterministicRandom(seed: 4))])
        let gcksFresh = try RegistrationSetup.gcks(directory, maximumMessageSize: 4_096)
        var gcks = gcksFresh
        var member = try RegistrationSetup.member(group: RegistrationSetup.lkhIDg, psk: GroupFixtures.lkhPSK,
                                                  proposals: [RegistrationSetup.lkhProposal], senderIDs: 1)
        let from = RegistrationSetup.memberAddress, server = RegistrationSetup.gcksAddress
        let initRequest = member.start(now: .zero).sentDatagrams[0]
        let memberStarted = member
        let initResponse = gcks.handle(datagram: initRequest, from: from, now: .zero).sentDatagrams[0]
        let gcksAfterInit = gcks
        let authRequest = member.handle(datagram: initResponse, from: server, now: .zero).sentDatagrams[0]
        let memberAfterInit = member
        // The response is produced on a copy, so the sweep's GCKS has admitted nobody.
        var answering = gcks
        let authResponse = answering.handle(datagram: authRequest, from: from, now: .zero).sentDatagrams[0]
        return Transcript(gcksFresh: gcksFresh, gcksAfterInit: gcksAfterInit, memberStarted: memberStarted,
                          memberAfterInit: memberAfterInit, initRequest: initRequest, initResponse: initResponse,
                          authRequest: authRequest, authResponse: authResponse, directory: directory)
    }

    /// The only answer a damaged protected request may get: the unprotected INVALID_MAJOR_VERSION
    /// for a version nibble raised above 2 (RFC 7296 §1.5), which reveals nothing.
    static func isVersionRefusal(_ datagram: [UInt8]) -> Bool {
        (try? IKEv2Message.parse(datagram))?.payloads == [.notify(NotifyPayload(messageType: IKEv2NotifyType.invalidMajorVersion))]
    }

    @Test("The unmutated transcript registers (so the sweep starts from valid messages)")
    func transcriptIsValid() throws {
        let t = try Self.transcript()
        var member = t.memberAfterInit
        _ = member.handle(datagram: t.authResponse, from: RegistrationSetup.gcksAddress, now: .zero)
        #expect(member.holdings != nil)
    }

    @Test("Mutated IKE_SA_INIT and GSA_AUTH requests never crash the GCKS nor admit anyone")
    func gcksSweep() throws {
        let t = try Self.transcript()
        let membersBefore = t.directory.snapshot[0].members
        var answered = 0
        WireMutator.forEachMutation(of: t.initRequest, randomRuns: 300) { mutated in
            var gcks = t.gcksFresh
            answered += gcks.handle(datagram: mutated, from: RegistrationSetup.memberAddress, now: .zero).sentDatagrams.count
        }
        var registered = 0
        WireMutator.forEachMutation(of: t.authRequest, randomRuns: 300) { mutated in
            // A "length lie" that writes the value already there leaves the message intact.
            guard mutated != t.authRequest else { return }
            var gcks = t.gcksAfterInit
            let sent = gcks.handle(datagram: mutated, from: RegistrationSetup.memberAddress, now: .zero).sentDatagrams
            registered += gcks.statistics.registrations
            if !sent.allSatisfy(Self.isVersionRefusal) { Issue.record("a damaged GSA_AUTH was answered: \(mutated)") }
        }
        #expect(registered == 0)
        #expect(t.directory.snapshot[0].members == membersBefore)
        #expect(answered > 0, "some mutations (e.g. in the nonce) are still valid IKE_SA_INIT requests")
    }

    @Test("Mutated IKE_SA_INIT and GSA_AUTH responses never crash the GM nor make it hold keys")
    func memberSweep() throws {
        let t = try Self.transcript()
        WireMutator.forEachMutation(of: t.initResponse, randomRuns: 300) { mutated in
            var member = t.memberStarted
            _ = member.handle(datagram: mutated, from: RegistrationSetup.gcksAddress, now: .zero)
            #expect(member.holdings == nil)
        }
        var held = 0
        WireMutator.forEachMutation(of: t.authResponse, randomRuns: 300) { mutated in
            guard mutated != t.authResponse else { return }
            var member = t.memberAfterInit
            _ = member.handle(datagram: mutated, from: RegistrationSetup.gcksAddress, now: .zero)
            if member.holdings != nil { held += 1 }
        }
        #expect(held == 0)
    }
}

/// The GM's checks behind the ICV: the GSA_AUTH response's plaintext is mutated, and whatever
/// still parses is sealed again under the real keys, so the policy and key checks see hostile
/// content that passed integrity.
@Suite("G-IKEv2 GM checks on authentic but hostile content")
struct AuthenticHostileContentTests {
    @Test("Every re-sealed mutation of the GSA_AUTH response is refused or held consistently, never a crash")
    func resealedSweep() throws {
        let t = try EngineMutationSweepTests.transcript()
        guard case .authenticating(let context) = t.memberAfterInit.state else {
            Issue.record("the GM is not waiting for GSA_AUTH")
            return
        }
        let opened = try SKProtection.open(t.authResponse, protection: context.keys.responderProtection)
        let plaintext = try IKEv2Message.serializeInnerPayloads(opened.innerPayloads)
        let first = opened.innerPayloads[0].type
        var parsed = 0, held = 0
        WireMutator.forEachMutation(of: plaintext, randomRuns: 300) { mutated in
            guard mutated != plaintext,
                  let inner = try? IKEv2Message.parseInnerPayloads(first: first, bytes: ByteBuffer(bytes: mutated), origin: 0).payloads,
                  let sealed = try? SKProtection.seal(header: opened.header, innerPayloads: inner, iv: Array(repeating: 7, count: 8),
                                                      protection: context.keys.responderProtection) else { return }
            parsed += 1
            var member = t.memberAfterInit
            _ = member.handle(datagram: sealed, from: RegistrationSetup.gcksAddress, now: .zero)
            if let holdings = member.holdings {
                held += 1
                // Whatever is held must still be keys of the length its transforms need.
                for sa in holdings.dataSecuritySAs { #expect(sa.keyMaterial.count == 20) }
            }
        }
        #expect(parsed > 1_000, "the sweep reached the engine's semantic checks")
        // Mutations the GM may accept: e.g. a changed lifetime, port or selector octet.
        #expect(held < parsed)
    }
}

extension AuthenticHostileContentTests {
    @Test("Every re-sealed mutation of the GSA_AUTH request gets an answer or a drop from the GCKS, never a crash")
    func resealedRequestSweep() throws {
        let t = try EngineMutationSweepTests.transcript()
        let session = try #require(t.gcksAfterInit.sessions.values.first)
        let opened = try SKProtection.open(t.authRequest, protection: session.keys.initiatorProtection)
        let plaintext = try IKEv2Message.serializeInnerPayloads(opened.innerPayloads)
        let first = opened.innerPayloads[0].type
        let original = GSAAuthRequest(opened.innerPayloads)
        var parsed = 0, admitted = 0
        WireMutator.forEachMutation(of: plaintext, randomRuns: 300) { mutated in
            guard mutated != plaintext,
                  let inner = try? IKEv2Message.parseInnerPayloads(first: first, bytes: ByteBuffer(bytes: mutated), origin: 0).payloads,
                  let sealed = try? SKProtection.seal(header: opened.header, innerPayloads: inner, iv: Array(repeating: 9, count: 8),
                                                      protection: session.keys.initiatorProtection) else { return }
            parsed += 1
            var gcks = t.gcksAfterInit
            _ = gcks.handle(datagram: sealed, from: RegistrationSetup.memberAddress, now: .zero)
            guard gcks.statistics.registrations > 0 else { return }
            admitted += 1
            // AUTH covers IDi (RFC 7296 §2.15), and IDg picks the PSK: a registration can only
            // come from the authentic identity, AUTH and group. What else may differ are octets
            // the RFCs say to ignore (RESERVED fields) and the GROUP_SENDER count.
            let request = GSAAuthRequest(inner)
            #expect(request.identity == original.identity && request.auth == original.auth)
            #expect(request.groupID?.data == original.groupID?.data && request.groupID?.idType == original.groupID?.idType)
        }
        #expect(parsed > 500 && admitted < parsed)
    }
}

extension EngineMutationSweepTests {
    @Test("Mutated INFORMATIONAL and GSA_REGISTRATION requests on a registered SA never crash the GCKS")
    func registeredSASweep() throws {
        let directory = GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7)),
                                                try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 77),
                                                                            renamedTo: ("demo-1002", 1002))])
        let harness = RegistrationSetup.run(gcks: try RegistrationSetup.gcks(directory, maximumMessageSize: 4_096),
                                            member: try RegistrationSetup.member())
        let registeredGCKS = harness.right
        var member = harness.left
        let liveness = member.checkLiveness(now: .zero).sentDatagrams[0]
        var other = harness.left
        let registration = other.register(group: GSARegistrationTests.secondIDg, now: .zero).sentDatagrams[0]
        for request in [liveness, registration] {
            var answered = 0
            WireMutator.forEachMutation(of: request, randomRuns: 200) { mutated in
                guard mutated != request else { return }
                var gcks = registeredGCKS
                answered += gcks.handle(datagram: mutated, from: RegistrationSetup.memberAddress, now: .zero).sentDatagrams
                    .filter { !Self.isVersionRefusal($0) }.count
            }
            #expect(answered == 0, "damaged requests fail integrity and are dropped (a later version number aside)")
        }
        #expect(directory.snapshot[1].members.isEmpty)
    }
}
