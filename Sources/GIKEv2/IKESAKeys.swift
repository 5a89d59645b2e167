import GIKEv2Wire
import GroupKeyCrypto

/// The keys of one registration IKE SA and the objects keyed with them (RFC 7296 §2.14;
/// RFC 9838 §3.1.1). Kept by both roles; `outbound`/`inbound` are from the holder's side.
struct IKESAKeys: Sendable {
    let prf: PseudorandomFunction
    let skD: SecretBytes
    let skPi: SecretBytes
    let skPr: SecretBytes
    /// Protects what the initiator sends (SK_ei/SK_ai) and what the responder sends (SK_er/SK_ar).
    let initiatorProtection: CipherSuiteProtection
    let responderProtection: CipherSuiteProtection
    /// GSK_w: the default key-wrap key of this SA (RFC 9838 §3.1.1; WIRE-REFERENCE §18.10); nil
    /// on a plain IKEv2 SA that negotiated no KWA.
    let keyWrapKey: SecretBytes?
    let keyWrap: AESKeyWrap?
    /// SK_ei, SK_er, SK_ai, SK_ar as derived, kept only for the debug key log (IKEKeyLogRecord).
    let skEi: SecretBytes
    let skEr: SecretBytes
    let skAi: SecretBytes
    let skAr: SecretBytes

    init(suite: NegotiatedSuite, sharedSecret: SecretBytes, nonceInitiator: [UInt8], nonceResponder: [UInt8],
         spiInitiator: UInt64, spiResponder: UInt64) throws {
        let prf = try suite.prf
        let encryption = try suite.encryption
        let integrity = try suite.integrity
        let lengths = IKEv2KeyLengths(prf: prf.outputLength, integrity: integrity?.keyLength ?? 0,
                                      encryption: encryption.parameters.keyLength)
        let skeyseed = try IKEv2KeyDerivation.skeyseed(prf: prf, nonceInitiator: nonceInitiator, nonceResponder: nonceResponder,
                                                       sharedSecret: sharedSecret)
        let keys = try IKEv2KeyDerivation.sessionKeys(prf: prf, skeyseed: skeyseed, nonceInitiator: nonceInitiator,
                                                      nonceResponder: nonceResponder, spiInitiator: spiInitiator.bigEndianBytes,
                                                      spiResponder: spiResponder.bigEndianBytes, lengths: lengths)
        self.prf = prf
        skD = keys.skD
        skPi = keys.skPi
        skPr = keys.skPr
        skEi = keys.skEi
        skEr = keys.skEr
        skAi = keys.skAi
        skAr = keys.skAr
        initiatorProtection = try CipherSuiteProtection(encryption: encryption, encryptionKey: keys.skEi, integrity: integrity,
                                                        integrityKey: integrity == nil ? nil : keys.skAi)
        responderProtection = try CipherSuiteProtection(encryption: encryption, encryptionKey: keys.skEr, integrity: integrity,
                                                        integrityKey: integrity == nil ? nil : keys.skAr)
        if let wrapAlgorithm = try suite.keyWrap {
            let key = try GIKEv2KeyDerivation.registrationKeyWrapKey(prf: prf, skD: keys.skD, keyLength: wrapAlgorithm.kekLength)
            keyWrapKey = key
            keyWrap = try AESKeyWrap(wrapAlgorithm, kek: key)
        } else {
            keyWrapKey = nil
            keyWrap = nil
        }
    }
}

extension UInt64 {
    /// The 8 octets of an IKE SPI as the header carries them.
    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> UInt64(56 - 8 * $0)) } }
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: self >> UInt32(24 - 8 * $0)) } }
}

extension Array where Element == UInt8 {
    /// Big-endian unsigned value of up to 8 octets.
    var bigEndianValue: UInt64 { reduce(0) { $0 << 8 | UInt64($1) } }
}
