import NIOCore
import WireCore

/// What protecting an SK or SKF payload needs from a negotiated cipher and integrity algorithm.
/// GroupKeyCrypto's cipher objects conform at integration; the codec never names a primitive.
/// Implementations hold their keys; nothing here sees key material.
public protocol IKEv2PayloadProtection: Sendable {
    /// Octets of explicit IV carried in the payload (e.g. 16 for AES-CBC, 8 for AES-GCM, RFC 5282 §3.1).
    var ivLength: Int { get }
    /// The plaintext (inner payloads | Padding | Pad Length) is padded to a multiple of this
    /// (RFC 7296 §3.14); 1 where the cipher imposes no alignment (RFC 5282 §3).
    var blockSize: Int { get }
    /// Octets of Integrity Checksum Data: the HMAC truncation (e.g. 16 for HMAC-SHA2-256-128,
    /// RFC 4868 §2.3) or the AEAD tag (e.g. 16 for AES-GCM-16, RFC 5282 §3.1).
    var icvLength: Int { get }
    var isAEAD: Bool { get }

    /// Encrypts. AEAD: `aad` is the associated data and the result is ciphertext followed by the
    /// `icvLength`-octet tag. Otherwise `aad` is nil and the result is the ciphertext alone.
    func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8]
    /// Decrypts. AEAD: `input` is ciphertext followed by the tag, which must verify.
    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8]
    /// Non-AEAD only: the ICV over `data`, truncated to `icvLength`.
    func computeICV(over data: [UInt8]) throws -> [UInt8]
    /// Non-AEAD only: throws unless `icv` is the ICV of `data` (compared in constant time).
    func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws
}

/// A message whose SK payload has been opened.
public struct OpenedIKEv2Message: Sendable {
    public var header: IKEv2Header
    /// Payloads before SK (normally none, RFC 7296 §3.14 allows them).
    public var clearPayloads: [IKEv2Payload]
    public var innerPayloads: [IKEv2Payload]
    /// Every payload with its placement and offset, for the exchange's rule table.
    public var found: [FoundPayload]
}

/// Seals and opens SK (RFC 7296 §3.14, RFC 5282 §5.1) and SKF (RFC 7383 §2.5) payloads.
public enum SKProtection {
    /// Builds the padding and Pad Length so that `innerLength + padding + 1` is a multiple of
    /// `blockSize`, with the fewest octets (RFC 7296 §3.14: "Padding MAY contain any value"; we
    /// send zeros so that output is reproducible).
    public static func padding(innerLength: Int, blockSize: Int) -> [UInt8] {
        let size = max(blockSize, 1)
        let padLength = (size - (innerLength + 1) % size) % size
        return [UInt8](repeating: 0, count: padLength) + [UInt8(padLength)]
    }

    /// Builds a whole message: `header`, any `clearPayloads`, then SK{`innerPayloads`}.
    public static func seal(header: IKEv2Header, clearPayloads: [IKEv2Payload] = [], innerPayloads: [IKEv2Payload],
                            iv: [UInt8], protection: some IKEv2PayloadProtection) throws -> [UInt8] {
        try seal(header: header, clearPayloads: clearPayloads, inner: IKEv2Message.serializeInnerPayloads(innerPayloads),
                 firstInner: innerPayloads.first?.type ?? 0, iv: iv, protection: protection)
    }

    /// `seal` for inner payloads already serialised (`IKEv2Message.serializeInnerPayloads`), whose
    /// first payload type is `firstInner`.
    public static func seal(header: IKEv2Header, clearPayloads: [IKEv2Payload] = [], inner: [UInt8], firstInner: UInt8,
                            iv: [UInt8], protection: some IKEv2PayloadProtection) throws -> [UInt8] {
        let prefix = try prefixBytes(header: header, clearPayloads: clearPayloads, protectedType: IKEv2PayloadType.encrypted,
                                     firstInner: firstInner, extraHeader: [],
                                     plaintextLength: inner.count, protection: protection)
        return try protect(prefix: prefix, plaintext: inner, iv: iv, protection: protection)
    }

