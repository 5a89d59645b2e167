import NIOCore
import Testing
@testable import WireCore

@Suite("WireCore classifier and RFC 8229 framing")
struct ClassifierAndTCPTests {
    func header(version: UInt8) -> [UInt8] {
        var h = [UInt8](repeating: 0x11, count: 8) + [UInt8](repeating: 0, count: 8)
        h += [0, version, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, 28]
        return h
    }

    @Test func port848SortsByVersionAndToleratesMarker() throws {
        let v1 = ByteBuffer(bytes: header(version: 0x10))
        let v2 = ByteBuffer(bytes: header(version: 0x20))
        #expect(try DatagramClassifier.classify(v1, port: .gdoi) == .isakmp(v1))
        #expect(try DatagramClassifier.classify(v2, port: .gdoi) == .ikev2(v2))
        let marked = ByteBuffer(bytes: [0, 0, 0, 0] + header(version: 0x20))
        #expect(try DatagramClassifier.classify(marked, port: .gdoi) == .ikev2(v2))
        // Minor version is ignored (RFC 7296 §3.1); major 3 is refused.
        #expect(try DatagramClassifier.classify(ByteBuffer(bytes: header(version: 0x21)), port: .gdoi)
                == .ikev2(ByteBuffer(bytes: header(version: 0x21))))
        #expect(throws: WireError.unsupportedVersion(offset: 17, major: 3, minor: 0)) {
            _ = try DatagramClassifier.classify(ByteBuffer(bytes: header(version: 0x30)), port: .gdoi)
        }
    }

    @Test func port4500KeepaliveMarkerAndESP() throws {
        #expect(try DatagramClassifier.classify(ByteBuffer(bytes: [0xFF]), port: .natTraversal) == .natKeepalive)
        let v2 = ByteBuffer(bytes: header(version: 0x20))
        #expect(try DatagramClassifier.classify(DatagramClassifier.withNonESPMarker(v2), port: .natTraversal) == .ikev2(v2))
        let esp = ByteBuffer(bytes: [0, 0, 1, 0, 0, 0, 0, 1, 9, 9])
        #expect(try DatagramClassifier.classify(esp, port: .natTraversal) == .esp(esp))
    }

    @Test func shortDatagramsAreTypedErrors() {
        let full = [0, 0, 0, 0] + header(version: 0x20)
        for cut in 0..<full.count {
            let slice = ByteBuffer(bytes: Array(full.prefix(cut)))
            #expect(throws: WireError.self) { _ = try DatagramClassifier.classify(slice, port: .gdoi) }
        }
    }

    @Test func tcpFramesRoundTripAcrossArbitrarySplits() throws {
        let ike = ByteBuffer(bytes: header(version: 0x20))
        let esp = ByteBuffer(bytes: [0, 0, 1, 0, 0, 0, 0, 7, 1, 2])
        var stream = TCPEncapsulationEncoder.streamPrefix
        var f1 = try TCPEncapsulationEncoder.frame(ike: ike)
        var f2 = try TCPEncapsulationEncoder.frame(esp: esp)
        // RFC 8229 §3.1 Length counts itself and the marker: 2 + 4 + 28 = 34.
        #expect(f1.getInteger(at: 0, as: UInt16.self) == 34)
        stream.writeBuffer(&f1)
        stream.writeBuffer(&f2)
        let all = (stream.getBytes(at: stream.readerIndex, length: stream.readableBytes) ?? [])
        for split in 1..<all.count {
            var decoder = TCPEncapsulationDecoder()
            var frames = try decoder.feed(ByteBuffer(bytes: all.prefix(split)))
            frames += try decoder.feed(ByteBuffer(bytes: all.dropFirst(split)))
            #expect(frames == [.ike(ike), .esp(esp)])
        }
    }

    @Test func tcpBadPrefixAndLengthAreErrors() {
        var decoder = TCPEncapsulationDecoder()
        #expect(throws: WireError.self) { _ = try decoder.feed(ByteBuffer(bytes: Array("IKEUDP".utf8))) }
        var second = TCPEncapsulationDecoder(expectPrefix: false)
        #expect(throws: WireError.self) { _ = try second.feed(ByteBuffer(bytes: [0, 1, 0])) }
    }
}
