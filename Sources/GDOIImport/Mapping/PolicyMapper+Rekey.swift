import GroupPolicy

/// SA KEK (RFC 6407 §5.3) -> the rekey SA, which G-IKEv2 sends as its GIKE_UPDATE policy
/// (RFC 9838 §4.4.2). GDOI's KEK_ALGORITHM is DES, 3DES or AES-CBC (§5.3.2), G-IKEv2 needs an
/// integrity transform and a key wrap beside it (§4.4.2.1).
extension PolicyMapper {
    static let defaultKEKLifetime: UInt64 = 86_400

    mutating func mapRekey() -> RekeyPolicy? {
        guard let kek = group.kek else {
            note(.noEquivalent, .changed, group.location, "no rekey SA in the export: members re-register when their TEK expires")
            return nil
        }
        // Cipher: 3DES is upgraded (both protocols carry AES-CBC), DES refused.
        let encryption = EncryptionAlgorithm.aesCBC
        var keyLength = 256
        switch kek.cipher?.value {
        case .aesCBC(let bits)? where [128, 192, 256].contains(bits):
            keyLength = bits
            note(.mappedExactly, .exact, kek.cipher?.location ?? kek.location, "rekey cipher AES-\(bits)-CBC -> aes-cbc \(bits)")
        case .tripleDES?:
            note(.cipherUpgraded, .changed, kek.cipher?.location ?? kek.location,
                 "rekey cipher 3DES upgraded to aes-cbc 256: both protocols carry it (RFC 6407 §5.3.2 KEK_ALG_AES), and members receive the new KEK at registration")
        case nil:
            note(.cipherUpgraded, .changed, kek.location, "no rekey cipher in the export (the device default is 3DES); aes-cbc 256 written")
        case let other?:
            refuse(.algorithmRefused, kek.cipher?.location ?? kek.location,
                   "rekey cipher \(other): \(Self.refusalReason(other)); no rekey SA imported, so members re-register at TEK expiry until the KEK is fixed and the export re-imported")
            return nil
        }

        var integrity: IntegrityAlgorithm?
        var keyWrap: KeyWrapAlgorithm?
        if protocols.gikev2 {
            integrity = .hmacSHA2_256_128
            keyWrap = [128: .kw5649_128, 192: .kw5649_192][keyLength] ?? .kw5649_256
            note(.transformAdded, .changed, kek.location,
                 "G-IKEv2 rekey SA needs integrity and a key wrap (RFC 9838 §4.4.2.1): hmac-sha2-256-128 and \(keyWrap?.rawValue ?? "") added" + (protocols.gdoi ? "; GDOI members do not use them" : ""))
        }

        let transport = mapRekeyTransport(kek)
        let authentication = mapRekeyAuthentication(kek)
        var lifetime = Self.defaultKEKLifetime
        if let given = kek.lifetimeSeconds {
            lifetime = UInt64(clamp(given, to: PolicyLimits.kekLifetime, what: "rekey lifetime"))
        } else {
            note(.defaultApplied, .changed, kek.location, "no rekey lifetime in the export; the device default \(Self.defaultKEKLifetime) s written")
        }
        var retransmit = Retransmission()
        if let count = kek.retransmitCount {
            retransmit.count = Int(clamp(Located(UInt64(max(count.value, 0)), count.location),
                                         to: UInt32(PolicyLimits.rekeyRetransmissions.lowerBound)...UInt32(PolicyLimits.rekeyRetransmissions.upperBound),
                                         what: "rekey retransmission count", unit: ""))
        }
        if let interval = kek.retransmitInterval {
            retransmit.intervalSeconds = Int(clamp(Located(UInt64(max(interval.value, 0)), interval.location),
                                                   to: UInt32(PolicyLimits.rekeyRetransmitInterval.lowerBound)...UInt32(PolicyLimits.rekeyRetransmitInterval.upperBound),
                                                   what: "rekey retransmission interval"))
        }
        return RekeyPolicy(transport: transport.transport, destination: transport.destination, port: transport.port,
                           encryption: encryption, keyLength: keyLength, integrity: integrity, keyWrap: keyWrap,
                           authentication: authentication, lifetimeSeconds: UInt32(lifetime), retransmissions: retransmit)
    }

    /// Multicast needs a multicast destination (RFC 9838 §4.4.2); without one, unicast is the
    /// only rekey that still reaches members.
    mutating func mapRekeyTransport(_ kek: LegacyKEK) -> (transport: RekeyPolicy.Transport, destination: IPAddress?, port: UInt16) {
        switch kek.transport {
        case .unicast:
            note(.mappedExactly, .exact, kek.location, "unicast rekey -> transport unicast (GDOI unicast GROUPKEY-PUSH; G-IKEv2 GSA_INBAND_REKEY)")
            return (.unicast, nil, 848)
        case .multicast(let destination?, let port):
            if let address = IPAddress(destination.value), address.isMulticast {
                note(.mappedExactly, .exact, destination.location, "multicast rekey to \(address) port \(port) -> rekey destination (not a traffic selector)")
                return (.multicast, address, port)
            }
            note(.operatorInputNeeded, .decision, destination.location,
                 "rekey destination \(destination.value) is not a multicast address; unicast rekey written instead")
            return (.unicast, nil, 848)
        case .multicast(nil, _):
            note(.operatorInputNeeded, .decision, kek.location, "multicast rekey with no usable destination; unicast rekey written instead")
            return (.unicast, nil, 848)
        }
    }

    /// sig-hash + RSA key label -> digital-signature authentication whose key is a secret
    /// reference (the private key is never in an export).
    mutating func mapRekeyAuthentication(_ kek: LegacyKEK) -> RekeyAuthentication {
        var hash = LegacyHash.sha1  // IOS-XE default sig-hash is SHA-1
        if let given = kek.signatureHash {
            hash = given.value
        } else {
            note(.defaultApplied, .changed, kek.location, "no rekey sig-hash in the export; SHA-1 assumed (the IOS-XE default; check what the device used)")
        }
        let algorithm = Self.signature(hash)
        let location = kek.signatureHash?.location ?? kek.location
        if let reason = Self.legacyReason(Self.strength(algorithm)) {
            note(.legacyAlgorithmKept, .decision, location, "rekey signature \(algorithm.rawValue) kept so GDOI members accept rekeys, but \(reason)")
        } else {
            note(.mappedExactly, .exact, location, "rekey signature hash \(hash.rawValue) -> \(algorithm.rawValue)")
        }
        let reference: SecretReference
        if let label = kek.signingKey {
            reference = secret("rekey-\(label.value)", purpose: "private key that signs rekeys (was RSA key \(label.value))", label.location)
            note(.secretReferenced, .exact, label.location, "rekey signing key \(label.value) -> key-ref \(reference); export the key pair from the device into the secrets file")
        } else {
            reference = secret("\(group.name)-rekey-key", purpose: "private key that signs rekeys (no label in the export)", kek.location)
            note(.operatorInputNeeded, .decision, kek.location, "no rekey signing key is named in the export; \(reference) must hold the RSA key members trust")
        }
        return .digitalSignature(algorithm, keyReference: reference)
    }
}