    /// The length of the message `seal` would build from `innerLength` octets of serialised inner
    /// payloads and no clear payloads: header, SK header, IV, padded plaintext and ICV.
    public static func sealedLength(innerLength: Int, protection: some IKEv2PayloadProtection) -> Int {
        let padded = innerLength + padding(innerLength: innerLength, blockSize: protection.blockSize).count
        return WireLimits.headerLength + WireLimits.genericPayloadHeaderLength + protection.ivLength + padded + protection.icvLength
    }

    /// Splits SK content into SKF fragments of at most `maximumChunk` plaintext octets each
    /// (RFC 7383 §2.5): every fragment repeats the header (with its own Length and Next Payload
    /// = SKF) and is protected on its own, with its own IV from `ivs`.
    public static func sealFragments(header: IKEv2Header, innerPayloads: [IKEv2Payload], maximumChunk: Int,
                                     ivs: [[UInt8]], protection: some IKEv2PayloadProtection) throws -> [[UInt8]] {
        try sealFragments(header: header, inner: IKEv2Message.serializeInnerPayloads(innerPayloads),
                          firstInner: innerPayloads.first?.type ?? 0, maximumChunk: maximumChunk, ivs: ivs, protection: protection)
    }

    /// `sealFragments` for inner payloads already serialised, whose first payload type is `firstInner`.
    public static func sealFragments(header: IKEv2Header, inner: [UInt8], firstInner: UInt8, maximumChunk: Int,
                                     ivs: [[UInt8]], protection: some IKEv2PayloadProtection) throws -> [[UInt8]] {
        precondition(maximumChunk > 0, "fragment chunk must be positive")
        let chunks = stride(from: 0, to: max(inner.count, 1), by: maximumChunk).map {
            Array(inner[$0..<min($0 + maximumChunk, inner.count)])
        }
        guard chunks.count <= Int(UInt16.max), ivs.count == chunks.count else {
            throw WireError.invalidCount(payload: "SKF", offset: 0, declared: ivs.count, found: chunks.count)
        }
        var fragments: [[UInt8]] = []
        for (index, chunk) in chunks.enumerated() {
            let number = UInt16(index + 1)
            let fields: [UInt8] = [UInt8(number >> 8), UInt8(number & 0xFF),
                                   UInt8(chunks.count >> 8), UInt8(chunks.count & 0xFF)]
            let prefix = try prefixBytes(header: header, clearPayloads: [], protectedType: IKEv2PayloadType.encryptedFragment,
                                         firstInner: index == 0 ? firstInner : 0,
                                         extraHeader: fields, plaintextLength: chunk.count, protection: protection)
            fragments.append(try protect(prefix: prefix, plaintext: chunk, iv: ivs[index], protection: protection))
        }
        return fragments
    }

    /// Header, clear payloads and the SK/SKF header (plus SKF's fragment fields), with every length
    /// already final so the octets can serve as AAD (RFC 5282 §5.1).
    private static func prefixBytes(header: IKEv2Header, clearPayloads: [IKEv2Payload], protectedType: UInt8,
                                    firstInner: UInt8, extraHeader: [UInt8], plaintextLength: Int,
                                    protection: some IKEv2PayloadProtection) throws -> [UInt8] {
        let padded = plaintextLength + padding(innerLength: plaintextLength, blockSize: protection.blockSize).count
        let bodyLength = extraHeader.count + protection.ivLength + padded + protection.icvLength
        var buffer = ByteBuffer()
        var head = header
        head.nextPayload = clearPayloads.first?.type ?? protectedType
        head.write(to: &buffer)
        for (index, payload) in clearPayloads.enumerated() {
            let next = index + 1 < clearPayloads.count ? clearPayloads[index + 1].type : protectedType
            try PayloadChain.writePayload(nextPayload: next, critical: payload.critical, style: .ikev2, to: &buffer) {
                try payload.writeBody(to: &$0)
            }
        }
        let payloadLength = WireLimits.genericPayloadHeaderLength + bodyLength
        let total = buffer.readableBytes + payloadLength
        guard payloadLength <= Int(UInt16.max), total <= WireLimits.maximumMessageLength else {
            throw WireError.limitExceeded(payload: IKEv2PayloadType.name(protectedType), offset: buffer.readableBytes,
                                          limit: "16-bit Payload Length", value: payloadLength)
        }
        buffer.writeInteger(firstInner)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt16(payloadLength), endianness: .big)
        buffer.writeBytes(extraHeader)
        buffer.setInteger(UInt32(total), at: 24, endianness: .big)
        return (buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }

