import GroupPolicy

/// How each legacy algorithm becomes a native token, and what the report says about it.
/// Strength verdicts come from the policy catalogue (AlgorithmCatalog), so the importer and
/// `groupkey validate` never disagree.
extension PolicyMapper {
    /// A TEK or registration cipher. nil = refused (with the item saying why).
    static func cipher(_ legacy: LegacyCipher) -> (algorithm: EncryptionAlgorithm, keyLength: Int?)? {
        switch legacy {
        case .tripleDES: return (.tripleDES, nil)
        case .aesCBC(let bits) where [128, 192, 256].contains(bits): return (.aesCBC, bits)
        case .aesGCM(let bits) where [128, 192, 256].contains(bits): return (.aesGCM16, bits)
        case .aesGMAC(let bits) where [128, 192, 256].contains(bits): return (.nullAuthAESGMAC, bits)
        case .des, .null, .seal, .unknown, .aesCBC, .aesGCM, .aesGMAC: return nil
        }
    }

    static func refusalReason(_ legacy: LegacyCipher) -> String {
        switch legacy {
        case .des: return "DES has a 56-bit key and is refused"
        case .null: return "NULL encryption leaves traffic in clear and is refused"
        case .seal: return "SEAL is a Cisco-only cipher neither GDOI's nor IKEv2's registry defines"
        case .unknown(let token): return "\"\(token)\" is not a cipher the importer knows"
        case .aesCBC(let bits), .aesGCM(let bits), .aesGMAC(let bits): return "AES key size \(bits) is not 128, 192 or 256"
        case .tripleDES: return ""
        }
    }

    /// HMAC integrity of a TEK or registration proposal (RFC 2404, RFC 4868 truncations).
    static func integrity(_ hash: LegacyHash) -> IntegrityAlgorithm {
        switch hash {
        case .md5: return .hmacMD5_96
        case .sha1: return .hmacSHA1_96
        case .sha256: return .hmacSHA2_256_128
        case .sha384: return .hmacSHA2_384_192
        case .sha512: return .hmacSHA2_512_256
        }
    }

    static func prf(_ hash: LegacyHash) -> PRFAlgorithm {
        switch hash {
        case .md5: return .hmacMD5
        case .sha1: return .hmacSHA1
        case .sha256: return .hmacSHA2_256
        case .sha384: return .hmacSHA2_384
        case .sha512: return .hmacSHA2_512
        }
    }

    /// RFC 6407 §5.3.5 SIG_HASH_ALGORITHM with RSA (§5.3.6 SIG_ALG_RSA, PKCS#1 v1.5).
    static func signature(_ hash: LegacyHash) -> SignatureAlgorithm {
        switch hash {
        case .md5: return .rsaPKCS1MD5
        case .sha1: return .rsaPKCS1SHA1
        case .sha256: return .rsaPKCS1SHA256
        case .sha384: return .rsaPKCS1SHA384
        case .sha512: return .rsaPKCS1SHA512
        }
    }

    /// IKE group numbers (RFC 2409 §6.1/6.2, RFC 3526, RFC 5903). Groups 22-24 (RFC 5114
    /// MODP with prime-order subgroups) have no native token.
    static func keyExchange(_ group: LegacyDHGroup) -> KeyExchangeGroup? {
        switch group.number {
        case 1: return .modp768
        case 2: return .modp1024
        case 5: return .modp1536
        case 14: return .modp2048
        case 15: return .modp3072
        case 16: return .modp4096
        case 17: return .modp6144
        case 18: return .modp8192
        case 19: return .ecp256
        case 20: return .ecp384
        case 21: return .ecp521
        default: return nil
        }
    }

    static func strength(_ algorithm: EncryptionAlgorithm) -> AlgorithmStrength { AlgorithmCatalog.entry(algorithm).strength }
    static func strength(_ algorithm: IntegrityAlgorithm) -> AlgorithmStrength { AlgorithmCatalog.entry(algorithm).strength }
    static func strength(_ algorithm: PRFAlgorithm) -> AlgorithmStrength { AlgorithmCatalog.entry(algorithm).strength }
    static func strength(_ group: KeyExchangeGroup) -> AlgorithmStrength { AlgorithmCatalog.entry(group).strength }
    static func strength(_ algorithm: SignatureAlgorithm) -> AlgorithmStrength { AlgorithmCatalog.entry(algorithm).strength }

    static func isForbidden(_ strength: AlgorithmStrength) -> String? {
        if case .forbidden(let reason) = strength { return reason }
        return nil
    }

    static func legacyReason(_ strength: AlgorithmStrength) -> String? {
        if case .legacy(let reason) = strength { return reason }
        return nil
    }

    /// Registration proposals (phase 1 for GDOI, IKE SA for G-IKEv2): each must be carried by
    /// every served protocol, so IKEv1-only or insecure choices are refused one by one.
    mutating func mapProposals(_ proposals: [Located<LegacyProposal>]) -> [RegistrationProposal] {
        var result: [RegistrationProposal] = []
        for located in proposals {
            let legacy = located.value
            let at = located.location
            guard let (encryption, keyLength) = Self.cipher(legacy.cipher),
                  !AlgorithmCatalog.entry(encryption).isAEAD else {
                refuse(.algorithmRefused, at, "\(legacy.name): phase 1 cipher \(legacy.cipher) cannot be carried (\(Self.refusalReason(legacy.cipher))); proposal dropped")
                continue
            }
            if let reason = Self.isForbidden(Self.strength(Self.prf(legacy.hash))) {
                refuse(.algorithmRefused, at, "\(legacy.name): hash \(legacy.hash.rawValue) refused (\(reason)); proposal dropped")
                continue
            }
            guard let exchange = Self.keyExchange(legacy.dhGroup) else {
                refuse(.algorithmRefused, at, "\(legacy.name): DH \(legacy.dhGroup) has no native equivalent; proposal dropped")
                continue
            }
            if let reason = Self.isForbidden(Self.strength(exchange)) {
                refuse(.algorithmRefused, at, "\(legacy.name): DH \(legacy.dhGroup) refused (\(reason)); proposal dropped")
                continue
            }
            let proposal = RegistrationProposal(encryption: encryption, keyLength: keyLength, integrity: Self.integrity(legacy.hash),
                                                prf: Self.prf(legacy.hash), keyExchange: exchange)
            let legacyNotes = [Self.legacyReason(Self.strength(encryption)), Self.legacyReason(Self.strength(exchange))].compactMap { $0 }
            if legacyNotes.isEmpty {
                note(.mappedExactly, .exact, at, "\(legacy.name) -> registration proposal \(encryption.rawValue)\(keyLength.map { "-\($0)" } ?? "")/\(proposal.prf.rawValue)/\(exchange.rawValue) (integrity \(proposal.integrity?.rawValue ?? "none") for G-IKEv2)")
            } else {
                note(.legacyAlgorithmKept, .decision, at, "\(legacy.name) kept so existing members can still register, but " + legacyNotes.joined(separator: "; "))
            }
            if !result.contains(proposal) { result.append(proposal) }
        }
        return result
    }
}
