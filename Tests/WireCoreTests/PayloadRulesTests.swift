import Testing
@testable import WireCore

@Suite("WireCore payload rules")
struct PayloadRulesTests {
    let rules = MessageRules(exchange: "EXAMPLE", shapes: [
        PayloadRuleSet([PayloadRule(8, "HASH", min: 1, max: 1, mustBeEncrypted: true),
                        PayloadRule(10, "NONCE", min: 1, max: 1, mustBeEncrypted: true),
                        PayloadRule(11, "N", min: 0, max: 3, mustBeEncrypted: true)], ordered: true),
    ])

    func found(_ types: [UInt8], encrypted: Bool = true) -> [FoundPayload] {
        types.enumerated().map { FoundPayload(type: $1, encrypted: encrypted, offset: 28 + 4 * $0) }
    }

    @Test func acceptsAndRejects() throws {
        try rules.check(found([8, 10, 11, 11]))
        #expect(throws: WireError.self) { try rules.check(found([8])) }            // missing
        #expect(throws: WireError.self) { try rules.check(found([8, 8, 10])) }     // too many
        #expect(throws: WireError.self) { try rules.check(found([10, 8])) }        // order
        #expect(throws: WireError.self) { try rules.check(found([8, 10], encrypted: false)) }
        #expect(throws: WireError.self) { try rules.check(found([8, 10, 5])) }     // known, not allowed
    }

    @Test func unknownPayloadsSkippedUnlessCritical() throws {
        try rules.check(found([8, 10]) + [FoundPayload(type: 200, encrypted: true, critical: false, known: false)])
        #expect(throws: WireError.unsupportedCriticalPayload(payloadType: 200, offset: 60)) {
            try rules.check(found([8, 10]) + [FoundPayload(type: 200, encrypted: true, critical: true, known: false, offset: 60)])
        }
    }
}
