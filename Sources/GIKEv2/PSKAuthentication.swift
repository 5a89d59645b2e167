import GIKEv2Wire
import GroupKeyCrypto
import NIOCore

/// Shared-key AUTH (RFC 7296 §2.15, Auth Method 2):
///   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets> )
///   InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload)
///   ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload)
/// RestOf...IDPayload is the ID payload body: ID Type, three RESERVED octets, the data.
/// GSA_AUTH uses the same computation as IKE_AUTH (RFC 9838 §2.3.1).
enum PSKAuthentication {
    /// "Key Pad for IKEv2": 17 ASCII characters, no NUL (RFC 7296 §2.15).
    static let keyPad: [UInt8] = Array("Key Pad for IKEv2".utf8)

    static func idPayloadBody(_ id: IdentificationPayload) -> [UInt8] {
        [id.idType, 0, 0, 0] + id.data
    }

    /// The octets the AUTH of one side covers.
    static func signedOctets(prf: PseudorandomFunction, realMessage: [UInt8], peerNonce: [UInt8],
                             identityKey: SecretBytes, identity: IdentificationPayload) throws -> [UInt8] {
        realMessage + peerNonce + (try prf.authenticate(key: identityKey, idPayloadBody(identity)))
    }

    static func compute(prf: PseudorandomFunction, sharedSecret: SecretBytes, signedOctets: [UInt8]) throws -> [UInt8] {
        let padded = try prf.derive(key: sharedSecret, keyPad)
        return try prf.authenticate(key: padded, signedOctets)
    }

    /// Constant-time check of a received AUTH value.
    static func verify(_ received: [UInt8], prf: PseudorandomFunction, sharedSecret: SecretBytes, signedOctets: [UInt8]) throws -> Bool {
        let expected = try compute(prf: prf, sharedSecret: sharedSecret, signedOctets: signedOctets)
        return ConstantTime.equal(expected, received)
    }
}

/// NAT detection (RFC 7296 §2.23): SHA-1(SPIi | SPIr | IP address | port). In IKE_SA_INIT the
/// request carries SPIr = 0.
enum NATDetection {
    static func hash(spiInitiator: UInt64, spiResponder: UInt64, address: [UInt8], port: UInt16) throws -> [UInt8] {
        try DigestAlgorithm.sha1.hash([spiInitiator.bigEndianBytes, spiResponder.bigEndianBytes, address,
                                       [UInt8(port >> 8), UInt8(port & 0xFF)]])
    }
}
