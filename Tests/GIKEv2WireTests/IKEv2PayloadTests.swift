import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GIKEv2Wire

/// Round trips and malformed-input checks for each payload body, through the same decode path a
/// received message takes.
@Suite("GIKEv2Wire payload codecs")
struct IKEv2PayloadTests {
    static let v4 = TrafficSelector.addressRange(AddressRangeSelector(ipProtocolID: 17, startPort: 848, endPort: 848,
                                                                      startAddress: [239, 192, 0, 1], endAddress: [239, 192, 0, 1]))
    static let v6 = TrafficSelector.addressRange(AddressRangeSelector(ipProtocolID: 0, startPort: 0, endPort: 65535,
                                                                      startAddress: [UInt8](repeating: 0, count: 16),
                                                                      endAddress: [UInt8](repeating: 0xFF, count: 16)))

    static let samples: [IKEv2Payload] = [
        .securityAssociation(SecurityAssociationPayload(proposals: [
            IKEv2Proposal(number: 1, protocolID: 1, transforms: [IKEv2Transform(type: 1, id: 20, attributes: [.tv(14, 256)]),
                                                                 IKEv2Transform(type: 2, id: 5), IKEv2Transform(type: 4, id: 31)]),
            IKEv2Proposal(number: 2, protocolID: 3, spi: [1, 2, 3, 4], transforms: [IKEv2Transform(type: 1, id: 12)]),
        ])),
        .keyExchange(KeyExchangePayload(group: 31, data: [UInt8](repeating: 7, count: 32))),
        .identificationInitiator(IdentificationPayload(idType: 2, data: Array("gm1.example".utf8))),
        .identificationResponder(IdentificationPayload(idType: 1, data: [192, 0, 2, 1])),
        .certificate(CertificatePayload(encoding: 4, data: [0x30, 0x03, 1, 2, 3])),
        .certificateRequest(CertificatePayload(encoding: 4, data: [UInt8](repeating: 9, count: 20))),
        .authentication(AuthenticationPayload(method: 14, data: [1, 2, 3])),
        .nonce(NoncePayload(data: [UInt8](repeating: 1, count: 32))),
        .notify(NotifyPayload.groupSender(count: 3)),
        .notify(NotifyPayload(protocolID: 3, messageType: 11, spi: [0, 0, 0, 9], data: [])),
        .delete(DeletePayload(protocolID: 3, spiSize: 4, spis: [[1, 2, 3, 4], [0, 0, 0, 0]])),
        .delete(DeletePayload(protocolID: 6, spiSize: 16, spis: [[UInt8](repeating: 0, count: 16)])),
        .delete(DeletePayload(protocolID: 1, spiSize: 0, spis: [])),
        .vendorID(VendorIDPayload(data: [0x4a, 0x13, 0x1c, 0x81])),
        .trafficSelectorInitiator(TrafficSelectorPayload(selectors: [v4, v6])),
        .trafficSelectorResponder(TrafficSelectorPayload(selectors: [.other(type: 10, body: [0, 1, 2, 3])])),
        .groupIdentification(IdentificationPayload(idType: 11, data: [0, 0, 3, 0xE9])),
        .groupSecurityAssociation(GroupSecurityAssociationPayload(policies: [
            .securityAssociation(GroupSAPolicy(protocolID: 3, spi: [0, 0, 1, 0], source: v6, destination: v4,
                                               transforms: [IKEv2Transform(type: 1, id: 20, attributes: [.tv(14, 128)]),
                                                            IKEv2Transform(type: 5, id: 2)],
                                               attributes: [.tlv(1, [0, 0, 14, 16]), .tlv(3, [0, 0, 1, 1])])),
            .groupWide(GroupWidePolicy(attributes: [.tv(3, 16)])),
        ])),
        .keyDownload(KeyDownloadPayload(bags: [
            .group(GroupKeyBag(protocolID: 3, spi: [0, 0, 1, 0],
                               attributes: [.saKey(WrappedKey(keyID: 0, kwkID: 0, encryptedKey: [UInt8](repeating: 5, count: 48)))])),
            .member(MemberKeyBag(attributes: [.wrapKey(WrappedKey(keyID: 3, kwkID: 1, encryptedKey: [UInt8](repeating: 6, count: 40))),
                                              .gmSenderID([0, 5]), .other(.tv(200, 1))])),
        ])),
        .encryptedFragment(EncryptedFragmentPayload(firstInnerPayload: 0, fragmentNumber: 2, totalFragments: 3, content: [1, 2, 3])),
        .unknown(type: 99, critical: true, body: [1, 2, 3]),
        .unknown(type: 47, critical: false, body: [1, 0, 0, 0]),
    ]

    /// One payload as a one-payload chain, and back.
    static func encode(_ payload: IKEv2Payload) throws -> [UInt8] { try IKEv2Message.serializeInnerPayloads([payload]) }

