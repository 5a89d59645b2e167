import GDOIWire
import GroupKeyCrypto
import WireCore

/// Encryption of one phase-2 exchange (GROUPKEY-PULL, Informational) under the phase-1 SA:
/// CBC with SKEYID_e's cipher key, first IV = hash(last phase-1 CBC block | M-ID), then each
/// message's IV is the last ciphertext block of the message before it in the exchange, whichever
/// side sent it; plaintext padded with zeros to the block size, the header Length counting the
/// padding (RFC 2409 Appendix B; WIRE-REFERENCE §18 item 20).
struct Phase2Protection: Sendable {
    let messageID: UInt32
    private let cipher: CBCCipher
    private let blockSize: Int
    /// The IV of the next message of the exchange.
    private(set) var iv: [UInt8]

    init(sa: Phase1SA, messageID: UInt32) throws {
        self.messageID = messageID
        cipher = try CBCCipher(sa.cipher, key: sa.encryptionKey)
        blockSize = sa.cipher.parameters.blockSize
        iv = try IKEv1KeyDerivation.phase2InitialIV(hash: sa.hash, lastPhase1Block: sa.lastPhase1Block,
                                                    messageID: messageID, blockSize: blockSize)
    }

    /// Header and encrypted body of a message whose plaintext payload chain is `body`; moves the IV on.
    mutating func seal(header: ISAKMPHeader, body: [UInt8]) throws -> [UInt8] {
        var plaintext = body
        let pad = (blockSize - plaintext.count % blockSize) % blockSize
        plaintext += [UInt8](repeating: 0, count: pad)
        let ciphertext = try cipher.encrypt(plaintext, iv: iv, aad: [UInt8]())
        var head = header
        head.flags |= ISAKMPHeader.encryptionFlag
        let message = ISAKMPMessage(header: head, payloads: [], encryptedBody: ciphertext)
        let bytes = try message.serializedBytes()
        iv = Array(ciphertext.suffix(blockSize))
        return bytes
    }

    /// The plaintext (with the sender's padding) of an encrypted message; moves the IV on only if
    /// `commit` is called with the returned next IV, so a forged message leaves the chain as it was.
    func open(_ encryptedBody: [UInt8]) throws -> (plaintext: [UInt8], nextIV: [UInt8]) {
        guard !encryptedBody.isEmpty, encryptedBody.count % blockSize == 0 else {
            throw GroupKeyError.decryption("encrypted body of \(encryptedBody.count) octets is not whole \(blockSize)-octet blocks")
        }
        let plaintext: [UInt8]
        do { plaintext = try cipher.decrypt(encryptedBody, iv: iv, aad: [UInt8]()) } catch {
            throw GroupKeyError.decryption("\(error)")
        }
        return (plaintext, Array(encryptedBody.suffix(blockSize)))
    }

    mutating func commit(nextIV: [UInt8]) { iv = nextIV }
}

/// A decrypted, parsed and rule-checked message, with the octets its HASH covers.
struct OpenedMessage: Sendable {
    let header: ISAKMPHeader
    let payloads: [ISAKMPPayload]
    /// "the entire message that follows the hash including all payload headers, but excluding any
    /// padding added for encryption" (RFC 6407 §3.2): from the end of the first payload (HASH) to
    /// the end of the last.
    let afterHash: [UInt8]
    let hash: [UInt8]

    /// Parses decrypted payloads, checks them against message `number`'s rules and finds the HASH.
    init(header: ISAKMPHeader, plaintext: [UInt8], number: Int) throws {
        let parsed: (payloads: [ISAKMPPayload], offsets: [Int])
        do {
            parsed = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: header)
            try GDOIExchangeRules.check(header: header, payloads: parsed.payloads, offsets: parsed.offsets, message: number)
        } catch {
            throw GroupKeyError.malformed("\(GDOIExchangeRules.exchangeName(header.exchangeType)) message \(number): \(error)")
        }
        guard case .hash(let hash)? = parsed.payloads.first else {
            throw GroupKeyError.malformed("message \(number) does not start with HASH")
        }
        let origin = WireLimits.headerLength
        let start = parsed.offsets.count > 1 ? parsed.offsets[1] - origin : 4 + hash.count
        let lastOffset = parsed.offsets[parsed.offsets.count - 1] - origin
        let lastLength = Int(plaintext[lastOffset + 2]) << 8 | Int(plaintext[lastOffset + 3])
        self.header = header
        self.payloads = parsed.payloads
        self.afterHash = Array(plaintext[start..<(lastOffset + lastLength)])
        self.hash = hash
    }
}
