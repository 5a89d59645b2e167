import GDOIWire
import GroupKeyCrypto
import WireCore

/// Encryption of ISAKMP messages under a phase-1 SA (RFC 2408 §3.1 E flag; RFC 2409 App. B):
/// everything after the header is CBC-encrypted with the SA's cipher, padded with zero octets to
/// the block size, the header Length counting the padding. IVs chain: each message's last
/// ciphertext block is the next message's IV, so each call returns it.
public struct ISAKMPMessageProtection: Sendable {
    public let algorithm: CBCCipher.Algorithm
    let key: SecretBytes

    public init(algorithm: CBCCipher.Algorithm, key: SecretBytes) {
        self.algorithm = algorithm
        self.key = key
    }

    public var blockSize: Int { algorithm.parameters.blockSize }

    /// The datagram with `payloads` encrypted under `iv`, and the last ciphertext block.
    public func seal(header: ISAKMPHeader, payloads: [ISAKMPPayload], iv: [UInt8]) throws -> (datagram: [UInt8], lastBlock: [UInt8]) {
        var plaintext = try ISAKMPMessage.serializePayloads(payloads)
        // Zero octets to the next block boundary and no more (App. B allows any amount; strongSwan
        // adds a whole block to an aligned chain). Less padding is less that no HASH covers.
        let remainder = plaintext.count % blockSize
        if remainder != 0 { plaintext += [UInt8](repeating: 0, count: blockSize - remainder) }
        let cipher = try CBCCipher(algorithm, key: key)
        let ciphertext = try cipher.encrypt(plaintext, iv: iv)
        var head = header
        head.flags |= ISAKMPHeader.encryptionFlag
        head.nextPayload = payloads.first?.type ?? 0
        let datagram = try ISAKMPMessage(header: head, payloads: [], encryptedBody: ciphertext).serializedBytes()
        return (datagram, Array(ciphertext.suffix(blockSize)))
    }

    /// What an encrypted message holds once decrypted.
    public struct Opened: Sendable {
        public var payloads: [ISAKMPPayload]
        /// Offsets of the payloads in the message (the plaintext starts at 28).
        public var offsets: [Int]
        /// The decrypted octets, padding included.
        public var plaintext: [UInt8]
        /// The last ciphertext block: the IV of the next message in the chain.
        public var lastBlock: [UInt8]

        /// The octets of the payload chain from payload `index` to the end of the last payload,
        /// padding excluded: what a phase-2 HASH covers after the HASH payload (RFC 2409 §5.5).
        public func chainOctets(from index: Int) -> [UInt8]? {
            guard index < offsets.count, let last = offsets.last,
                  let lastWhole = RawPayloads.whole(in: plaintext, at: last, origin: WireLimits.headerLength) else { return nil }
            let start = offsets[index] - WireLimits.headerLength
            let end = last - WireLimits.headerLength + lastWhole.count
            guard start >= 0, start <= end, end <= plaintext.count else { return nil }
            return Array(plaintext[start..<end])
        }

        /// The body of payload `index` as received (RFC 2409 §5's "_b" values).
        public func body(_ index: Int) -> [UInt8]? {
            guard index < offsets.count else { return nil }
            return RawPayloads.body(in: plaintext, at: offsets[index], origin: WireLimits.headerLength)
        }
    }

    /// Decrypts `message` (E flag set) under `iv`. A body that is not whole blocks, or whose
    /// plaintext is not a valid payload chain, is `decryptionFailed` (RFC 2408 §5.1: drop).
    public func open(_ message: ISAKMPMessage, iv: [UInt8], parsingAs exchangeType: UInt8? = nil) throws -> Opened {
        guard message.header.isEncrypted, let body = message.encryptedBody, !body.isEmpty, body.count % blockSize == 0 else {
            throw GDOIError.decryptionFailed
        }
        let plaintext: [UInt8]
        do { plaintext = try CBCCipher(algorithm, key: key).decrypt(body, iv: iv) } catch { throw GDOIError.decryptionFailed }
        do {
            var header = message.header
            if let exchangeType { header.exchangeType = exchangeType }
            let parsed = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: header)
            guard !parsed.payloads.isEmpty else { throw GDOIError.decryptionFailed }
            return Opened(payloads: parsed.payloads, offsets: parsed.offsets, plaintext: plaintext,
                          lastBlock: Array(body.suffix(blockSize)))
        } catch {
            throw GDOIError.decryptionFailed
        }
    }
}

extension Phase1SA {
    /// The SA's message protection (cipher and key taken from SKEYID_e, RFC 2409 App. B).
    public var protection: ISAKMPMessageProtection { ISAKMPMessageProtection(algorithm: cipher, key: encryptionKey) }

    /// First IV of a phase-2 style exchange with `messageID` (RFC 2409 App. B).
    public func phase2InitialIV(messageID: UInt32) throws -> [UInt8] {
        try IKEv1KeyDerivation.phase2InitialIV(hash: hash, lastPhase1Block: lastPhase1Block, messageID: messageID,
                                               blockSize: cipher.parameters.blockSize)
    }

    /// HASH(1) of an Informational or Quick Mode message: prf(SKEYID_a, M-ID | everything after the
    /// HASH payload) (RFC 2409 §5.5, §5.7).
    public func phase2Hash(messageID: UInt32, _ parts: [UInt8]...) throws -> [UInt8] {
        var input = messageID.bigEndianOctets
        for part in parts { input += part }
        return try prf.authenticate(key: keys.skeyidA, input)
    }
}
