import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

/// Keys derived by strongSwan's charon for six real IKE SAs on loopback (three IKEv2, three IKEv1
/// Main Mode), with the inputs taken from the capture. groupkey's derivations must reproduce
/// every key from the same inputs. Regenerate with scripts/interop/strongswan-loopback.sh and
/// scripts/interop/extract_strongswan_vectors.py.
struct StrongSwanKDFFile: Decodable {
    struct Exchange: Decodable {
        let name: String
        let version: Int
        let prf: String
        let sharedSecret: String
        let nonceInitiator, nonceResponder: String
        // IKEv2
        let spiInitiator, spiResponder, skeyseed: String?
        let skd, skai, skar, skei, sker, skpi, skpr: String?
        // IKEv1
        let preSharedKey, cookieInitiator, cookieResponder, publicValueInitiator, publicValueResponder: String?
        let skeyid, skeyidD, skeyidA, skeyidE, encryptionKey, initialIV: String?
    }
    let source: String
    let exchanges: [Exchange]
}

@Suite struct StrongSwanKeyDerivationTests {
    let file: StrongSwanKDFFile

    init() throws {
        file = try VectorLoader.load(StrongSwanKDFFile.self, named: "strongswan-kdf.json", in: .module)
    }

    @Test func ikev2KeysMatchCharon() throws {
        let v2 = file.exchanges.filter { $0.version == 2 }
        #expect(v2.count == 3)
        for e in v2 {
            let prf = PseudorandomFunction(digest: try digest(named: e.prf))
            let ni = Hex.decode(e.nonceInitiator), nr = Hex.decode(e.nonceResponder)
            let skeyseed = try IKEv2KeyDerivation.skeyseed(prf: prf, nonceInitiator: ni, nonceResponder: nr,
                                                           sharedSecret: secret(e.sharedSecret))
            #expect(skeyseed == secret(e.skeyseed ?? ""), "\(e.name) SKEYSEED")
            let lengths = IKEv2KeyLengths(prf: prf.outputLength, integrity: (e.skai ?? "").count / 2,
                                          encryption: (e.skei ?? "").count / 2)
            let keys = try IKEv2KeyDerivation.sessionKeys(prf: prf, skeyseed: skeyseed, nonceInitiator: ni, nonceResponder: nr,
                                                          spiInitiator: Hex.decode(e.spiInitiator ?? ""),
                                                          spiResponder: Hex.decode(e.spiResponder ?? ""), lengths: lengths)
            #expect(keys.skD == secret(e.skd ?? ""), "\(e.name) SK_d")
            #expect(keys.skAi == secret(e.skai ?? ""), "\(e.name) SK_ai")
            #expect(keys.skAr == secret(e.skar ?? ""), "\(e.name) SK_ar")
            #expect(keys.skEi == secret(e.skei ?? ""), "\(e.name) SK_ei")
            #expect(keys.skEr == secret(e.sker ?? ""), "\(e.name) SK_er")
            #expect(keys.skPi == secret(e.skpi ?? ""), "\(e.name) SK_pi")
            #expect(keys.skPr == secret(e.skpr ?? ""), "\(e.name) SK_pr")
        }
    }

    @Test func ikev1MainModeKeysMatchCharon() throws {
        let v1 = file.exchanges.filter { $0.version == 1 }
        #expect(v1.count == 3)
        for e in v1 {
            let hash = try digest(named: e.prf)
            let prf = PseudorandomFunction(digest: hash)
            let skeyid = try IKEv1KeyDerivation.skeyidPreSharedKey(prf: prf, preSharedKey: secret(e.preSharedKey ?? ""),
                                                                   nonceInitiator: Hex.decode(e.nonceInitiator),
                                                                   nonceResponder: Hex.decode(e.nonceResponder))
            #expect(skeyid == secret(e.skeyid ?? ""), "\(e.name) SKEYID")
            let keys = try IKEv1KeyDerivation.sessionKeys(prf: prf, skeyid: skeyid, sharedSecret: secret(e.sharedSecret),
                                                          cookieInitiator: Hex.decode(e.cookieInitiator ?? ""),
                                                          cookieResponder: Hex.decode(e.cookieResponder ?? ""))
            #expect(keys.skeyidD == secret(e.skeyidD ?? ""), "\(e.name) SKEYID_d")
            #expect(keys.skeyidA == secret(e.skeyidA ?? ""), "\(e.name) SKEYID_a")
            #expect(keys.skeyidE == secret(e.skeyidE ?? ""), "\(e.name) SKEYID_e")
            let expectedKa = secret(e.encryptionKey ?? "")
            let ka = try IKEv1KeyDerivation.encryptionKey(prf: prf, skeyidE: keys.skeyidE, length: expectedKa.count)
            #expect(ka == expectedKa, "\(e.name) Ka (\(expectedKa.count) octets from \(keys.skeyidE.count))")
            let iv = Hex.decode(e.initialIV ?? "")
            let ours = try IKEv1KeyDerivation.phase1InitialIV(hash: hash, publicValueInitiator: Hex.decode(e.publicValueInitiator ?? ""),
                                                              publicValueResponder: Hex.decode(e.publicValueResponder ?? ""),
                                                              blockSize: iv.count)
            #expect(ours == iv, "\(e.name) phase-1 IV")
        }
    }
}
