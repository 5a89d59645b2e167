import NIOCore
import Testing
@testable import WireCore

@Suite("WireCore payload chain")
struct PayloadChainTests {
    // Two IKEv2 payloads: type 40 (next 41, 6 octets) then 41 (next 0, critical, 4 octets).
    let chain: [UInt8] = [41, 0x00, 0, 6, 0xAA, 0xBB, 0, 0x80, 0, 4]

    func walk(_ bytes: [UInt8], style: PayloadHeaderStyle = .ikev2, first: UInt8 = 40) throws -> [RawPayload] {
        var reader = WireReader(bytes: bytes, origin: 28, context: "message")
        return try PayloadChain.walk(first: first, reader: &reader, style: style, name: { "type \($0)" })
    }

    @Test func walksAndReportsCriticalBitAndOffsets() throws {
        let payloads = try walk(chain)
        #expect(payloads.map(\.type) == [40, 41])
        #expect(payloads.map(\.offset) == [28, 34])
        #expect(payloads[1].critical)
        #expect(payloads[0].bodyBytes == [0xAA, 0xBB])
    }

    @Test func truncationAtEveryByteIsAnError() {
        for cut in 0..<chain.count {
            #expect(throws: WireError.self) { _ = try walk(Array(chain.prefix(cut))) }
        }
    }

    @Test func lengthLiesAreErrors() {
        var short = chain; short[3] = 3
        #expect(throws: WireError.invalidLength(payload: "type 40", offset: 30, declared: 3,
                                                reason: "is shorter than the 4-octet generic header")) { _ = try walk(short) }
        var long = chain; long[3] = 200
        #expect(throws: WireError.self) { _ = try walk(long) }
        #expect(throws: WireError.trailingData(payload: "type 41", offset: 38, count: 1)) { _ = try walk(chain + [0]) }
    }

    @Test func isakmpReservedOctetMustBeZeroButIKEv2IsIgnored() throws {
        var flagged = chain; flagged[1] = 0x01
        #expect(throws: WireError.reservedNotZero(payload: "type 40", offset: 29)) { _ = try walk(flagged, style: .isakmp) }
        #expect(try walk(flagged).count == 2)
    }

    @Test func chainLengthIsBounded() {
        // 600 empty payloads each naming the next: stopped at the named limit, not by memory.
        var bytes: [UInt8] = []
        for _ in 0..<600 { bytes += [40, 0, 0, 4] }
        #expect(throws: WireError.self) { _ = try walk(bytes) }
    }
}
