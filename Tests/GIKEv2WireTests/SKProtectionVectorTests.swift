import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GIKEv2Wire

@Suite("GIKEv2Wire SK/SKF against Python-built messages")
struct SKProtectionVectorTests {
    static let protectedNames = ["gsa-auth-response-aes-cbc-256-hmac-sha2-256-128", "gsa-rekey-aes-gcm-16-256"]

    @Test(arguments: protectedNames)
    func parseAndReserialiseTheProtectedMessage(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let bytes = Hex.decode(try #require(v.message))
        let message = try IKEv2Message.parse(bytes)
        #expect(try message.serializedBytes() == bytes)
        let sk = try #require(message.payloads.last)
        guard case .encrypted(let encrypted) = sk else { Issue.record("last payload is not SK"); return }
        #expect(encrypted.firstInnerPayload == v.firstInnerPayload)
        // IV | ciphertext | ICV, in that order (RFC 7296 §3.14).
        #expect(encrypted.content == Hex.decode(v.iv!) + Hex.decode(v.ciphertext!) + Hex.decode(v.icv!))
    }

    @Test(arguments: protectedNames)
    func sealBuildsTheSameOctetsAsPython(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let bytes = Hex.decode(try #require(v.message))
        let header = try IKEv2Message.parse(bytes).header
        let inner = try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)
        let sealed = try SKProtection.seal(header: header, innerPayloads: inner, iv: Hex.decode(v.iv!),
                                           protection: RecordedProtection(v))
        #expect(sealed == bytes)
    }

    @Test(arguments: protectedNames)
    func openYieldsInnerPayloadsThatPassTheRules(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let opened = try SKProtection.open(Hex.decode(v.message!), protection: RecordedProtection(v))
        #expect(opened.innerPayloads == (try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)))
        #expect(try IKEv2Message.serializeInnerPayloads(opened.innerPayloads) == Hex.decode(v.innerPayloads!))
        try IKEv2ExchangeRules.check(opened)
    }

    @Test func gsaAuthResponseFieldsDecodeAsPythonPackedThem() throws {
        let v = try SKVectorFile.load().vector(Self.protectedNames[0])
        let opened = try SKProtection.open(Hex.decode(v.message!), protection: RecordedProtection(v))
        guard case .groupSecurityAssociation(let gsa) = opened.innerPayloads[2],
              case .keyDownload(let kd) = opened.innerPayloads[3] else {
            Issue.record("expected GSA then KD"); return
        }
        #expect(gsa.policies.count == 3)
        guard case .securityAssociation(let kek) = gsa.policies[0], case .securityAssociation(let tek) = gsa.policies[1],
              case .groupWide(let gw) = gsa.policies[2] else { Issue.record("policy kinds"); return }
        #expect(kek.protocolID == IKEv2ProtocolID.gikeUpdate && kek.spi == Hex.decode(v.kekSPI!))
        #expect(kek.transforms.map(\.type) == [1, 3, 14, 13])
        #expect(kek.transforms[0].keyLength == 256)
        #expect(kek.keyLifetime == 86400 && kek.initialMessageID == 1)
        #expect(tek.protocolID == IKEv2ProtocolID.esp && tek.spi == Hex.decode(v.tekSPI!))
        #expect(gw.activationTimeDelay == 10 && gw.deactivationTimeDelay == 30 && gw.senderIDBits == 16)
        #expect(kd.bags.count == 3)
        guard case .group(let kekBag) = kd.bags[0], case .member(let member) = kd.bags[2] else { Issue.record("bags"); return }
        // RFC 5649: 96 octets of KEYMAT wrap to 104.
        #expect(kekBag.saKeys.count == 1 && kekBag.saKeys[0].keyID == 0 && kekBag.saKeys[0].encryptedKey.count == 104)
        #expect(member.attributes.count == 3)
        if case .wrapKey(let node) = member.attributes[0] { #expect(node.keyID == 7 && node.kwkID == 0) } else { Issue.record("WRAP_KEY") }
        #expect(member.attributes[1] == .authKey(Hex.decode(v.authKeySPKI!)))
        #expect(member.attributes[2] == .gmSenderID([0, 1]))
    }

    @Test(arguments: protectedNames)
    func everyTruncationIsATypedError(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let bytes = Hex.decode(v.message!)
        for cut in 0..<bytes.count {
            #expect(throws: WireError.self) { _ = try IKEv2Message.parse(Array(bytes.prefix(cut))) }
        }
    }

    @Test func tamperedICVOrCiphertextIsRefusedBeforeParsing() throws {
        let v = try SKVectorFile.load().vector(Self.protectedNames[0])
        var bytes = Hex.decode(v.message!)
        bytes[bytes.count - 1] ^= 1
        #expect(throws: RecordedProtection.Mismatch.self) { _ = try SKProtection.open(bytes, protection: RecordedProtection(v)) }
    }

    @Test func fragmentsMatchPythonAndReassemble() throws {
        let v = try SKVectorFile.load().vector("gsa-registration-request-skf-aes-cbc-256")
        let fragments = try #require(v.fragments).map(Hex.decode)
        let inner = try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)
        var opened: [SKProtection.OpenedFragment] = []
        for (index, fragment) in fragments.enumerated() {
            let message = try IKEv2Message.parse(fragment)
            #expect(try message.serializedBytes() == fragment)
            try message.checkClearRules()
            guard case .encryptedFragment(let skf) = message.payloads[0] else { Issue.record("SKF"); return }
            #expect(Int(skf.fragmentNumber) == index + 1 && Int(skf.totalFragments) == fragments.count)
            #expect(skf.firstInnerPayload == (index == 0 ? 50 : 0))
            // Structure-only open: an identity cipher on the Python ciphertext gives back the
            // ciphertext; sizes must agree with the Python layout.
            let recorded = RecordedProtection(SKVector(fragmentOf: v, index: index, fragment: fragment))
            opened.append(try SKProtection.openFragment(fragment, protection: recorded))
        }
        // Reassembled from the Python plaintext chunks, the inner payloads come back.
        #expect(try SKProtection.reassemble(opened.reversed()) == inner)
        // And sealing the same inner payloads with the same chunk size produces the same layout.
        let header = try IKEv2Message.parse(fragments[0]).header
        let built = try SKProtection.sealFragments(header: header, innerPayloads: inner, maximumChunk: v.fragmentChunk!,
                                                   ivs: v.ivs!.map(Hex.decode),
                                                   protection: IdentityProtection(ivLength: 16, blockSize: 16, icvLength: 16))
        #expect(built.map(\.count) == fragments.map(\.count))
        #expect(zip(built, fragments).allSatisfy { Array($0.prefix(40)) == Array($1.prefix(40)) })
    }

    @Test func reassemblyRefusesMissingOrInconsistentFragments() throws {
        let v = try SKVectorFile.load().vector("gsa-registration-request-skf-aes-cbc-256")
        let fragments = try #require(v.fragments).map(Hex.decode)
        let opened = try fragments.enumerated().map { index, fragment in
            try SKProtection.openFragment(fragment, protection: RecordedProtection(SKVector(fragmentOf: v, index: index, fragment: fragment)))
        }
        #expect(throws: WireError.self) { _ = try SKProtection.reassemble(Array(opened.dropLast())) }
        #expect(throws: WireError.self) { _ = try SKProtection.reassemble(opened + [opened[0]]) }
    }

    @Test func clearInitRequestRoundTripsWithItsUnknownPayload() throws {
        let v = try SKVectorFile.load().vector("ike-sa-init-request-clear")
        let bytes = Hex.decode(v.message!)
        let message = try IKEv2Message.parse(bytes)
        #expect(try message.serializedBytes() == bytes)
        #expect(message.payloads.last == .unknown(type: 200, critical: false, body: [1, 2, 3]))
        try message.checkClearRules()
        guard case .securityAssociation(let sa) = message.payloads[0] else { Issue.record("SA"); return }
        #expect(sa.proposals[0].transforms.map(\.type) == [1, 2, 3, 4, 13])
        // The same payload marked critical must be reported for UNSUPPORTED_CRITICAL_PAYLOAD.
        var critical = bytes
        let unknownOffset = try #require(message.payloadOffsets.last)
        critical[unknownOffset + 1] = 0x80
        let flagged = try IKEv2Message.parse(critical)
        #expect(try flagged.serializedBytes() == critical)
        #expect(throws: WireError.unsupportedCriticalPayload(payloadType: 200, offset: unknownOffset)) {
            try flagged.checkClearRules()
        }
    }
}

