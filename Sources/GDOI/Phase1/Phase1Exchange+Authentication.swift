import EngineCore
import GDOIWire
import GroupKeyCrypto

/// CERT / CR encodings (RFC 2408 §3.9): X.509 certificate carrying a signature key.
enum CertificateEncoding {
    static let x509Signature: UInt8 = 4
}

extension Phase1Exchange {
    /// Our authentication payloads: [CERT,] HASH_x or SIG_x over `identityBody` (RFC 2409 §5, §5.1).
    func authenticationPayloads(identityBody: [UInt8], configuration: Phase1Configuration) throws -> [ISAKMPPayload] {
        guard let material, let proposal else { throw GDOIError.internal("authentication before key derivation") }
        let hash = try material.authenticationHash(of: role, publicValueInitiator: publicValueInitiator,
                                                   publicValueResponder: publicValueResponder, cookieInitiator: cookieInitiator,
                                                   cookieResponder: cookieResponder, saInitiatorBody: saInitiatorBody,
                                                   identityBody: identityBody)
        switch proposal.authentication {
        case .preSharedKey:
            return [.hash(data: hash)]
        case .rsaSignature:
            guard let key = configuration.credentials.signingKey, let certificate = configuration.credentials.certificate else {
                throw GDOIError.internal("RSA signature suite agreed without our key and certificate")
            }
            let signature: [UInt8]
            do { signature = try IKEv1RSASignature.sign(hash: hash, with: key) } catch { throw GDOIError.crypto("\(error)") }
            return [.certificate(ISAKMPCertificate(encoding: CertificateEncoding.x509Signature, data: certificate.der)),
                    .signature(data: signature)]
        }
    }

    /// Checks the peer's HASH or SIG over its `identityBody`; for signatures the certificate must
    /// chain to our anchors at `now` (RFC 5280 §6). Records who the peer is.
    mutating func verifyPeerAuthentication(_ payloads: [ISAKMPPayload], identity: ISAKMPIdentification, identityBody: [UInt8],
                                           configuration: Phase1Configuration, now: EngineTime) throws {
        guard let material, let proposal else { throw GDOIError.internal("authentication before key derivation") }
        let peerRole: Phase1SA.Role = role == .initiator ? .responder : .initiator
        let expected = try material.authenticationHash(of: peerRole, publicValueInitiator: publicValueInitiator,
                                                       publicValueResponder: publicValueResponder, cookieInitiator: cookieInitiator,
                                                       cookieResponder: cookieResponder, saInitiatorBody: saInitiatorBody,
                                                       identityBody: identityBody)
        switch proposal.authentication {
        case .preSharedKey:
            guard let received = payloads.lazy.compactMap({ if case .hash(let d) = $0 { return d } else { return nil } }).first else {
                throw GDOIError.malformed("HASH missing")
            }
            guard ConstantTime.equal(received, expected) else {
                throw GDOIError.authenticationFailed("HASH_\(peerRole == .initiator ? "I" : "R") from \(peer) does not verify")
            }
            peerCredential = .preSharedKey(identity: identity.displayString)
        case .rsaSignature:
            let certificates = payloads.compactMap { payload -> [UInt8]? in
                if case .certificate(let cert) = payload, cert.encoding == CertificateEncoding.x509Signature { return cert.data }
                return nil
            }
            guard let signature = payloads.lazy.compactMap({ if case .signature(let d) = $0 { return d } else { return nil } }).first,
                  let leafDER = certificates.first else {
                throw GDOIError.authenticationFailed("SIG or X.509 CERT missing")
            }
            guard let trust = configuration.credentials.trustStore else {
                throw GDOIError.authenticationFailed("no trust anchors configured for certificates")
            }
            do {
                let leaf = try Certificate(der: leafDER)
                let intermediates = try certificates.dropFirst().map { try Certificate(der: $0) }
                _ = try trust.verify(leaf, intermediates: intermediates, at: now.date)
                try IKEv1RSASignature.verify(signature, hash: expected, with: try leaf.publicKey)
                peerCredential = .certificate(subject: leaf.subject)
                // The ID is what authorization lists match, so it must be one the certificate names.
                guard Self.isBound(identity, to: leaf) else {
                    throw GDOIError.authenticationFailed("ID \(identity.displayString) is not a subjectAltName of \(leaf.subject)")
                }
            } catch let error as GDOIError {
                throw error
            } catch {
                throw GDOIError.authenticationFailed("certificate or SIG from \(peer): \(error)")
            }
        }
        peerIdentity = identity
    }

    /// RFC 4945 §3.1 binding of the ID payload to the certificate, for the ID types groupkey accepts
    /// with certificates: ID_FQDN to a dNSName, ID_USER_FQDN to an rfc822Name, ID_IPV4_ADDR /
    /// ID_IPV6_ADDR to an iPAddress subjectAltName (the G-IKEv2 engine binds alike).
    static func isBound(_ identity: ISAKMPIdentification, to certificate: Certificate) -> Bool {
        let text = String(decoding: identity.data, as: UTF8.self).lowercased()
        return certificate.subjectAltNames.contains { name in
            switch (identity.idType, name) {
            case (ISAKMPIdentification.fqdn, .dns(let dns)): return dns.lowercased() == text
            case (3, .email(let email)): return email.lowercased() == text
            case (ISAKMPIdentification.ipv4Address, .ipAddress(let octets)), (5, .ipAddress(let octets)): return octets == identity.data
            default: return false
            }
        }
    }

    /// NAT-D payloads: first the hash of where the packet goes, then of where it comes from (RFC 3947 §3.2).
    func natDiscoveryPayloads(localEndpoint: EndpointAddress) throws -> [ISAKMPPayload] {
        guard let digest = material?.prf.digest ?? proposal.map({ PseudorandomFunction(ikev1: $0.hash).digest }) else { return [] }
        return [
            .natDiscovery(hash: try NATTraversal.discoveryHash(digest, cookieInitiator: cookieInitiator,
                                                               cookieResponder: cookieResponder, address: peer)),
            .natDiscovery(hash: try NATTraversal.discoveryHash(digest, cookieInitiator: cookieInitiator,
                                                               cookieResponder: cookieResponder, address: localEndpoint)),
        ]
    }

    /// Compares the peer's NAT-D payloads with the addresses we see (RFC 3947 §3.2): a mismatch
    /// means a NAT between us. Absent payloads change nothing.
    mutating func checkNATDiscovery(_ payloads: [ISAKMPPayload], localEndpoint: EndpointAddress) throws -> [LogEvent] {
        let hashes = payloads.compactMap { if case .natDiscovery(let h) = $0 { return h } else { return nil } }
        guard hashes.count >= 2, let proposal else { return [] }
        let digest = PseudorandomFunction(ikev1: proposal.hash).digest
        let us = try NATTraversal.discoveryHash(digest, cookieInitiator: cookieInitiator, cookieResponder: cookieResponder,
                                                address: localEndpoint)
        let them = try NATTraversal.discoveryHash(digest, cookieInitiator: cookieInitiator, cookieResponder: cookieResponder,
                                                  address: peer)
        let weAreBehindNAT = hashes[0] != us
        let peerIsBehindNAT = !hashes.dropFirst().contains(them)
        guard weAreBehindNAT || peerIsBehindNAT else { return [] }
        natDetected = true
        return [LogEvent(.info, "GDOI-NAT-DETECTED",
                         "NAT between us and \(peer) (\(weAreBehindNAT ? "local" : "remote") side, RFC 3947 §3.2)")]
    }
}