    static func decode(_ bytes: [UInt8], type: UInt8) throws -> IKEv2Payload {
        var reader = WireReader(bytes: bytes, origin: 28, context: "test")
        let raws = try PayloadChain.walk(first: type, reader: &reader, style: .ikev2,
                                         isTerminal: { $0 == 46 || $0 == 53 }, name: IKEv2PayloadType.name)
        return try IKEv2Payload.decode(try #require(raws.first))
    }

    @Test(arguments: samples.indices)
    func roundTripAndTruncationAtEveryByte(index: Int) throws {
        let payload = Self.samples[index]
        var bytes = try Self.encode(payload)
        if payload.type == IKEv2PayloadType.encryptedFragment { bytes[0] = 0 } // SKF's Next Payload = inner type
        #expect(try Self.decode(bytes, type: payload.type) == payload)
        #expect(try Self.encode(Self.decode(bytes, type: payload.type)) == bytes)
        for cut in 0..<bytes.count {
            var shortened = Array(bytes.prefix(cut))
            if shortened.count >= 4 { shortened[2] = UInt8(cut >> 8); shortened[3] = UInt8(cut & 0xFF) }
            // A payload whose length shrinks with it either decodes to something else (opaque
            // bodies) or throws a typed error; it must never trap.
            do { _ = try Self.decode(shortened, type: payload.type) } catch is WireError {}
        }
    }

    func expectError(_ bytes: [UInt8], type: UInt8, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let decoded = try Self.decode(bytes, type: type)
            Issue.record("decoded \(decoded) instead of failing", sourceLocation: sourceLocation)
        } catch let error as WireError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func saStructuralLies() throws {
        let sa = try Self.encode(Self.samples[0])
        var badMarker = sa; badMarker[4] = 1                       // first proposal "Last Substruc" 1
        expectError(badMarker, type: 33, code: "WIRE-VALUE")
        var lastTooEarly = sa; lastTooEarly[4] = 0                   // says last, but another follows
        expectError(lastTooEarly, type: 33, code: "WIRE-VALUE")
        var count = sa; count[11] = 4                                // Num Transforms 4, 3 present
        expectError(count, type: 33, code: "WIRE-VALUE")
        var proposalLength = sa; proposalLength[7] = 0xFF            // proposal longer than the SA
        expectError(proposalLength, type: 33, code: "WIRE-LENGTH")
        var keyLengthAsTLV = sa; keyLengthAsTLV[20] = 0; keyLengthAsTLV[22] = 0; keyLengthAsTLV[23] = 0 // Key Length as empty TLV
        expectError(keyLengthAsTLV, type: 33, code: "WIRE-ATTRIBUTE")
    }

    @Test func notifyDeleteNonceAndSelectorLies() throws {
        expectError([0, 0, 0, 4 + 15] + [UInt8](repeating: 1, count: 15), type: 40, code: "WIRE-LENGTH")      // nonce 15
        var delete = try Self.encode(Self.samples[10]); delete[7] = 3                                      // 3 SPIs claimed, 2 present
        expectError(delete, type: 42, code: "WIRE-COUNT")
        expectError([0, 0, 0, 8, 1, 0, 0, 1], type: 42, code: "WIRE-COUNT")                                // IKE delete with a count
        expectError([0, 0, 0, 8, 0, 9, 0, 1], type: 41, code: "WIRE-TRUNCATED")                            // SPI Size 9, nothing there
        var ts = try Self.encode(Self.samples[14]); ts[4] = 3
        expectError(ts, type: 44, code: "WIRE-COUNT")
        var tsLength = try Self.encode(Self.samples[14]); tsLength[11] = 17                                // IPv4 selector length 17
        expectError(tsLength, type: 44, code: "WIRE-LENGTH")
    }

    @Test func gsaAndKeyDownloadRules() throws {
        let gsa = try Self.encode(Self.samples[17])
        var spiSize = gsa; spiSize[5] = 16                     // ESP policy with a 16-octet SPI
        expectError(spiSize, type: 51, code: "WIRE-VALUE")
        // GW policy alone: a GSA needs at least one GSA policy (RFC 9838 §4.4.1).
        expectError([0, 0, 0, 12, 0, 0, 0, 8, 0x80, 3, 0, 16], type: 51, code: "WIRE-COUNT")
        // GWP_SENDER_ID_BITS sent as TLV.
        expectError(Array(gsa.prefix(gsa.count - 8)) + [0, 0, 0, 8, 0, 3, 0, 0], type: 51, code: "WIRE-ATTRIBUTE")
        // GSA_KEY_LIFETIME of 2 octets.
        let kd = try Self.encode(Self.samples[18])
        // SA_KEY with Key ID 1 (must be 0, RFC 9838 §4.5.2.1): Key ID is at 4 (KD hdr) + 8 (bag hdr+SPI) + 4 (attr hdr).
        var keyID = kd; keyID[19] = 1
        expectError(keyID, type: 52, code: "WIRE-VALUE")
        // Bag length beyond the payload.
        var bagLength = kd; bagLength[6] = 0xFF
        expectError(bagLength, type: 52, code: "WIRE-LENGTH")
        // WRAP_KEY with Key ID 0.
        let memberStart = 4 + 4 + 4 + 4 + 8 + 48
        var wrapZero = kd; wrapZero[memberStart + 4 + 7] = 0
        expectError(wrapZero, type: 52, code: "WIRE-VALUE")
    }

    @Test func fragmentNumbersAreChecked() throws {
        expectError([0, 0, 0, 8, 0, 0, 0, 1], type: 53, code: "WIRE-VALUE")     // fragment 0
        expectError([0, 0, 0, 8, 0, 2, 0, 1], type: 53, code: "WIRE-VALUE")     // 2 of 1
        expectError([0, 0, 0, 8, 0, 1, 0, 0], type: 53, code: "WIRE-VALUE")     // total 0
        expectError([40, 0, 0, 8, 0, 2, 0, 2], type: 53, code: "WIRE-VALUE")    // Next Payload set after fragment 1
    }

    @Test func headerChecks() throws {
        let header = IKEv2Header(initiatorSPI: 1, responderSPI: 2, exchangeType: 37, flags: 0x28, messageID: 7)
        let bytes = try IKEv2Message(header: header, payloads: []).serializedBytes()
        #expect(bytes.count == 28 && bytes[17] == 0x20 && bytes[27] == 28)
        #expect(try IKEv2Message.parse(bytes).header.isResponse)
        var major = bytes; major[17] = 0x30
        #expect(throws: WireError.unsupportedVersion(offset: 17, major: 3, minor: 0)) { _ = try IKEv2Message.parse(major) }
        var length = bytes; length[27] = 29
        #expect(throws: WireError.self) { _ = try IKEv2Message.parse(length) }
        #expect(throws: WireError.self) { _ = try IKEv2Message.parse(bytes + [0]) }
        var rekey = header; rekey.initiatorSPI = 0x0102030405060708; rekey.responderSPI = 0x1112131415161718
        #expect(rekey.rekeySPI == [1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18])
    }

    @Test func paddingIsMinimalAndAligned() {
        for length in 0..<40 {
            let pad = SKProtection.padding(innerLength: length, blockSize: 16)
            #expect((length + pad.count) % 16 == 0 && pad.count <= 16 && Int(pad.last!) == pad.count - 1)
        }
        #expect(SKProtection.padding(innerLength: 13, blockSize: 1) == [0])
    }

    @Test func rulesRejectMisplacedOrMissingPayloads() throws {
        let request = try #require(IKEv2ExchangeRules.rules(exchangeType: 39, isResponse: false))
        func found(_ clear: [UInt8], _ inner: [UInt8]) -> [FoundPayload] {
            clear.map { FoundPayload(type: $0, encrypted: false) } + inner.map { FoundPayload(type: $0, encrypted: true) }
        }
        try request.check(found([46], [35, 39, 50, 33, 41]))
        #expect(throws: WireError.self) { try request.check(found([46], [35, 39])) }            // no IDg
        #expect(throws: WireError.self) { try request.check(found([46, 50], [35, 39])) }        // IDg in the clear
        #expect(throws: WireError.self) { try request.check(found([46], [35, 39, 50, 50])) }    // two IDg
        #expect(throws: WireError.self) { try request.check(found([46], [35, 39, 50, 51])) }    // GSA from a GM
        let rekey = try #require(IKEv2ExchangeRules.rules(exchangeType: 41, isResponse: false))
        try rekey.check(found([46], [51, 52, 39]))
        try rekey.check(found([46], [42, 41]))
        #expect(throws: WireError.self) { try rekey.check(found([46], [51, 39])) }              // GSA without KD
        #expect(IKEv2ExchangeRules.rules(exchangeType: 41, isResponse: true) == nil)
        let inband = try #require(IKEv2ExchangeRules.rules(exchangeType: 42, isResponse: true))
        try inband.check(found([46], []))
    }
}

@Suite("GIKEv2Wire GSA transform rules (RFC 9838 Fig. 16)")
struct GSATransformRuleTests {
    static let ts = IKEv2PayloadTests.v4
    static let kwa = IKEv2Transform(type: 13, id: 3)
    static let gcauthSig = IKEv2Transform(type: 14, id: 2, attributes: [.tlv(18, [0x30, 0x0d, 0x06, 0x09])])

