import GIKEv2Wire
import GroupKeyCrypto

/// The keyed objects of one rekey SA, from its KEYMAT = GSK_e | GSK_a | GSK_w (RFC 9838 §3.4;
/// WIRE-REFERENCE §18.8): the SK protection of GSA_REKEY messages and the default key-wrap key.
/// Both roles build it from IKEv2 transform numbers, the GCKS from policy, the GM from the GSA.
struct RekeySAKeys: Sendable {
    let protection: CipherSuiteProtection
    /// GSK_w: wraps keys whose KWK ID is 0 in a GSA_REKEY (RFC 9838 §4.5.4).
    let keyWrap: AESKeyWrap
    let keyWrapKey: SecretBytes

    init(encryption: UInt16, keyBits: UInt16?, integrity: UInt16?, keyWrap wrapNumber: UInt16,
         keyMaterial: SecretBytes) throws(GIKEv2Error) {
        do {
            let cipher = try AlgorithmRegistry.encryption(ikev2Number: encryption, keyLength: keyBits)
            let mac = try integrity.flatMap { try AlgorithmRegistry.integrity(ikev2Number: $0) }
            let wrap = try AlgorithmRegistry.keyWrap(number: wrapNumber)
            let e = cipher.parameters.keyLength, a = mac?.keyLength ?? 0, w = wrap.kekLength
            guard keyMaterial.count == e + a + w else {
                throw GIKEv2Error.invalidGroupPolicy("rekey SA KEYMAT is \(keyMaterial.count) octets, not \(e + a + w)")
            }
            protection = try CipherSuiteProtection(encryption: cipher, encryptionKey: keyMaterial.slice(0..<e), integrity: mac,
                                                   integrityKey: mac == nil ? nil : keyMaterial.slice(e..<(e + a)))
            keyWrapKey = keyMaterial.slice((e + a)..<(e + a + w))
            keyWrap = try AESKeyWrap(wrap, kek: keyWrapKey)
        } catch let error as GIKEv2Error {
            throw error
        } catch {
            throw .crypto("rekey SA keys: \(error)")
        }
    }
}
