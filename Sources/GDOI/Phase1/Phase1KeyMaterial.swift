import EngineCore
import GDOIWire
import GroupKeyCrypto

/// The keys of one phase-1 SA and the authentication hashes computed with them (RFC 2409 §5).
struct Phase1KeyMaterial: Sendable {
    let proposal: Phase1Proposal
    let prf: PseudorandomFunction
    let keys: IKEv1SessionKeys
    let protection: ISAKMPMessageProtection
    /// hash(g^xi | g^xr) truncated to the block size: the IV of the first encrypted message (App. B).
    let initialIV: [UInt8]

    /// What SKEYID is made from: the pre-shared key, or (signatures) nothing beyond the nonces
    /// and g^xy (RFC 2409 §5).
    enum Secret {
        case preSharedKey(SecretBytes)
        case signature
    }

    init(proposal: Phase1Proposal, secret: Secret, sharedSecret: SecretBytes, nonceInitiator: [UInt8],
         nonceResponder: [UInt8], cookieInitiator: [UInt8], cookieResponder: [UInt8],
         publicValueInitiator: [UInt8], publicValueResponder: [UInt8]) throws {
        self.proposal = proposal
        prf = PseudorandomFunction(ikev1: proposal.hash)
        let skeyid: SecretBytes
        switch secret {
        case .preSharedKey(let key):
            skeyid = try IKEv1KeyDerivation.skeyidPreSharedKey(prf: prf, preSharedKey: key, nonceInitiator: nonceInitiator,
                                                               nonceResponder: nonceResponder)
        case .signature:
            skeyid = try IKEv1KeyDerivation.skeyidSignature(prf: prf, nonceInitiator: nonceInitiator,
                                                            nonceResponder: nonceResponder, sharedSecret: sharedSecret)
        }
        keys = try IKEv1KeyDerivation.sessionKeys(prf: prf, skeyid: skeyid, sharedSecret: sharedSecret,
                                                  cookieInitiator: cookieInitiator, cookieResponder: cookieResponder)
        let parameters = proposal.cipher.parameters
        let key = try IKEv1KeyDerivation.encryptionKey(prf: prf, skeyidE: keys.skeyidE, length: parameters.keyLength)
        protection = ISAKMPMessageProtection(algorithm: proposal.cipher, key: key)
        initialIV = try IKEv1KeyDerivation.phase1InitialIV(hash: prf.digest, publicValueInitiator: publicValueInitiator,
                                                           publicValueResponder: publicValueResponder,
                                                           blockSize: parameters.blockSize)
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b);
    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 §5).
    func authenticationHash(of role: Phase1SA.Role, publicValueInitiator: [UInt8], publicValueResponder: [UInt8],
                            cookieInitiator: [UInt8], cookieResponder: [UInt8], saInitiatorBody: [UInt8],
                            identityBody: [UInt8]) throws -> [UInt8] {
        switch role {
        case .initiator:
            return try prf.authenticate(key: keys.skeyid, publicValueInitiator, publicValueResponder, cookieInitiator,
                                        cookieResponder, saInitiatorBody, identityBody)
        case .responder:
            return try prf.authenticate(key: keys.skeyid, publicValueResponder, publicValueInitiator, cookieResponder,
                                        cookieInitiator, saInitiatorBody, identityBody)
        }
    }
}

/// NAT traversal in IKEv1 (RFC 3947).
enum NATTraversal {
    /// The RFC 3947 vendor ID: MD5("RFC 3947").
    static let vendorID: [UInt8] = [0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f]
    /// The draft-02 vendor ID many IKEv1 peers still send ("draft-ietf-ipsec-nat-t-ike-02\n").
    static let draft02VendorID: [UInt8] = [0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48]
    /// Dead Peer Detection vendor ID (RFC 3706 §4.1), version 1.0.
    static let dpdVendorID: [UInt8] = [0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00]

    /// HASH = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 §3.2).
    static func discoveryHash(_ digest: DigestAlgorithm, cookieInitiator: [UInt8], cookieResponder: [UInt8],
                              address: EndpointAddress) throws -> [UInt8] {
        try digest.hash([cookieInitiator, cookieResponder, address.addressOctets, address.portOctets])
    }
}