    func policy(_ protocolID: UInt8, _ transforms: [IKEv2Transform]) -> GroupSAPolicy {
        GroupSAPolicy(protocolID: protocolID, spi: [UInt8](repeating: 1, count: protocolID == 6 ? 16 : 4),
                      source: Self.ts, destination: Self.ts, transforms: transforms)
    }

    @Test func validSetsPass() throws {
        try policy(6, [IKEv2Transform(type: 1, id: 12), IKEv2Transform(type: 3, id: 12), Self.gcauthSig, Self.kwa])
            .checkTransforms(atRegistration: true)
        try policy(6, [IKEv2Transform(type: 1, id: 20), Self.kwa]).checkTransforms(atRegistration: false)
        try policy(3, [IKEv2Transform(type: 1, id: 20), IKEv2Transform(type: 5, id: 2)]).checkTransforms(atRegistration: true)
        try policy(2, [IKEv2Transform(type: 3, id: 12), IKEv2Transform(type: 5, id: 0)]).checkTransforms(atRegistration: false)
    }

    @Test func brokenSetsFail() {
        // GCAUTH in a rekey; missing at registration; Digital Signature without its algorithm.
        #expect(throws: WireError.self) { try policy(6, [IKEv2Transform(type: 1, id: 20), Self.kwa, Self.gcauthSig]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(6, [IKEv2Transform(type: 1, id: 20), Self.kwa]).checkTransforms(atRegistration: true) }
        #expect(throws: WireError.self) { try policy(6, [IKEv2Transform(type: 1, id: 20), Self.kwa, IKEv2Transform(type: 14, id: 2)]).checkTransforms(atRegistration: true) }
        // AES-CBC rekey SA without INTEG; AES-GCM with a real INTEG; an _IIV cipher; ESP without SN; two ENCR.
        #expect(throws: WireError.self) { try policy(6, [IKEv2Transform(type: 1, id: 12), Self.kwa]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(3, [IKEv2Transform(type: 1, id: 20), IKEv2Transform(type: 3, id: 12), IKEv2Transform(type: 5, id: 2)]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(3, [IKEv2Transform(type: 1, id: 29), IKEv2Transform(type: 5, id: 2)]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(3, [IKEv2Transform(type: 1, id: 20)]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(3, [IKEv2Transform(type: 1, id: 20), IKEv2Transform(type: 1, id: 20), IKEv2Transform(type: 5, id: 2)]).checkTransforms(atRegistration: false) }
        #expect(throws: WireError.self) { try policy(2, [IKEv2Transform(type: 1, id: 12), IKEv2Transform(type: 3, id: 12), IKEv2Transform(type: 5, id: 0)]).checkTransforms(atRegistration: false) }
    }

