import GroupKeyCrypto

/// DEBUG ONLY: what Wireshark needs to decrypt one ISAKMP SA's messages (`serve --ike-key-log`):
/// the initiator cookie and the encryption key taken from SKEYID_e (RFC 2409 App. B). Holds live
/// key material; only written when an operator asks for it.
public struct Phase1KeyLogRecord: Sendable {
    public let initiatorCookie: [UInt8]
    public let encryptionKey: SecretBytes

    public init(initiatorCookie: [UInt8], encryptionKey: SecretBytes) {
        self.initiatorCookie = initiatorCookie
        self.encryptionKey = encryptionKey
    }

    /// One line of Wireshark's `ikev1_decryption_table` UAT file: `Initiator's COOKIE,Encryption
    /// Key`, both bare hex (UAT byte fields).
    public var wiresharkLine: String {
        initiatorCookie.hexString + "," + encryptionKey.unsafeCopyBytes().hexString
    }
}