    /// Appends IV | ciphertext | ICV to `prefix`. AEAD: AAD is the prefix up to the end of the
    /// SK generic header (RFC 5282 §5.1) — for SKF, through Total Fragments, the fields before the
    /// IV (the reading strongSwan implements). Non-AEAD: the ICV covers everything from the first
    /// header octet through Pad Length (RFC 7296 §3.14).
    private static func protect(prefix: [UInt8], plaintext: [UInt8], iv: [UInt8],
                                protection: some IKEv2PayloadProtection) throws -> [UInt8] {
        guard iv.count == protection.ivLength else {
            throw WireError.invalidLength(payload: "SK", offset: prefix.count, declared: iv.count,
                                          reason: "is not the cipher's IV length \(protection.ivLength)")
        }
        let padded = plaintext + padding(innerLength: plaintext.count, blockSize: protection.blockSize)
        var out = prefix + iv
        if protection.isAEAD {
            let sealed = try protection.encrypt(padded, iv: iv, aad: prefix)
            guard sealed.count == padded.count + protection.icvLength else {
                throw WireError.invalidLength(payload: "SK", offset: out.count, declared: sealed.count,
                                              reason: "of AEAD output is not plaintext + ICV")
            }
            out += sealed
        } else {
            let ciphertext = try protection.encrypt(padded, iv: iv, aad: nil)
            guard ciphertext.count == padded.count else {
                throw WireError.invalidLength(payload: "SK", offset: out.count, declared: ciphertext.count,
                                              reason: "of ciphertext differs from the padded plaintext")
            }
            out += ciphertext
            let icv = try protection.computeICV(over: out)
            guard icv.count == protection.icvLength else {
                throw WireError.invalidLength(payload: "SK", offset: out.count, declared: icv.count, reason: "of ICV is wrong")
            }
            out += icv
        }
        return out
    }

    /// The decrypted content of one SK/SKF payload without padding.
    struct OpenedContent {
        var plaintext: [UInt8]
        var plaintextOffset: Int
    }

    /// Checks the layout, verifies and decrypts, and strips the padding. `payloadOffset` is the SK or
    /// SKF payload's first octet in `message`; `fixedFields` is 4 for SKF's fragment fields.
    static func openContent(message: [UInt8], payloadOffset: Int, fixedFields: Int, name: String,
                            protection: some IKEv2PayloadProtection) throws -> OpenedContent {
        let contentStart = payloadOffset + WireLimits.genericPayloadHeaderLength + fixedFields
        let ivStart = contentStart
        let cipherStart = ivStart + protection.ivLength
        let icvStart = message.count - protection.icvLength
        // At least the Pad Length octet must be encrypted (RFC 7296 §3.14).
        guard icvStart - cipherStart >= 1 else {
            throw WireError.invalidLength(payload: name, offset: payloadOffset + 2, declared: message.count - payloadOffset,
                                          reason: "cannot hold IV, Pad Length and ICV")
        }
        let cipherLength = icvStart - cipherStart
        if !protection.isAEAD && cipherLength % max(protection.blockSize, 1) != 0 {
            throw WireError.invalidLength(payload: name, offset: cipherStart, declared: cipherLength,
                                          reason: "of ciphertext is not a multiple of the block size \(protection.blockSize)")
        }
        let iv = Array(message[ivStart..<cipherStart])
        let padded: [UInt8]
        if protection.isAEAD {
            padded = try protection.decrypt(Array(message[cipherStart...]), iv: iv, aad: Array(message[..<contentStart]))
        } else {
            try protection.verifyICV(Array(message[icvStart...]), over: Array(message[..<icvStart]))
            padded = try protection.decrypt(Array(message[cipherStart..<icvStart]), iv: iv, aad: nil)
        }
        guard let padLength = padded.last, Int(padLength) + 1 <= padded.count else {
            throw WireError.invalidValue(payload: name, offset: icvStart - 1, field: "Pad Length", value: Int(padded.last ?? 0))
        }
        return OpenedContent(plaintext: Array(padded[..<(padded.count - Int(padLength) - 1)]), plaintextOffset: cipherStart)
    }

