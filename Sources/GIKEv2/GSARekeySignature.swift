import GIKEv2Wire
import GroupKeyCrypto
import NIOCore
import WireCore

/// The AUTH of a GSA_REKEY signed by the GCKS (RFC 9838 §2.4.1.1; WIRE-REFERENCE §18.12): the
/// signature covers A | P, where A is the IKE header and the SK payload header with their lengths
/// adjusted to count only A and P, and P the plaintext inner payloads with the AUTH payload's
/// signature octets zeroed (ASN.1 length and AlgorithmIdentifier kept, RFC 7427 §3).
enum GSARekeySignature {
    /// Signs. ECDSA signatures vary in DER length, and the zeroed placeholder must be as long as
    /// the signature that replaces it, so an ECDSA signature is redone until the lengths agree.
    static func sign(header: IKEv2Header, innerPayloads: [IKEv2Payload], key: SigningKey,
                     scheme: SignatureScheme) throws(GIKEv2Error) -> AuthenticationPayload {
        var length = key.maximumSignatureLength
        do {
            for _ in 0..<32 {
                let placeholder = DigitalSignatureAuthentication(scheme: scheme, signature: [UInt8](repeating: 0, count: length))
                let octets = try signedOctets(header: header, innerPayloads: innerPayloads,
                                              auth: AuthenticationPayload(method: DigitalSignatureAuthentication.authenticationMethod,
                                                                          data: placeholder.encoded))
                let signature = try DigitalSignatureAuthentication.sign(octets, with: key, scheme: scheme)
                if signature.signature.count == length {
                    return AuthenticationPayload(method: DigitalSignatureAuthentication.authenticationMethod, data: signature.encoded)
                }
                length = signature.signature.count
            }
        } catch {
            throw .crypto("signing GSA_REKEY: \(error)")
        }
        throw .crypto("signing GSA_REKEY: the signature length did not settle")
    }

    /// Verifies the AUTH that ends `innerPayloads` (the opened message's inner payloads).
    static func verify(header: IKEv2Header, innerPayloads: [IKEv2Payload], key: VerifyingKey,
                       expectedAlgorithmIdentifier: [UInt8]?) throws(GIKEv2Error) {
        guard case .authentication(let auth)? = innerPayloads.last,
              auth.method == DigitalSignatureAuthentication.authenticationMethod else { throw .authenticationFailed }
        do {
            let signature = try DigitalSignatureAuthentication(decoding: auth.data)
            if let expected = expectedAlgorithmIdentifier, signature.algorithmIdentifier != expected { throw GIKEv2Error.authenticationFailed }
            let zeroed = DigitalSignatureAuthentication(scheme: signature.scheme,
                                                        signature: [UInt8](repeating: 0, count: signature.signature.count))
            let octets = try signedOctets(header: header, innerPayloads: Array(innerPayloads.dropLast()),
                                          auth: AuthenticationPayload(method: auth.method, data: zeroed.encoded))
            try signature.verify(octets, with: key)
        } catch {
            throw .authenticationFailed
        }
    }

    /// A | P of RFC 9838 Figure 10.
    static func signedOctets(header: IKEv2Header, innerPayloads: [IKEv2Payload], auth: AuthenticationPayload) throws -> [UInt8] {
        let all = innerPayloads + [.authentication(auth)]
        let p = try IKEv2Message.serializeInnerPayloads(all)
        var head = header
        head.nextPayload = IKEv2PayloadType.encrypted
        head.length = UInt32(28 + 4 + p.count)  // the 28-octet IKE header (RFC 7296 §3.1)
        var buffer = ByteBuffer()
        head.write(to: &buffer)
        buffer.writeInteger(all.first?.type ?? 0)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt16(p.count + 4))
        return (buffer.getBytes(at: 0, length: buffer.readableBytes) ?? []) + p
    }
}