extension SKProtectionVectorTests {
    static let fragmentNames = ["gsa-registration-request-skf-aes-cbc-256", "gsa-registration-request-skf-aes-gcm-16-256"]

    /// Sealing the inner payloads as fragments gives Python's octets exactly: headers, Next Payload
    /// only in fragment 1, padding per fragment, and (GCM) AAD through Total Fragments.
    @Test(arguments: fragmentNames)
    func sealFragmentsBuildsPythonsOctets(name: String) throws {
        let v = try SKVectorFile.load().vector(name)
        let fragments = try #require(v.fragments).map(Hex.decode)
        let recordings = fragments.indices.map { RecordedProtection(SKVector(fragmentOf: v, index: $0, fragment: fragments[$0])) }
        let protection = RecordedFragmentsProtection(recordings: recordings)
        let inner = try IKEv2Message.innerPayloads(hex: v.innerPayloads!, first: v.firstInnerPayload!)
        let header = try IKEv2Message.parse(fragments[0]).header
        let built = try SKProtection.sealFragments(header: header, innerPayloads: inner, maximumChunk: v.fragmentChunk!,
                                                   ivs: v.ivs!.map(Hex.decode), protection: protection)
        #expect(built == fragments)
        let opened = try fragments.map { try SKProtection.openFragment($0, protection: protection) }
        #expect(try SKProtection.reassemble(opened) == inner)
    }
}

