import GroupKeyCrypto

/// The secrets a group's policy names by reference (`secrets:NAME`): resolved by the caller
/// from the secrets file, never stored in the policy itself.
public struct GroupSecrets: Sendable {
    /// The registration pre-shared key (RFC 7296 §2.15).
    public var preSharedKey: SecretBytes?
    /// The key the GCKS signs rekey messages with when GCAUTH is Digital Signature
    /// (RFC 9838 §4.4.2.1.1); its public half goes to members as AUTH_KEY (§4.5.3.2).
    public var rekeySigningKey: SigningKey?
    /// The trust anchors the policy names for members' certificates
    /// (`registration.certificateTrustAnchors`), loaded by the caller.
    public var memberTrustAnchors: TrustStore?

    public init(preSharedKey: SecretBytes? = nil, rekeySigningKey: SigningKey? = nil, memberTrustAnchors: TrustStore? = nil) {
        self.preSharedKey = preSharedKey
        self.rekeySigningKey = rekeySigningKey
        self.memberTrustAnchors = memberTrustAnchors
    }

    /// The bundled demo secret (ARCHITECTURE.md, command-line contract): ASCII, no newline.
    /// Servers refuse it off loopback; it exists so the demo works out of the box.
    public static let demoPreSharedKey = SecretBytes(Array("groupkey-demo-psk".utf8))
}
