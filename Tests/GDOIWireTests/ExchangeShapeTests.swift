import Testing
import WireCore
@testable import GDOIWire

/// Aggressive Mode, Informational and the payloads no vector carries (CERT, CR, NAT-OA), built in
/// Swift, round-tripped and checked against their rules.
@Suite("GDOIWire exchange shapes")
struct GDOIExchangeShapeTests {
    static let sa = ISAKMPPayload.securityAssociation(ISAKMPSecurityAssociation(doi: 1, situation: 1, proposals: [
        ISAKMPProposal(number: 1, protocolID: 1, transforms: [ISAKMPTransform(number: 1, transformID: 1,
                                                                              attributes: [.tv(1, 7), .tv(14, 128), .tv(2, 4), .tv(3, 1), .tv(4, 14)])])]))
    static let ke = ISAKMPPayload.keyExchange(data: [UInt8](repeating: 2, count: 256))
    static let nonce = ISAKMPPayload.nonce(data: [UInt8](repeating: 3, count: 32))
    static let id = ISAKMPPayload.identification(ISAKMPIdentification(idType: 1, protocolID: 17, port: 500, data: [192, 0, 2, 1]))
    static let hash = ISAKMPPayload.hash(data: [UInt8](repeating: 4, count: 32))
    static let sig = ISAKMPPayload.signature(data: [UInt8](repeating: 5, count: 64))
    static let cert = ISAKMPPayload.certificate(ISAKMPCertificate(encoding: 4, data: [0x30, 0x03, 1, 2, 3]))
    static let cr = ISAKMPPayload.certificateRequest(ISAKMPCertificate(encoding: 4, data: []))
    static let natd = ISAKMPPayload.natDiscovery(hash: [UInt8](repeating: 6, count: 32))
    static let natoa = ISAKMPPayload.natOriginalAddress(NATOriginalAddress(idType: 1, address: [10, 0, 0, 1]))
    static let notification = ISAKMPPayload.notification(ISAKMPNotification(doi: 1, protocolID: 1, messageType: 24578,
                                                                            spi: [UInt8](repeating: 1, count: 16)))
    static let delete = ISAKMPPayload.delete(ISAKMPDelete(doi: 2, protocolID: 1, spiSize: 4, spis: [[0, 0, 0, 0]]))

    static let shapes: [(exchange: UInt8, message: Int, encrypted: Bool, payloads: [ISAKMPPayload])] = [
        (4, 1, false, [sa, ke, nonce, id, cr]),
        (4, 2, false, [sa, ke, nonce, id, cert, sig, natd, natd]),
        (4, 3, false, [hash, natd, natd]),
        (4, 3, true, [sig, cert, notification]),
        (2, 6, true, [id, cert, sig]),
        (5, 1, true, [hash, notification]),
        (5, 1, true, [hash, delete]),
        (5, 1, false, [notification]),
    ]

    @Test(arguments: shapes.indices)
    func shapeRoundTripsAndPasses(index: Int) throws {
        let shape = Self.shapes[index]
        let header = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, exchangeType: shape.exchange,
                                  flags: shape.encrypted ? ISAKMPHeader.encryptionFlag : 0, messageID: 7)
        var head = header
        head.nextPayload = shape.payloads[0].type
        let plain = try ISAKMPMessage.serializePayloads(shape.payloads)
        let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: plain + [0, 0, 0], header: head)
        #expect(payloads == shape.payloads)
        try GDOIExchangeRules.check(header: header, payloads: payloads, offsets: offsets, message: shape.message)
        if !shape.encrypted {
            let bytes = try ISAKMPMessage(header: header, payloads: shape.payloads).serializedBytes()
            #expect(try ISAKMPMessage.parse(bytes).serializedBytes() == bytes)
        }
        var flipped = header
        flipped.flags ^= ISAKMPHeader.encryptionFlag
        if !(shape.exchange == 4 && shape.message == 3) {
            #expect(throws: WireError.self) { try GDOIExchangeRules.check(header: flipped, payloads: payloads, message: shape.message) }
        }
        #expect(throws: WireError.self) { try GDOIExchangeRules.check(header: header, payloads: Array(payloads.dropFirst()), message: shape.message) }
    }

    @Test func natOriginalAddressChecksItsType() throws {
        let bytes = try ISAKMPMessage.serializePayloads([Self.natoa])
        var header = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, exchangeType: 4, flags: 0, messageID: 0)
        header.nextPayload = 21
        #expect(try ISAKMPMessage.parsePayloads(plaintext: bytes, header: header).payloads == [Self.natoa])
        var badType = bytes; badType[4] = 2
        #expect(throws: WireError.self) { _ = try ISAKMPMessage.parsePayloads(plaintext: badType, header: header) }
        var reserved = bytes; reserved[6] = 1
        #expect(throws: WireError.self) { _ = try ISAKMPMessage.parsePayloads(plaintext: reserved, header: header) }
    }
}
