import NIOCore
import Testing
@testable import WireCore

@Suite("WireCore reader and attributes")
struct WireReaderAndAttributeTests {
    @Test func failedReadLeavesReaderInPlaceAndNamesOffset() throws {
        var reader = WireReader(bytes: [1, 2, 3], origin: 40, context: "Test")
        #expect(try reader.readUInt8("a") == 1)
        #expect(throws: WireError.truncated(payload: "Test", field: "b", offset: 41, needed: 4, available: 2)) {
            try reader.readUInt32("b")
        }
        #expect(try reader.readUInt16("c") == 0x0203)
    }

    @Test func transactionRewindsOnFailure() throws {
        var reader = WireReader(bytes: [0, 1, 2], context: "Test")
        #expect(throws: WireError.self) {
            try reader.transaction { r in
                _ = try r.readUInt16("x")
                _ = try r.readUInt16("y")
            }
        }
        #expect(reader.remaining == 3)
    }

    @Test func reservedMustBeZero() {
        var reader = WireReader(bytes: [0, 1], origin: 10, context: "SA")
        #expect(throws: WireError.reservedNotZero(payload: "SA", offset: 10)) { try reader.readReservedZero(2) }
        #expect(reader.remaining == 2)
    }

    @Test func attributesRoundTripInBothForms() throws {
        // RFC 7296 §3.3.5: Key Length 256 as TV is 0x800E 0x0100.
        let attributes: [DataAttribute] = [.tv(14, 256), .tlv(18, [0x30, 0x0b, 0x06]), .tlv(2, [])]
        var buffer = ByteBuffer()
        try DataAttribute.writeAll(attributes, to: &buffer)
        let bytes = (buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
        #expect(bytes == [0x80, 0x0E, 0x01, 0x00, 0x00, 0x12, 0x00, 0x03, 0x30, 0x0b, 0x06, 0x00, 0x02, 0x00, 0x00])
        var reader = WireReader(bytes: bytes, context: "attrs")
        #expect(try DataAttribute.readAll(from: &reader) == attributes)
    }

    @Test func attributeTruncatedAtEveryByteThrows() throws {
        let bytes: [UInt8] = [0x00, 0x12, 0x00, 0x03, 0x30, 0x0b, 0x06]
        for cut in 1..<bytes.count {
            var reader = WireReader(bytes: Array(bytes.prefix(cut)), context: "attrs")
            #expect(throws: WireError.self) { _ = try DataAttribute.readAll(from: &reader) }
        }
    }

    @Test func attributeFormatIsChecked() {
        #expect(throws: WireError.self) { try DataAttribute.tlv(14, [1, 0]).checkFormat(.tv, payload: "T", offset: 0) }
        #expect(throws: WireError.self) { try DataAttribute.tv(18, 1).checkFormat(.tlv, payload: "T", offset: 0) }
        #expect(DataAttribute.tlv(2, [0, 1, 0x51, 0x80]).integerValue == 86400)
    }

    @Test func backfilledLengthCountsFromPayloadStart() throws {
        var buffer = ByteBuffer()
        try PayloadChain.writePayload(nextPayload: 0, critical: true, style: .ikev2, to: &buffer) { $0.writeBytes([9, 9]) }
        #expect((buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []) == [0, 0x80, 0, 6, 9, 9])
    }
}