    @Test func vectorPoliciesPass() throws {
        let v = try SKVectorFile.load().vector(SKProtectionVectorTests.protectedNames[0])
        let opened = try SKProtection.open(Hex.decode(v.message!), protection: RecordedProtection(v))
        guard case .groupSecurityAssociation(let gsa) = opened.innerPayloads[2] else { Issue.record("GSA"); return }
        for case .securityAssociation(let policy) in gsa.policies { try policy.checkTransforms(atRegistration: true) }
    }

    @Test func groupNotificationsHaveNoSPI() throws {
        // INVALID_GROUP_ID with Protocol ID 3; GROUP_SENDER with 2 octets of data.
        #expect(throws: WireError.self) { _ = try IKEv2PayloadTests.decode([0, 0, 0, 8, 3, 0, 0, 45], type: 41) }
        #expect(throws: WireError.self) { _ = try IKEv2PayloadTests.decode([0, 0, 0, 10, 0, 0, 0x40, 0x2D, 0, 1], type: 41) }
        #expect(try IKEv2PayloadTests.decode([0, 0, 0, 12, 0, 0, 0x40, 0x2D, 0, 0, 0, 2], type: 41) == .notify(.groupSender(count: 2)))
    }
}

extension IKEv2PayloadTests {
    @Test func gsaPolicyWithoutALastTransformIsRefused() throws {
        // The TEK policy of the samples has no attributes after the GW policy is removed; mark its
        // last transform "more follow" (3) so the list runs out.
        let policy = GroupSAPolicy(protocolID: 3, spi: [0, 0, 1, 0], source: Self.v4, destination: Self.v4,
                                   transforms: [IKEv2Transform(type: 1, id: 20), IKEv2Transform(type: 5, id: 2)])
        var bytes = try Self.encode(.groupSecurityAssociation(GroupSecurityAssociationPayload(policies: [.securityAssociation(policy)])))
        #expect(try Self.decode(bytes, type: 51) == .groupSecurityAssociation(GroupSecurityAssociationPayload(policies: [.securityAssociation(policy)])))
        let lastTransform = bytes.count - 8
        #expect(bytes[lastTransform] == 0)
        bytes[lastTransform] = 3
        expectError(bytes, type: 51, code: "WIRE-COUNT")
    }
}
