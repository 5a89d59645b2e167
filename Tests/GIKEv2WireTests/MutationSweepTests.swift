import GroupKeyTestSupport
import NIOCore
import Testing
import WireCore
@testable import GIKEv2Wire

/// Every mutation of every canned valid IKEv2 packet goes through the whole receive path —
/// classifier, message parse, rule check, inner-payload parse and re-serialisation — and must end
/// in a value or a `WireError`, never a trap or another error type.
@Suite("GIKEv2Wire mutation sweep")
struct GIKEv2MutationSweepTests {
    static func cannedPackets() throws -> [(name: String, message: [UInt8], inner: [UInt8]?, first: UInt8?)] {
        let file = try SKVectorFile.load()
        var packets: [(String, [UInt8], [UInt8]?, UInt8?)] = []
        for vector in file.vectors {
            if let message = vector.message {
                packets.append((vector.name, Hex.decode(message), vector.innerPayloads.map(Hex.decode), vector.firstInnerPayload))
            }
            for (index, fragment) in (vector.fragments ?? []).enumerated() {
                packets.append(("\(vector.name) fragment \(index + 1)", Hex.decode(fragment), nil, nil))
            }
        }
        // strongSwan's own messages, marker included (the classifier strips it).
        for (index, message) in try StrongSwanCaptureTests.load().messages.enumerated() {
            packets.append(("strongSwan \(index + 1)", Hex.decode(message.udp), nil, nil))
        }
        return packets
    }

    static func receive(_ bytes: [UInt8]) throws {
        let kind = try DatagramClassifier.classify(ByteBuffer(bytes: bytes), port: .gdoi)
        guard case .ikev2(let buffer) = kind else { return }
        let message = try IKEv2Message.parse(buffer)
        if message.payloads.last?.type != IKEv2PayloadType.encrypted { try message.checkClearRules() }
        _ = try message.serializedBytes()
    }

    static func receiveInner(_ bytes: [UInt8], first: UInt8, exchangeType: UInt8) throws {
        let inner = try IKEv2Message.parseInnerPayloads(first: first, bytes: ByteBuffer(bytes: bytes), origin: 32)
        _ = try IKEv2Message.serializeInnerPayloads(inner.payloads)
        let found = [FoundPayload(type: 46, encrypted: false)]
            + zip(inner.payloads, inner.offsets).map { FoundPayload(type: $0.type, encrypted: true, known: IKEv2PayloadType.isAssigned($0.type), offset: $1) }
        try IKEv2ExchangeRules.rules(exchangeType: exchangeType, isResponse: true)?.check(found)
    }

    @Test func mutatedPacketsNeverTrap() throws {
        var runs = 0, accepted = 0
        for packet in try Self.cannedPackets() {
            // SK/SKF content is opaque to the codec: mutate the header and the SK/SKF header (and
            // fragment fields), leave the ciphertext alone; the plaintext inner payloads are swept below.
            let start = packet.message.starts(with: [0, 0, 0, 0]) ? 4 : 0
            let protected = packet.message.count > start + 28
                && (packet.message[start + 16] == 46 || packet.message[start + 16] == 53)
            let opaqueFrom = protected ? min(start + 40, packet.message.count) : packet.message.count
            let opaque = Array(packet.message[opaqueFrom...])
            try WireMutator.forEachMutation(of: Array(packet.message[..<opaqueFrom])) { mutated in
                runs += 1
                do { try Self.receive(mutated + opaque); accepted += 1 } catch is WireError {}
            }
            if let inner = packet.inner, let first = packet.first {
                let exchange = packet.message[18]
                try WireMutator.forEachMutation(of: inner) { mutated in
                    runs += 1
                    do { try Self.receiveInner(mutated, first: first, exchangeType: exchange); accepted += 1 } catch is WireError {}
                }
            }
        }
        // Some mutations (opaque octets, ignored RESERVED bits) are still valid; most are not.
        #expect(runs > 20_000 && accepted < runs)
    }
}
