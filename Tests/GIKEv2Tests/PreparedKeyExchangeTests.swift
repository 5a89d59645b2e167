import EngineCore
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import Testing

/// The key agreement made ahead of the engine (PreparedKeyExchange): the GCKS answers with the
/// prepared key when it is for the request's method and peer value, and ignores it otherwise.
@Suite("GCKS with a key agreement prepared off its thread")
struct PreparedKeyExchangeTests {
    static func directory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupFixtures.demoGroup(random: DeterministicRandom(seed: 7))])
    }

    /// Runs a registration by hand, handing the GCKS `prepared` with the IKE_SA_INIT request;
    /// returns the responder's KE value and whether the member ended with holdings.
    static func register(prepared: (([UInt8]) -> PreparedKeyExchange?), memberSeed: UInt8 = 0x90)
        throws -> (responderKE: [UInt8], registered: Bool, requestKE: [UInt8]) {
        var gcks = try RegistrationSetup.gcks(try directory())
        var member = try RegistrationSetup.member(seed: memberSeed)
        let now = EngineTime.zero
        let request = try #require(member.start(now: now).sentDatagrams.first)
        let requestKE = try #require(try IKEv2Message.parse(request).payloads.compactMap { payload -> [UInt8]? in
            if case .keyExchange(let ke) = payload { return ke.data } else { return nil }
        }.first)
        let response = try #require(gcks.handle(datagram: request, from: RegistrationSetup.memberAddress, now: now,
                                                prepared: prepared(request)).sentDatagrams.first)
        let responderKE = try #require(try IKEv2Message.parse(response).payloads.compactMap { payload -> [UInt8]? in
            if case .keyExchange(let ke) = payload { return ke.data } else { return nil }
        }.first)
        var toGCKS = member.handle(datagram: response, from: RegistrationSetup.gcksAddress, now: now).sentDatagrams
        for _ in 0..<4 where !toGCKS.isEmpty {
            var toMember: [[UInt8]] = []
            for datagram in toGCKS { toMember += gcks.handle(datagram: datagram, from: RegistrationSetup.memberAddress, now: now).sentDatagrams }
            toGCKS = toMember.flatMap { member.handle(datagram: $0, from: RegistrationSetup.gcksAddress, now: now).sentDatagrams }
        }
        return (responderKE, member.holdings != nil, requestKE)
    }

    @Test("The IKE_SA_INIT answer carries the prepared public value, and the registration completes on the prepared secret")
    func preparedAgreementIsUsed() throws {
        var made: PreparedKeyExchange?
        let run = try Self.register(prepared: { request in
            made = PreparedKeyExchange.prepare(forRequest: request, random: SystemRandom())
            return made
        })
        let prepared = try #require(made)
        #expect(run.responderKE == prepared.publicValue)
        #expect(run.registered, "both sides derived the same IKE SA keys from the prepared secret")
    }

    @Test("A key agreement prepared for another request is ignored; the engine makes its own")
    func preparedForAnotherRequestIsIgnored() throws {
        var other = try RegistrationSetup.member(seed: 0x33)
        let otherRequest = try #require(other.start(now: .zero).sentDatagrams.first)
        let foreign = try #require(PreparedKeyExchange.prepare(forRequest: otherRequest, random: SystemRandom()))
        let run = try Self.register(prepared: { _ in foreign })
        #expect(run.responderKE != foreign.publicValue)
        #expect(run.registered)
    }

    @Test("Only a new IKE_SA_INIT request is prepared; a GCKS demanding cookies says so")
    func onlyNewSAInitRequests() throws {
        var member = try RegistrationSetup.member()
        let request = try #require(member.start(now: .zero).sentDatagrams.first)
        #expect(PreparedKeyExchange.isNewSAInitRequest(request))
        var response = request
        response[19] = IKEv2Header.responseFlag  // a response, not a request
        #expect(!PreparedKeyExchange.isNewSAInitRequest(response))
        var existing = request
        existing[15] = 1  // a responder SPI: not a new SA
        #expect(!PreparedKeyExchange.isNewSAInitRequest(existing))
        #expect(PreparedKeyExchange.prepare(forRequest: Array(request.prefix(27)), random: SystemRandom()) == nil)
        var truncated = request
        truncated.removeLast(10)
        #expect(PreparedKeyExchange.prepare(forRequest: truncated, random: SystemRandom()) == nil, "malformed: nothing prepared")

        let gcks = try RegistrationSetup.gcks(try Self.directory(), cookieThreshold: 2)
        #expect(!gcks.demandsCookie())
        #expect(gcks.demandsCookie(pending: 2), "requests already being prepared count toward the threshold")
    }

    @Test("The GCKS says which requests it would make a key agreement for: not a refused proposal, a replay or under cookies")
    func wouldMakeKeyAgreementOnlyWhereTheEngineWould() throws {
        var gcks = try RegistrationSetup.gcks(try Self.directory())
        var member = try RegistrationSetup.member()
        let request = try #require(member.start(now: .zero).sentDatagrams.first)
        #expect(gcks.wouldMakeKeyAgreement(forRequest: request, from: RegistrationSetup.memberAddress))
        #expect(!gcks.wouldMakeKeyAgreement(forRequest: request, from: RegistrationSetup.memberAddress,
                                            pending: gcks.configuration.cookieThreshold), "cookies would be demanded")
        _ = gcks.handle(datagram: request, from: RegistrationSetup.memberAddress, now: .zero)
        #expect(!gcks.wouldMakeKeyAgreement(forRequest: request, from: RegistrationSetup.memberAddress),
                "a copy of a request already answered is answered from the SA, without a new agreement")

        // A proposal no served group takes (ECP-384 for the demo group's MODP-2048): NO_PROPOSAL_CHOSEN, no agreement.
        var refused = try RegistrationSetup.member(proposals: [IKEProposal(encryption: 12, keyBits: 256, integrity: 12, prf: 5, keyExchange: 20)],
                                                   seed: 0x21)
        let refusedRequest = try #require(refused.start(now: .zero).sentDatagrams.first)
        #expect(!gcks.wouldMakeKeyAgreement(forRequest: refusedRequest, from: RegistrationSetup.memberAddress))
        let answer = gcks.handle(datagram: refusedRequest, from: RegistrationSetup.memberAddress, now: .zero)
        #expect(answer.logCodes.contains("GCKS-NO-PROPOSAL"), "the engine refuses it too: \(answer.logCodes)")
    }
}
