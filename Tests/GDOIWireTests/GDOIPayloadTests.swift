import GroupKeyCrypto
import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GDOIWire

/// Malformed-input checks for ISAKMP / GDOI payloads, built by editing valid vectors.
@Suite("GDOIWire malformed payloads and rules")
struct GDOIPayloadTests {
    static func plaintext(_ name: String) throws -> (ISAKMPHeader, [UInt8]) {
        let v = try GDOIVectorFile.load().vector(name)
        return (try ISAKMPMessage.parse(Hex.decode(v.message)).header, Hex.decode(v.plaintext!))
    }

    func expectCode(_ code: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("no error", sourceLocation: sourceLocation)
        } catch let error as WireError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Offset of the first payload of `type` in a plaintext chain.
    func offset(of type: UInt8, in plaintext: [UInt8], header: ISAKMPHeader) throws -> Int {
        let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: header, origin: 0)
        return try #require(zip(payloads, offsets).first { $0.0.type == type }?.1)
    }

    @Test func gdoiSecurityAssociationLies() throws {
        let (header, plain) = try Self.plaintext("groupkey-pull-2")
        let sa = try offset(of: 1, in: plain, header: header)
        var situation = plain; situation[sa + 4 + 7] = 1
        expectCode("WIRE-VALUE") { _ = try ISAKMPMessage.parsePayloads(plaintext: situation, header: header) }
        var attrNext = plain; attrNext[sa + 4 + 9] = 17                       // SA Attribute Next Payload = KD
        expectCode("WIRE-VALUE") { _ = try ISAKMPMessage.parsePayloads(plaintext: attrNext, header: header) }
        var reserved = plain; reserved[sa + 4 + 11] = 1
        expectCode("WIRE-RESERVED") { _ = try ISAKMPMessage.parsePayloads(plaintext: reserved, header: header) }
        // SAT first, then SAK after it: SA Attribute Next names SAT and SAT's Next names... reorder by
        // making the SAK's own Next Payload claim SAT->GAP ordering is broken: GAP after a SAT.
        var order = plain; order[sa + 4 + 9] = 22                             // starts with "GAP" but SAK bytes follow
        #expect(throws: WireError.self) { _ = try ISAKMPMessage.parsePayloads(plaintext: order, header: header) }
        var satLength = plain
        let sak = sa + 16
        satLength[sak + 2] = 0xFF                                              // SAK longer than the SA
        expectCode("WIRE-LENGTH") { _ = try ISAKMPMessage.parsePayloads(plaintext: satLength, header: header) }
    }

    @Test func keyDownloadLies() throws {
        let (header, plain) = try Self.plaintext("groupkey-pull-4")
        let kd = try offset(of: 17, in: plain, header: header)
        var count = plain; count[kd + 5] = 6
        expectCode("WIRE-COUNT") { _ = try ISAKMPMessage.parsePayloads(plaintext: count, header: header) }
        var reserved = plain; reserved[kd + 7] = 1
        expectCode("WIRE-RESERVED") { _ = try ISAKMPMessage.parsePayloads(plaintext: reserved, header: header) }
        var packetLength = plain; packetLength[kd + 8 + 2] = 0xFF
        expectCode("WIRE-LENGTH") { _ = try ISAKMPMessage.parsePayloads(plaintext: packetLength, header: header) }
        var secondKEK = plain; secondKEK[kd + 8] = 2                           // first TEK packet retyped as KEK
        expectCode("WIRE-COUNT") { _ = try ISAKMPMessage.parsePayloads(plaintext: secondKEK, header: header) }
        let seq = try offset(of: 18, in: plain, header: header)
        var seqLength = plain; seqLength[seq + 3] = 9
        #expect(throws: WireError.self) { _ = try ISAKMPMessage.parsePayloads(plaintext: seqLength, header: header) }
    }

    @Test func lkhArrayLies() throws {
        let v = try GDOIVectorFile.load().vector("groupkey-pull-4")
        var bytes = Hex.decode(v.lkhDownload!)
        bytes[0] = 2
        expectCode("WIRE-VALUE") { _ = try LKHDownloadArray.decode(SecretBytes(bytes)) }
        bytes[0] = 1; bytes[2] = 4                                             // 4 keys claimed, 3 present
        #expect(throws: WireError.self) { _ = try LKHDownloadArray.decode(SecretBytes(bytes)) }
        bytes[2] = 5                                                            // 144 octets do not split into 5
        expectCode("WIRE-COUNT") { _ = try LKHDownloadArray.decode(SecretBytes(bytes)) }
        bytes[2] = 0
        expectCode("WIRE-COUNT") { _ = try LKHDownloadArray.decode(SecretBytes(bytes)) }
    }

    @Test func phase1AndBasicPayloadLies() throws {
        let mm1 = Hex.decode(try GDOIVectorFile.load().vector("main-mode-1").message)
        var transforms = mm1; transforms[28 + 4 + 8 + 4 + 3] = 3                // # of Transforms 3, 2 present
        expectCode("WIRE-COUNT") { _ = try ISAKMPMessage.parse(transforms) }
        var generic = mm1; generic[28 + 1] = 1                                  // SA RESERVED
        expectCode("WIRE-RESERVED") { _ = try ISAKMPMessage.parse(generic) }
        var lifeType = mm1
        let firstAttribute = 28 + 4 + 8 + 4 + 4 + 4 + 4
        lifeType[firstAttribute] = 0x00; lifeType[firstAttribute + 2] = 0; lifeType[firstAttribute + 3] = 0 // Encryption as empty TLV
        expectCode("WIRE-ATTRIBUTE") { _ = try ISAKMPMessage.parse(lifeType) }
        var version = mm1; version[17] = 0x20
        expectCode("WIRE-VERSION") { _ = try ISAKMPMessage.parse(version) }
        // A nonce of 7 octets (RFC 2409 §5).
        let short = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, exchangeType: 2, flags: 0, messageID: 0)
        let tooShort = try ISAKMPMessage(header: short, payloads: [.unknown(type: 10, body: [1, 2, 3, 4, 5, 6, 7])]).serializedBytes()
        expectCode("WIRE-LENGTH") { _ = try ISAKMPMessage.parse(tooShort) }
        let badDelete = try ISAKMPMessage(header: short, payloads: [.unknown(type: 12, body: [0, 0, 0, 2, 1, 4, 0, 2, 1, 2, 3, 4])]).serializedBytes()
        expectCode("WIRE-COUNT") { _ = try ISAKMPMessage.parse(badDelete) }
    }

    @Test func unknownPayloadRoundTripsButIsRefusedByTheRules() throws {
        let ack = Hex.decode(try GDOIVectorFile.load().vector("groupkey-push-ack").message)
        var message = try ISAKMPMessage.parse(ack)
        message.payloads.append(.unknown(type: 200, body: [9, 9]))
        let bytes = try message.serializedBytes()
        let parsed = try ISAKMPMessage.parse(bytes)
        #expect(parsed.payloads.last == .unknown(type: 200, body: [9, 9]))
        #expect(try parsed.serializedBytes() == bytes)
        expectCode("WIRE-CRITICAL") {
            try GDOIExchangeRules.check(header: parsed.header, payloads: parsed.payloads, offsets: parsed.payloadOffsets, message: 1)
        }
    }

    @Test func rulesCatchOrderCountAndPlacement() throws {
        let (header, plain) = try Self.plaintext("groupkey-push")
        let payloads = try ISAKMPMessage.parsePayloads(plaintext: plain, header: header).payloads
        var sigFirst = payloads; sigFirst.insert(sigFirst.removeLast(), at: 0)
        expectCode("WIRE-RULE") { try GDOIExchangeRules.check(header: header, payloads: sigFirst, message: 1) }
        var clear = header; clear.flags = 0
        expectCode("WIRE-RULE") { try GDOIExchangeRules.check(header: clear, payloads: payloads, message: 1) }
        try GDOIExchangeRules.check(header: header, payloads: [payloads[0], payloads[1], payloads[4]], message: 1) // delete-only
        expectCode("WIRE-RULE") { try GDOIExchangeRules.check(header: header, payloads: [payloads[0], payloads[4]], message: 1) }
        expectCode("WIRE-RULE") { try GDOIExchangeRules.check(header: header, payloads: payloads, message: 2) }
        // GROUPKEY-PULL message 1 must start with HASH.
        let (pullHeader, pull1) = try Self.plaintext("groupkey-pull-1")
        let pulled = try ISAKMPMessage.parsePayloads(plaintext: pull1, header: pullHeader).payloads
        expectCode("WIRE-RULE") { try GDOIExchangeRules.check(header: pullHeader, payloads: Array(pulled.reversed()), message: 1) }
    }
}

