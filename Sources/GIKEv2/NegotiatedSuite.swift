import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTypes

/// The transforms of one IKE SA proposal, checked against the crypto registry: what both ends
/// agreed in IKE_SA_INIT, including the G-IKEv2 Key Wrap Algorithm (RFC 9838 §2.3, §4.5.4).
struct NegotiatedSuite: Sendable, Equatable {
    var encryptionID: UInt16
    var keyBits: UInt16?
    var integrityID: UInt16?
    var prfID: UInt16
    var keyExchangeID: UInt16
    /// Nil for a plain IKEv2 peer that offered no KWA transform: such an IKE SA serves IKE_AUTH
    /// and INFORMATIONAL but never GSA_AUTH (RFC 9838 §4.5.4; GCKSResponder+IKEAuth.swift).
    var keyWrapID: UInt16?

    /// Transform IDs of the KWAs groupkey implements (RFC 5649; ARX-KW is not available).
    static let implementedKeyWraps: [UInt16] = [3, 2, 1]

    var encryption: EncryptionAlgorithm {
        get throws { try AlgorithmRegistry.encryption(ikev2Number: encryptionID, keyLength: keyBits) }
    }
    var integrity: IntegrityAlgorithm? {
        get throws { try integrityID.flatMap { try AlgorithmRegistry.integrity(ikev2Number: $0) } }
    }
    var prf: PseudorandomFunction {
        get throws { try AlgorithmRegistry.prf(ikev2Number: prfID) }
    }
    var keyExchange: KeyExchangeMethod {
        get throws { try AlgorithmRegistry.keyExchange(number: keyExchangeID) }
    }
    var keyWrap: AESKeyWrap.Algorithm? {
        get throws { try keyWrapID.map { try AlgorithmRegistry.keyWrap(number: $0) } }
    }

    /// The proposal as sent (RFC 7296 §3.3.1: Protocol IKE, no SPI in IKE_SA_INIT).
    func proposal(number: UInt8 = 1) -> IKEv2Proposal {
        typealias T = IKEv2TransformTypeNumber
        var transforms = [IKEv2Transform(type: T.encryption, id: encryptionID,
                                         attributes: keyBits.map { [.tv(IKEv2TransformAttributeType.keyLength, $0)] } ?? [])]
        transforms.append(IKEv2Transform(type: T.pseudorandomFunction, id: prfID))
        if let integrityID { transforms.append(IKEv2Transform(type: T.integrity, id: integrityID)) }
        transforms.append(IKEv2Transform(type: T.keyExchange, id: keyExchangeID))
        if let keyWrapID { transforms.append(IKEv2Transform(type: T.keyWrapAlgorithm, id: keyWrapID)) }
        return IKEv2Proposal(number: number, protocolID: IKEv2ProtocolID.ike, transforms: transforms)
    }

    /// Reads a single-choice proposal (the responder's answer, RFC 7296 §3.3.6: exactly one
    /// transform of each type). Nil if it is not one. A missing KWA gives `keyWrapID` nil: the
    /// G-IKEv2 member refuses that, the childless IKEv2 mode expects it.
    static func fromChosen(_ proposal: IKEv2Proposal) -> NegotiatedSuite? {
        typealias T = IKEv2TransformTypeNumber
        var byType: [UInt8: IKEv2Transform] = [:]
        for transform in proposal.transforms {
            guard byType[transform.type] == nil else { return nil }
            byType[transform.type] = transform
        }
        guard proposal.protocolID == IKEv2ProtocolID.ike, let encryption = byType[T.encryption],
              let prf = byType[T.pseudorandomFunction], let ke = byType[T.keyExchange] else { return nil }
        let integrity = byType[T.integrity].flatMap { $0.id == 0 ? nil : $0.id }
        return NegotiatedSuite(encryptionID: encryption.id, keyBits: encryption.keyLength, integrityID: integrity,
                               prfID: prf.id, keyExchangeID: ke.id, keyWrapID: byType[T.keyWrapAlgorithm]?.id)
    }

    /// Whether the suite is one the crypto layer can run, with INTEG present exactly when the
    /// cipher is not an AEAD (RFC 7296 §3.3; RFC 5282 §8).
    var isUsable: Bool {
        guard let cipher = try? encryption, (try? prf) != nil, (try? keyExchange) != nil, (try? keyWrap) != nil as AESKeyWrap.Algorithm??,
              let integrity = try? self.integrity as IntegrityAlgorithm?? else { return false }
        return cipher.parameters.isAEAD == (integrity == nil)
    }
}
