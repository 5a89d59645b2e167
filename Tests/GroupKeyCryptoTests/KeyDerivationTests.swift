import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

/// Vectors written by scripts/gen_kdf_vectors.py (Python `cryptography`), from the RFC formulas.
struct KDFVectorFile: Decodable {
    struct PRFPlus: Decodable { let prf, key, seed, output: String; let length: Int }
    struct Rekey: Decodable {
        let sharedSecret, nonceInitiator, nonceResponder, skeyseed, childKeymat, childKeymatPFS: String
        let childLength: Int
    }
    struct IKEv2: Decodable {
        let prf: String
        let integrityKeyLength, encryptionKeyLength: Int
        let nonceInitiator, nonceResponder, sharedSecret, spiInitiator, spiResponder, skeyseed: String
        let skD, skAi, skAr, skEi, skEr, skPi, skPr: String
        let rekey: Rekey
        let gskW: [String: String]
    }
    struct IKEv1: Decodable {
        let hash: String
        let encryptionKeyLength, blockSize: Int
        let preSharedKey, nonceInitiator, nonceResponder, sharedSecret, cookieInitiator, cookieResponder: String
        let skeyidPreSharedKey, skeyidSignature, skeyidD, skeyidA, skeyidE, encryptionKey: String
        let publicValueInitiator, publicValueResponder, phase1IV, lastPhase1Block, phase2IV: String
        let messageID: UInt32
    }
    struct Split: Decodable {
        let encryptionKeyLength, integrityKeyLength, keyWrapKeyLength: Int
        let keymat, gskE, gskA, gskW: String
    }
    let source: String
    let prfPlus: [PRFPlus]
    let ikev2: [IKEv2]
    let ikev1: [IKEv1]
    let rekeySASplit: [Split]
}

func digest(named name: String) throws -> DigestAlgorithm {
    switch name {
    case "md5": return .md5
    case "sha1": return .sha1
    case "sha256": return .sha256
    case "sha384": return .sha384
    case "sha512": return .sha512
    default: throw CryptoError.unsupportedAlgorithm(name)
    }
}


@Suite struct KeyDerivationTests {
    let vectors: KDFVectorFile

    init() throws {
        vectors = try VectorLoader.load(KDFVectorFile.self, named: "kdf-cross-check.json", in: .module)
    }

    @Test func prfPlusMatchesCrossCheck() throws {
        #expect(vectors.prfPlus.count >= 9)
        for v in vectors.prfPlus {
            let prf = PseudorandomFunction(digest: try digest(named: v.prf))
            let out = try prf.prfPlus(key: Hex.decode(v.key), seed: Hex.decode(v.seed), length: v.length)
            #expect(out == secret(v.output), "prf+ \(v.prf) length \(v.length)")
        }
    }

