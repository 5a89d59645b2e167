import GroupKeyCrypto

/// The keys of one registration IKE SA in the shape Wireshark's IKEv2 decryption table wants
/// (`ikev2_decryption_table` UAT: SPIi, SPIr, SK_ei, SK_er, cipher, SK_ai, SK_ar, integrity).
///
/// DEBUG ONLY: a record holds live key material. It exists so a capture of our own traffic can
/// be checked by an independent dissector; it is made only when `GCKSConfiguration.ikeKeyLog`
/// is set, and nothing else in the engine ever turns keys into text.
public struct IKEKeyLogRecord: Sendable {
    public let spiInitiator: UInt64
    public let spiResponder: UInt64
    /// SK_ei/SK_er including the salt of combined-mode ciphers (RFC 5282 §7.1), as RFC 7296 §2.14
    /// takes them from prf+; SK_ai/SK_ar are empty with an AEAD.
    public let skEi: SecretBytes
    public let skEr: SecretBytes
    public let skAi: SecretBytes
    public let skAr: SecretBytes
    /// IKEv2 Transform Type 1 ID and key length in bits (RFC 7296 §3.3.2, §3.3.5).
    public let encryptionID: UInt16
    public let keyBits: UInt16?
    /// IKEv2 Transform Type 3 ID; nil with an AEAD.
    public let integrityID: UInt16?

    /// One line of Wireshark's `ikev2_decryption_table` file
    /// (`SPIi,SPIr,SK_ei,SK_er,"cipher",SK_ai,SK_ar,"integrity"`), or nil when Wireshark has no name
    /// for the cipher or integrity algorithm. Contains the keys in hexadecimal.
    public var wiresharkLine: String? {
        guard let cipher = Self.wiresharkCipherName(id: encryptionID, keyBits: keyBits),
              let integrity = Self.wiresharkIntegrityName(id: integrityID) else { return nil }
        // UAT files carry byte fields as bare hex and enumerations as quoted labels.
        let fields = [Self.hex(spiInitiator.bigEndianBytes), Self.hex(spiResponder.bigEndianBytes),
                      Self.hex(skEi.unsafeCopyBytes()), Self.hex(skEr.unsafeCopyBytes()), "\"\(cipher)\"",
                      Self.hex(skAi.unsafeCopyBytes()), Self.hex(skAr.unsafeCopyBytes()), "\"\(integrity)\""]
        return fields.joined(separator: ",")
    }

    /// Wireshark's labels (packet-isakmp.c value strings, as its UAT stores them) for the IKEv2
    /// ciphers we implement, by IANA Transform Type 1 ID.
    static func wiresharkCipherName(id: UInt16, keyBits: UInt16?) -> String? {
        let bits = keyBits.map(String.init) ?? "128"
        switch id {
        case 11: return "NULL [RFC2410]"
        case 12: return "AES-CBC-\(bits) [RFC3602]"
        case 13: return "AES-CTR-\(bits) [RFC5930]"
        case 14: return "AES-CCM-\(bits) with 8 octet ICV [RFC5282]"
        case 15: return "AES-CCM-\(bits) with 12 octet ICV [RFC5282]"
        case 16: return "AES-CCM-\(bits) with 16 octet ICV [RFC5282]"
        case 18: return "AES-GCM-\(bits) with 8 octet ICV [RFC5282]"
        case 19: return "AES-GCM-\(bits) with 12 octet ICV [RFC5282]"
        case 20: return "AES-GCM-\(bits) with 16 octet ICV [RFC5282]"
        default: return nil
        }
    }

    /// Wireshark's labels for IKEv2 integrity algorithms, by Transform Type 3 ID.
    static func wiresharkIntegrityName(id: UInt16?) -> String? {
        switch id {
        case nil, 0?: return "NONE [RFC4306]"
        case 1?: return "HMAC_MD5_96 [RFC2403]"
        case 2?: return "HMAC_SHA1_96 [RFC2404]"
        case 12?: return "HMAC_SHA2_256_128 [RFC4868]"
        case 13?: return "HMAC_SHA2_384_192 [RFC4868]"
        case 14?: return "HMAC_SHA2_512_256 [RFC4868]"
        default: return nil
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
