import Testing
import WireCore
@testable import GIKEv2Wire

/// One message of every shape each exchange allows, built, sealed (identity cipher), re-parsed,
/// opened and checked against its rules; and the same message with a payload moved out of SK or
/// removed, which the rules must refuse.
@Suite("GIKEv2Wire exchange shapes")
struct ExchangeShapeTests {
    static let idg = IKEv2Payload.groupIdentification(IdentificationPayload(idType: 11, data: [0, 0, 3, 0xE9]))
    static let idi = IKEv2Payload.identificationInitiator(IdentificationPayload(idType: 2, data: Array("gm".utf8)))
    static let idr = IKEv2Payload.identificationResponder(IdentificationPayload(idType: 2, data: Array("gcks".utf8)))
    static let auth = IKEv2Payload.authentication(AuthenticationPayload(method: 2, data: [UInt8](repeating: 7, count: 32)))
    static let sag = IKEv2Payload.securityAssociation(SecurityAssociationPayload(proposals: [
        IKEv2Proposal(number: 1, protocolID: 3, transforms: [IKEv2Transform(type: 1, id: 20, attributes: [.tv(14, 256)]),
                                                             IKEv2Transform(type: 5, id: 2)])]))
    static let gsa = IKEv2Payload.groupSecurityAssociation(GroupSecurityAssociationPayload(policies: [
        .securityAssociation(GroupSAPolicy(protocolID: 3, spi: [0, 0, 1, 0], source: IKEv2PayloadTests.v4,
                                           destination: IKEv2PayloadTests.v4,
                                           transforms: [IKEv2Transform(type: 1, id: 20, attributes: [.tv(14, 256)]),
                                                        IKEv2Transform(type: 5, id: 2)]))]))
    static let kd = IKEv2Payload.keyDownload(KeyDownloadPayload(bags: [.group(GroupKeyBag(
        protocolID: 3, spi: [0, 0, 1, 0], attributes: [.saKey(WrappedKey(keyID: 0, kwkID: 0, encryptedKey: [UInt8](repeating: 1, count: 48)))]))]))
    static let delete = IKEv2Payload.delete(DeletePayload(protocolID: 3, spiSize: 4, spis: [[0, 0, 0, 0]]))
    static func notify(_ type: UInt16) -> IKEv2Payload { .notify(NotifyPayload(messageType: type)) }

    static let shapes: [(exchange: UInt8, response: Bool, inner: [IKEv2Payload])] = [
        (39, false, [idi, idr, auth, idg, sag, .notify(.groupSender(count: 1))]),
        (39, true, [idr, auth, gsa, kd]),
        (39, true, [idr, auth, notify(IKEv2NotifyType.invalidGroupID)]),
        (39, true, [notify(IKEv2NotifyType.authenticationFailed)]),
        (40, false, [idg, sag]),
        (40, false, [idg, notify(IKEv2NotifyType.registrationFailed)]),
        (40, true, [gsa, kd, notify(IKEv2NotifyType.useTransportMode)]),
        (40, true, [notify(IKEv2NotifyType.authorizationFailed)]),
        (40, true, []),
        (41, false, [gsa, kd, auth]),
        (41, false, [delete]),
        (42, false, [gsa, kd]),
        (42, false, [delete, notify(16384)]),
        (42, true, []),
        (37, false, [delete]),
        (37, true, []),
    ]

    @Test(arguments: shapes.indices)
    func shapeRoundTripsAndPasses(index: Int) throws {
        let shape = Self.shapes[index]
        let header = IKEv2Header(initiatorSPI: 0x0102030405060708, responderSPI: 0x1112131415161718, exchangeType: shape.exchange,
                                 flags: shape.response ? IKEv2Header.responseFlag : IKEv2Header.initiatorFlag, messageID: 1)
        let protection = IdentityProtection(ivLength: 16, blockSize: 16, icvLength: 16)
        let sealed = try SKProtection.seal(header: header, innerPayloads: shape.inner, iv: [UInt8](repeating: 9, count: 16),
                                           protection: protection)
        #expect(try IKEv2Message.parse(sealed).serializedBytes() == sealed)
        let opened = try SKProtection.open(sealed, protection: protection)
        #expect(opened.innerPayloads == shape.inner)
        try IKEv2ExchangeRules.check(opened)
        // Every payload taken out of SK and put in the clear breaks the rules.
        if let first = shape.inner.first {
            let leaked = try SKProtection.seal(header: header, clearPayloads: [first], innerPayloads: Array(shape.inner.dropFirst()),
                                               iv: [UInt8](repeating: 9, count: 16), protection: protection)
            #expect(throws: WireError.self) { try IKEv2ExchangeRules.check(SKProtection.open(leaked, protection: protection)) }
        }
    }
}