@Suite("GDOIWire header rules of the GDOI exchanges")
struct GDOIHeaderRuleTests {
    @Test func pushHeaderAndPullNonceLimits() throws {
        let v = try GDOIVectorFile.load().vector("groupkey-push")
        let header = try ISAKMPMessage.parse(Hex.decode(v.message)).header
        let payloads = try ISAKMPMessage.parsePayloads(plaintext: Hex.decode(v.plaintext!), header: header).payloads
        var flagged = header; flagged.flags = 0x03
        #expect(throws: WireError.self) { try GDOIExchangeRules.check(header: flagged, payloads: payloads, message: 1) }
        var numbered = header; numbered.messageID = 1
        #expect(throws: WireError.self) { try GDOIExchangeRules.check(header: numbered, payloads: payloads, message: 1) }
        let pull = try GDOIVectorFile.load().vector("groupkey-pull-1")
        let pullHeader = try ISAKMPMessage.parse(Hex.decode(pull.message)).header
        var pulled = try ISAKMPMessage.parsePayloads(plaintext: Hex.decode(pull.plaintext!), header: pullHeader).payloads
        pulled[1] = .nonce(data: [UInt8](repeating: 1, count: 129))
        #expect(throws: WireError.self) { try GDOIExchangeRules.check(header: pullHeader, payloads: pulled, message: 1) }
    }
}
