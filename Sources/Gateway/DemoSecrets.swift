import GroupKeyCrypto
import GroupState

/// The bundled demo secrets (ARCHITECTURE.md, command-line contract): the demo group's PSK and
/// its rekey-signing key. Both are public by construction, so `GatewayServer` refuses to serve
/// them on any address but loopback.
public enum DemoSecrets {
    /// `secrets:demo-psk` of the demo policy: "groupkey-demo-psk", ASCII, no newline.
    public static var preSharedKey: SecretBytes { GroupSecrets.demoPreSharedKey }

    /// `secrets:demo-rekey-signing-key` of the demo policy: an RSA-2048 key (e = 65537, PKCS#8)
    /// made once with Python `cryptography` for the demo and published here on purpose. It signs
    /// the demo group's GSA_REKEY messages (GCAUTH Digital Signature, RFC 9838 §4.4.2.1.1).
    public static func rekeySigningKey() throws -> SigningKey { try SigningKey(pem: rekeySigningKeyPEM) }

    public static let rekeySigningKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC3H6HnG2+TD4OI
qF0H7Z6pQRqbAQpiIWl8ARQ8HfWp9zEA/KHpDY7CtIRHIcbxU3EPiiV3DXddfk6I
pKWnpCwCPDHuj6wLXKJm/T7RW7+Pol9rJlTvNegBsDYJKUIJQ4Dg9Z7Edz7UUZKq
1HH6wQsk36eLDYEqV9BPzan3qf0wvHjVGoa9f8nAuqJuXyLBENhXV0srGIbtwR5N
hXH9tK40eq/CyUnuOIta9cN8RtQvybUtrYlfYsMXLZvo4wHjuD7TTeX4XaH3JxPL
qHOEMsNXJanTFimtZY9PaVxK3q9fNNRlg1Y/6b90/sNX54qXmZpSgZXPwzR77MvU
GXMKKWrvAgMBAAECggEAVQjW1Sr70iXLlgtce+B/IyhMsvq2OCA8y+zyWQIugBj9
w/AMPVzi1I4fuKo6J/jv0N/9Cr4RljQfQrt2AxUsrHMIWreTlAkVjs59O5mnqAql
1WtM2HHHRPVu+i0S8ZtLfur/qUqYPd6NRU92iBLZWmuS8PK57pAtdslRamSg4l5x
hcgXML9iSwbl4GY1pwfI5pMqZEn/IT7v56TWLImK0k3DBo6O0Ru3Zyger3SpOd9D
HaCdmhN13jE4lSl+hv+RlpaAiNjk/9VkT24bZZvr3Udcw+o/AmHlxMHHQZDgbtbR
ffThSKOMV3wLFI8z0Ur1PgIDPGQfyVaZ+5p0WnQ8BQKBgQDZHDctD2v7wMAjWCe/
DN5Ld1lKnQgUlKzgLL5qNG7OljPjREEJ8ABvtRaho87lsQlGpRsWyZvEh1UFsO24
MykvnR4Hr1ImCQbXePbpCaFViZQ/qdSb5vl19u5dFYLANsYVu55HqSSrTeuwCaTs
mY3joTSwzo1xzsUp2Xvko3iIxQKBgQDX7O2nwxgh4asSEXVoLVX6b0/l5tZwEx2L
j3PxG74yU7HNOB9h0QiUa8LLFlCzUOXMWZN+M1SZaOj6xetfZaYMgYDr8qHwdNEH
2rNM7h0LSaXwkzspSanuOnLySwPNEx1EWZk4YlSZ6q5cikyF/RSLx1vdr+IltSn+
athw569YIwKBgQCheoLvWNEP5kUCBMdLKd8McjBPdoxUAmCyO5VEmMrxjHX7SwC0
y3UHoMC8aIGyBQLJMHP9duYMPjvWh8nHfwXbDBkRzixjbcNQ7/91RFxiqnlBAKfJ
bPmN66NOSHl/TT33XBxVYFCNuN7bh9DKyUrnSzdNadN6Gjg68C9d1tgHoQKBgG3b
3g689EpIxwEqYNHgPx5sA/q0t+XN0/ptwk+qDdsNOilvpIfgEr1xFmq9r9GMF18h
NCnBdAmZlvAAQwEGdrVmLnHdwQbWaIPWgeNiQuS7U/JS9obLM+pBUrpz8Dsmvn1I
GOzXGrQ08wGiW8zQNuPnSpZAJo+I3RTUx8qqFkyBAoGAdjjfsJXW7DF01UC+NAHJ
xWyHFHuqQ/m1FFvZbJdKHF1BdwUUWsp3wVAn/KKz59Nvs3avIHTcIVDewO7t9n+B
aPaYdSRXy9zXejxFgp8+LbxPfGM0E6KY6d8DODwKt6g1XFcBDBOGgY8UWgzih2O3
JKqFJ3ih2wyjLkm5LhNx/gs=
-----END PRIVATE KEY-----
"""

    /// The demo key's public half (DER SubjectPublicKeyInfo), to recognise it wherever it is used.
    public static func rekeyVerifyingKeyInfo() throws -> [UInt8] { try rekeySigningKey().verifyingKey.subjectPublicKeyInfo }

    /// Whether `group` uses a bundled demo secret: the demo PSK or the demo rekey-signing key.
    public static func isUsed(by group: GroupState) -> Bool {
        if group.secrets.preSharedKey == preSharedKey { return true }  // SecretBytes == is constant-time
        guard let used = group.rekeySA?.signingPublicKey, let demo = try? rekeyVerifyingKeyInfo() else { return false }
        return used == demo
    }

    /// The secrets the demo policy names, as a secrets file would give them.
    public static func secrets() throws -> GroupSecrets {
        GroupSecrets(preSharedKey: preSharedKey, rekeySigningKey: try rekeySigningKey())
    }
}