extension SKVector {
    /// Rebuilds the per-fragment recording from a fragment message: the Python script put IV,
    /// ciphertext and ICV at the end of each fragment; the plaintext chunk is the vector's inner
    /// payloads sliced as the script sliced them, plus the CBC padding.
    init(fragmentOf v: SKVector, index: Int, fragment: [UInt8]) {
        let inner = Hex.decode(v.innerPayloads!)
        let chunkSize = v.fragmentChunk!
        let chunk = Array(inner[(index * chunkSize)..<min((index + 1) * chunkSize, inner.count)])
        let aead = v.isAEAD ?? false
        let ivLength = v.ivLength ?? 16
        let blockSize = v.blockSize ?? 16
        let padded = chunk + SKProtection.padding(innerLength: chunk.count, blockSize: blockSize)
        let ivStart = 28 + 8
        self.init(name: v.name, isAEAD: aead, ivLength: ivLength, blockSize: blockSize, icvLength: 16, iv: v.ivs![index], ivs: nil,
                  fragmentChunk: nil, firstInnerPayload: nil, innerPayloads: nil, paddedPlaintext: Hex.encode(padded),
                  aad: aead ? Hex.encode(fragment.prefix(ivStart)) : nil,
                  icvInput: aead ? nil : Hex.encode(fragment.prefix(fragment.count - 16)),
                  ciphertext: Hex.encode(fragment[(ivStart + ivLength)..<(fragment.count - 16)]),
                  icv: Hex.encode(fragment.suffix(16)), message: nil, fragments: nil, kekSPI: nil, tekSPI: nil, authKeySPKI: nil)
    }
}
