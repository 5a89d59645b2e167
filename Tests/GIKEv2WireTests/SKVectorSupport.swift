import Foundation
import GIKEv2Wire
import GroupKeyTestSupport
import NIOCore

/// The JSON written by scripts/generate-ikev2-sk-vectors.py.
struct SKVectorFile: Decodable {
    let source: String
    let vectors: [SKVector]

    static func load() throws -> SKVectorFile {
        try VectorLoader.load(SKVectorFile.self, named: "ikev2-sk-messages.json", in: .module)
    }

    func vector(_ name: String) throws -> SKVector {
        guard let found = vectors.first(where: { $0.name == name }) else { throw VectorLoader.LoadError.missing(name) }
        return found
    }
}

struct SKVector: Decodable {
    let name: String
    let isAEAD: Bool?
    let ivLength: Int?
    let blockSize: Int?
    let icvLength: Int?
    let iv: String?
    let ivs: [String]?
    let fragmentChunk: Int?
    let firstInnerPayload: UInt8?
    let innerPayloads: String?
    let paddedPlaintext: String?
    let aad: String?
    let icvInput: String?
    let ciphertext: String?
    let icv: String?
    let message: String?
    let fragments: [String]?
    let kekSPI: String?
    let tekSPI: String?
    let authKeySPKI: String?
}

/// A stand-in for a real cipher that replays what the independent Python implementation produced,
/// after checking that the codec handed it exactly the plaintext, IV and AAD (or ICV input) that
/// the Python side used. So a test through it proves the layout, padding, AAD span and ICV
/// placement, without needing GroupKeyCrypto's ciphers.
struct RecordedProtection: IKEv2PayloadProtection {
    struct Mismatch: Error, CustomStringConvertible {
        let what: String
        var description: String { "recorded protection got a different \(what)" }
    }

    let ivLength: Int
    let blockSize: Int
    let icvLength: Int
    let isAEAD: Bool
    let plaintext: [UInt8]
    let iv: [UInt8]
    let aad: [UInt8]
    let ciphertext: [UInt8]
    let icv: [UInt8]
    let icvInput: [UInt8]

    init(_ v: SKVector) {
        ivLength = v.ivLength ?? 0
        blockSize = v.blockSize ?? 1
        icvLength = v.icvLength ?? 0
        isAEAD = v.isAEAD ?? false
        plaintext = Hex.decode(v.paddedPlaintext ?? "")
        iv = Hex.decode(v.iv ?? "")
        aad = Hex.decode(v.aad ?? "")
        ciphertext = Hex.decode(v.ciphertext ?? "")
        icv = Hex.decode(v.icv ?? "")
        icvInput = Hex.decode(v.icvInput ?? "")
    }

    func encrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        guard input == plaintext else { throw Mismatch(what: "plaintext") }
        guard iv == self.iv else { throw Mismatch(what: "IV") }
        if isAEAD {
            guard aad == self.aad else { throw Mismatch(what: "AAD") }
            return ciphertext + icv
        }
        guard aad == nil else { throw Mismatch(what: "AAD (none expected)") }
        return ciphertext
    }

    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        guard iv == self.iv else { throw Mismatch(what: "IV") }
        if isAEAD {
            guard aad == self.aad else { throw Mismatch(what: "AAD") }
            guard input == ciphertext + icv else { throw Mismatch(what: "ciphertext|tag") }
        } else {
            guard input == ciphertext else { throw Mismatch(what: "ciphertext") }
        }
        return plaintext
    }

    func computeICV(over data: [UInt8]) throws -> [UInt8] {
        guard data == icvInput else { throw Mismatch(what: "ICV input") }
        return icv
    }

    func verifyICV(_ candidate: [UInt8], over data: [UInt8]) throws {
        guard data == icvInput else { throw Mismatch(what: "ICV input") }
        guard candidate == icv else { throw Mismatch(what: "ICV") }
    }
}

/// For fragment vectors: a structural double that only checks lengths and passes plaintext
/// through unchanged (identity "cipher", zero ICV), used to compare chunking and headers.
struct IdentityProtection: IKEv2PayloadProtection {
    let ivLength: Int
    let blockSize: Int
    let icvLength: Int
    var isAEAD: Bool { false }
    func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { plaintext }
    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { input }
    func computeICV(over data: [UInt8]) throws -> [UInt8] { [UInt8](repeating: 0, count: icvLength) }
    func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws {
        guard icv == [UInt8](repeating: 0, count: icvLength) else { throw RecordedProtection.Mismatch(what: "ICV") }
    }
}

extension IKEv2Message {
    /// Test helper: the inner payloads given as the serialised chain from a vector.
    static func innerPayloads(hex: String, first: UInt8) throws -> [IKEv2Payload] {
        try parseInnerPayloads(first: first, bytes: ByteBuffer(bytes: Hex.decode(hex)), origin: 0).payloads
    }
}

/// Several recordings, one per fragment, picked by the IV each fragment was sealed with.
struct RecordedFragmentsProtection: IKEv2PayloadProtection {
    let recordings: [RecordedProtection]
    var ivLength: Int { recordings[0].ivLength }
    var blockSize: Int { recordings[0].blockSize }
    var icvLength: Int { recordings[0].icvLength }
    var isAEAD: Bool { recordings[0].isAEAD }

    func recording(_ iv: [UInt8]) throws -> RecordedProtection {
        guard let found = recordings.first(where: { $0.iv == iv }) else { throw RecordedProtection.Mismatch(what: "IV") }
        return found
    }

    func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        try recording(iv).encrypt(plaintext, iv: iv, aad: aad)
    }

    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] {
        try recording(iv).decrypt(input, iv: iv, aad: aad)
    }

    func computeICV(over data: [UInt8]) throws -> [UInt8] {
        guard let found = recordings.first(where: { $0.icvInput == data }) else { throw RecordedProtection.Mismatch(what: "ICV input") }
        return found.icv
    }

    func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws {
        guard recordings.contains(where: { $0.icvInput == data && $0.icv == icv }) else { throw RecordedProtection.Mismatch(what: "ICV") }
    }
}