    /// Parses `bytes`, opens its SK payload and parses the inner payloads.
    public static func open(_ bytes: [UInt8], protection: some IKEv2PayloadProtection) throws -> OpenedIKEv2Message {
        let message = try IKEv2Message.parse(bytes)
        guard let last = message.payloads.last, case .encrypted(let sk) = last,
              let skOffset = message.payloadOffsets.last else {
            throw WireError.ruleViolation(exchange: "IKEv2", payload: "SK", offset: 0, reason: "message has no SK payload")
        }
        let content = try openContent(message: bytes, payloadOffset: skOffset, fixedFields: 0, name: "SK", protection: protection)
        let inner = try IKEv2Message.parseInnerPayloads(first: sk.firstInnerPayload, bytes: ByteBuffer(bytes: content.plaintext),
                                                        origin: content.plaintextOffset)
        let clear = Array(message.payloads.dropLast())
        var found = zip(message.payloads, message.payloadOffsets).map {
            FoundPayload(type: $0.type, encrypted: false, critical: $0.critical,
                         known: IKEv2PayloadType.isAssigned($0.type), offset: $1)
        }
        found += zip(inner.payloads, inner.offsets).map {
            FoundPayload(type: $0.type, encrypted: true, critical: $0.critical,
                         known: IKEv2PayloadType.isAssigned($0.type), offset: $1)
        }
        return OpenedIKEv2Message(header: message.header, clearPayloads: clear, innerPayloads: inner.payloads, found: found)
    }

    /// One opened fragment: its numbers and its share of the SK content.
    public struct OpenedFragment: Sendable {
        public var header: IKEv2Header
        public var fragmentNumber: UInt16
        public var totalFragments: UInt16
        public var firstInnerPayload: UInt8
        public var chunk: [UInt8]
    }

    /// Opens one SKF message (RFC 7383 §2.6: validity checks, then integrity and decryption).
    public static func openFragment(_ bytes: [UInt8], protection: some IKEv2PayloadProtection) throws -> OpenedFragment {
        let message = try IKEv2Message.parse(bytes)
        guard let last = message.payloads.last, case .encryptedFragment(let skf) = last,
              let offset = message.payloadOffsets.last else {
            throw WireError.ruleViolation(exchange: "IKEv2", payload: "SKF", offset: 0, reason: "message has no SKF payload")
        }
        let content = try openContent(message: bytes, payloadOffset: offset, fixedFields: 4, name: "SKF", protection: protection)
        return OpenedFragment(header: message.header, fragmentNumber: skf.fragmentNumber, totalFragments: skf.totalFragments,
                              firstInnerPayload: skf.firstInnerPayload, chunk: content.plaintext)
    }

    /// Reassembles opened fragments (any order, all present, one Total Fragments, RFC 7383 §2.6)
    /// and parses the inner payloads. Offsets in errors count from the reassembled content.
    public static func reassemble(_ fragments: [OpenedFragment]) throws -> [IKEv2Payload] {
        guard let total = fragments.first?.totalFragments else {
            throw WireError.invalidCount(payload: "SKF", offset: 0, declared: 1, found: 0)
        }
        let sorted = fragments.sorted { $0.fragmentNumber < $1.fragmentNumber }
        guard sorted.count == Int(total), sorted.allSatisfy({ $0.totalFragments == total }),
              sorted.enumerated().allSatisfy({ Int($1.fragmentNumber) == $0 + 1 }) else {
            throw WireError.invalidCount(payload: "SKF", offset: 0, declared: Int(total), found: fragments.count)
        }
        let content = sorted.flatMap(\.chunk)
        return try IKEv2Message.parseInnerPayloads(first: sorted[0].firstInnerPayload, bytes: ByteBuffer(bytes: content), origin: 0).payloads
    }
}
