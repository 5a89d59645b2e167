import WireCore

extension GroupSAPolicy {
    /// AEAD encryption transform IDs (RFC 5282; RFC 7634; IANA "Transform Type 1"): with these, INTEG
    /// is absent or NONE (RFC 9838 §4.4.2.1, note * of Fig. 16).
    static let aeadEncryptionIDs: Set<UInt16> = [14, 15, 16, 18, 19, 20, 28]
    /// The "_IIV" ciphers (29-31) are forbidden for every G-IKEv2 SA (RFC 9838 §2.7, RFC 8750).
    static let implicitIVEncryptionIDs: Set<UInt16> = [29, 30, 31]

    /// Checks the transform set against RFC 9838 Fig. 16: exactly one of each mandatory type, at most
    /// one of each optional type, nothing else; INTEG consistent with an AEAD cipher; GCAUTH only at
    /// registration and, for Digital Signature, carrying the Signature Algorithm Identifier
    /// (§4.4.2.1.1). `offset` names the policy in errors.
    public func checkTransforms(atRegistration: Bool, offset: Int = 0) throws {
        typealias T = IKEv2TransformTypeNumber
        let (mandatory, optional): (Set<UInt8>, Set<UInt8>)
        switch protocolID {
        case IKEv2ProtocolID.gikeUpdate:
            mandatory = atRegistration ? [T.encryption, T.keyWrapAlgorithm, T.groupControllerAuthenticationMethod]
                                       : [T.encryption, T.keyWrapAlgorithm]
            optional = [T.integrity] // mandatory unless AEAD, checked below
        case IKEv2ProtocolID.esp:
            (mandatory, optional) = ([T.encryption, T.sequenceNumbers], [T.integrity])
        case IKEv2ProtocolID.ah:
            (mandatory, optional) = ([T.integrity, T.sequenceNumbers], [])
        default:
            throw WireError.invalidValue(payload: "GSA policy", offset: offset, field: "Protocol", value: Int(protocolID))
        }
        var counts: [UInt8: Int] = [:]
        for transform in transforms { counts[transform.type, default: 0] += 1 }
        for (type, count) in counts {
            guard mandatory.contains(type) || optional.contains(type) else {
                throw WireError.invalidValue(payload: "GSA policy", offset: offset, field: "Transform Type", value: Int(type))
            }
            guard count == 1 else {
                throw WireError.invalidCount(payload: "GSA policy transforms of type \(type)", offset: offset, declared: 1, found: count)
            }
        }
        for type in mandatory where counts[type] == nil {
            throw WireError.invalidCount(payload: "GSA policy transforms of type \(type)", offset: offset, declared: 1, found: 0)
        }
        if let encryption = transforms.first(where: { $0.type == T.encryption }) {
            guard !Self.implicitIVEncryptionIDs.contains(encryption.id) else {
                throw WireError.invalidValue(payload: "GSA policy", offset: offset, field: "ENCR Transform ID", value: Int(encryption.id))
            }
            let integrity = transforms.first { $0.type == T.integrity }
            let aead = Self.aeadEncryptionIDs.contains(encryption.id)
            if aead, let integrity, integrity.id != 0 {
                throw WireError.invalidValue(payload: "GSA policy", offset: offset, field: "INTEG with AEAD", value: Int(integrity.id))
            }
            if !aead && protocolID == IKEv2ProtocolID.gikeUpdate && (integrity == nil || integrity?.id == 0) {
                throw WireError.invalidCount(payload: "GSA policy INTEG (non-AEAD rekey SA)", offset: offset, declared: 1, found: 0)
            }
        }
        if let gcauth = transforms.first(where: { $0.type == T.groupControllerAuthenticationMethod }) {
            let hasAlgorithm = gcauth.attributes.contains { $0.type == IKEv2TransformAttributeType.signatureAlgorithmIdentifier }
            guard hasAlgorithm == (gcauth.id == GroupControllerAuthenticationMethodID.digitalSignature) else {
                throw WireError.invalidAttribute(payload: "GSA policy GCAUTH", offset: offset,
                                                 attributeType: IKEv2TransformAttributeType.signatureAlgorithmIdentifier,
                                                 reason: "present exactly when the method is Digital Signature")
            }
        }
    }
}