    @Test func prfPlusRefusesMoreThan255Blocks() {
        let prf = PseudorandomFunction(digest: .sha256)
        #expect(throws: CryptoError.prfPlusOutputTooLong(requested: 255 * 32 + 1, maximum: 255 * 32)) {
            try prf.prfPlus(key: [1, 2, 3], seed: [4], length: 255 * 32 + 1)
        }
    }

    @Test func ikev2KeyChainMatchesCrossCheck() throws {
        #expect(vectors.ikev2.count >= 5)
        for v in vectors.ikev2 {
            let prf = PseudorandomFunction(digest: try digest(named: v.prf))
            let ni = Hex.decode(v.nonceInitiator), nr = Hex.decode(v.nonceResponder)
            let skeyseed = try IKEv2KeyDerivation.skeyseed(prf: prf, nonceInitiator: ni, nonceResponder: nr,
                                                           sharedSecret: secret(v.sharedSecret))
            #expect(skeyseed == secret(v.skeyseed), "SKEYSEED \(v.prf)")
            let lengths = IKEv2KeyLengths(prf: prf.outputLength, integrity: v.integrityKeyLength, encryption: v.encryptionKeyLength)
            let keys = try IKEv2KeyDerivation.sessionKeys(prf: prf, skeyseed: skeyseed, nonceInitiator: ni, nonceResponder: nr,
                                                          spiInitiator: Hex.decode(v.spiInitiator),
                                                          spiResponder: Hex.decode(v.spiResponder), lengths: lengths)
            #expect(keys.skD == secret(v.skD))
            #expect(keys.skAi == secret(v.skAi))
            #expect(keys.skAr == secret(v.skAr))
            #expect(keys.skEi == secret(v.skEi))
            #expect(keys.skEr == secret(v.skEr))
            #expect(keys.skPi == secret(v.skPi))
            #expect(keys.skPr == secret(v.skPr))

            let rni = Hex.decode(v.rekey.nonceInitiator), rnr = Hex.decode(v.rekey.nonceResponder)
            let rekeyed = try IKEv2KeyDerivation.rekeyedSkeyseed(prf: prf, oldSKd: keys.skD, sharedSecret: secret(v.rekey.sharedSecret),
                                                                 nonceInitiator: rni, nonceResponder: rnr)
            #expect(rekeyed == secret(v.rekey.skeyseed))
            let child = try IKEv2KeyDerivation.childKeyMaterial(prf: prf, skD: keys.skD, sharedSecret: nil,
                                                                nonceInitiator: rni, nonceResponder: rnr, length: v.rekey.childLength)
            #expect(child == secret(v.rekey.childKeymat))
            let childPFS = try IKEv2KeyDerivation.childKeyMaterial(prf: prf, skD: keys.skD, sharedSecret: secret(v.rekey.sharedSecret),
                                                                   nonceInitiator: rni, nonceResponder: rnr, length: v.rekey.childLength)
            #expect(childPFS == secret(v.rekey.childKeymatPFS))

            for (length, expected) in v.gskW {
                let gskW = try GIKEv2KeyDerivation.registrationKeyWrapKey(prf: prf, skD: keys.skD, keyLength: Int(length) ?? -1)
                #expect(gskW == secret(expected), "GSK_w \(length) octets, \(v.prf)")
            }
        }
    }

    @Test func ikev2RejectsShortSPIs() {
        let prf = PseudorandomFunction(digest: .sha256)
        #expect(throws: CryptoError.self) {
            try IKEv2KeyDerivation.sessionKeys(prf: prf, skeyseed: SecretBytes([1]), nonceInitiator: [], nonceResponder: [],
                                               spiInitiator: [1, 2, 3], spiResponder: [UInt8](repeating: 0, count: 8),
                                               lengths: IKEv2KeyLengths(prf: 32, integrity: 0, encryption: 16))
        }
    }

    @Test func ikev1KeyChainMatchesCrossCheck() throws {
        #expect(vectors.ikev1.count >= 6)
        for v in vectors.ikev1 {
            let hash = try digest(named: v.hash)
            let prf = PseudorandomFunction(digest: hash)
            let ni = Hex.decode(v.nonceInitiator), nr = Hex.decode(v.nonceResponder)
            let skeyid = try IKEv1KeyDerivation.skeyidPreSharedKey(prf: prf, preSharedKey: secret(v.preSharedKey),
                                                                   nonceInitiator: ni, nonceResponder: nr)
            #expect(skeyid == secret(v.skeyidPreSharedKey), "SKEYID psk \(v.hash)")
            let skeyidSig = try IKEv1KeyDerivation.skeyidSignature(prf: prf, nonceInitiator: ni, nonceResponder: nr,
                                                                   sharedSecret: secret(v.sharedSecret))
            #expect(skeyidSig == secret(v.skeyidSignature), "SKEYID sig \(v.hash)")
            let keys = try IKEv1KeyDerivation.sessionKeys(prf: prf, skeyid: skeyid, sharedSecret: secret(v.sharedSecret),
                                                          cookieInitiator: Hex.decode(v.cookieInitiator),
                                                          cookieResponder: Hex.decode(v.cookieResponder))
            #expect(keys.skeyidD == secret(v.skeyidD))
            #expect(keys.skeyidA == secret(v.skeyidA))
            #expect(keys.skeyidE == secret(v.skeyidE))
            let ka = try IKEv1KeyDerivation.encryptionKey(prf: prf, skeyidE: keys.skeyidE, length: v.encryptionKeyLength)
            #expect(ka == secret(v.encryptionKey), "Ka \(v.hash) \(v.encryptionKeyLength)")
            let iv1 = try IKEv1KeyDerivation.phase1InitialIV(hash: hash, publicValueInitiator: Hex.decode(v.publicValueInitiator),
                                                             publicValueResponder: Hex.decode(v.publicValueResponder), blockSize: v.blockSize)
            #expect(iv1 == Hex.decode(v.phase1IV))
            let iv2 = try IKEv1KeyDerivation.phase2InitialIV(hash: hash, lastPhase1Block: Hex.decode(v.lastPhase1Block),
                                                             messageID: v.messageID, blockSize: v.blockSize)
            #expect(iv2 == Hex.decode(v.phase2IV))
        }
    }

    @Test func rekeySAKeymatSplitsAsRFC9838Section3_4() throws {
        for v in vectors.rekeySASplit {
            let keys = try GIKEv2KeyDerivation.splitRekeySAKeys(secret(v.keymat), encryptionKeyLength: v.encryptionKeyLength,
                                                                integrityKeyLength: v.integrityKeyLength,
                                                                keyWrapKeyLength: v.keyWrapKeyLength)
            #expect(keys.encryption == secret(v.gskE))
            #expect(keys.integrity == secret(v.gskA))
            #expect(keys.keyWrap == secret(v.gskW))
        }
        #expect(throws: CryptoError.self) {
            try GIKEv2KeyDerivation.splitRekeySAKeys(SecretBytes.zeros(count: 10), encryptionKeyLength: 16,
                                                     integrityKeyLength: 0, keyWrapKeyLength: 16)
        }
    }
}
