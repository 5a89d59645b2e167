import XMLSupport

/// The parts of `native/crypto` that GDOI groups refer to: IPsec transform sets and profiles
/// (the TEK transforms and lifetime), ISAKMP policies and keys (GDOI registration), IKEv2
/// keyrings and profiles (G-IKEv2 registration). gdoi-xml-exports.md §a "TEK" and
/// "Authentication".
struct CiscoCrypto {
    struct TransformSet {
        var location: SourceLocation
        var cipher: Located<LegacyCipher>?
        var integrity: Located<LegacyHash>?
        var transportMode: Bool
    }

    struct Profile {
        var location: SourceLocation
        var transformSets: [Located<String>]
        var lifetimeSeconds: Located<UInt64>?
        var notes: [ReportItem]
    }

    struct IKEv2Profile {
        var location: SourceLocation
        var keyRefs: [Located<String>]
        var certificate: Located<String>?
    }

    var transformSets: [String: TransformSet] = [:]
    var profiles: [String: Profile] = [:]
    /// Phase 1 proposals of `crypto isakmp policy`, lowest policy number (most preferred) first.
    var isakmpProposals: [Located<LegacyProposal>] = []
    var isakmpPreShare = false
    var isakmpCertificate: Located<String>?
    /// `crypto isakmp key`: reference names derived from the peer address, never the key.
    var isakmpKeys: [Located<String>] = []
    var ikev2Profiles: [String: IKEv2Profile] = [:]
    var items: [ReportItem] = []
}

enum CiscoCryptoReader {
    static func read(_ crypto: XMLElementNode?, _ context: ReaderContext) -> CiscoCrypto {
        var result = CiscoCrypto()
        guard let crypto else { return result }
        if let ipsec = crypto.child(named: "ipsec") {
            for element in ipsec.children(named: "transform-set") { readTransformSet(element, &result, context) }
            for element in ipsec.children(named: "profile") { readProfile(element, &result, context) }
        }
        if let isakmp = crypto.child(named: "isakmp") { readISAKMP(isakmp, &result, context) }
        if let ikev2 = crypto.child(named: "ikev2") { readIKEv2(ikev2, &result, context) }
        return result
    }

    /// `transform-set {tag}`: esp + key-bit, esp-hmac, mode.
    static func readTransformSet(_ element: XMLElementNode, _ result: inout CiscoCrypto, _ context: ReaderContext) {
        guard let tag = element.value("tag") else { return }
        var cipher: Located<LegacyCipher>?
        if let esp = element.child(named: "esp") {
            let bits = Int(element.value("key-bit") ?? "") ?? 128  // IOS default key size is 128
            let value: LegacyCipher
            switch esp.trimmedText {
            case "esp-3des": value = .tripleDES
            case "esp-des": value = .des
            case "esp-aes": value = .aesCBC(bits: bits)
            case "esp-192-aes": value = .aesCBC(bits: 192)
            case "esp-256-aes": value = .aesCBC(bits: 256)
            case "esp-gcm": value = .aesGCM(bits: bits)
            case "esp-gmac": value = .aesGMAC(bits: bits)
            case "esp-null": value = .null
            case "esp-seal": value = .seal
            default: value = .unknown(esp.trimmedText)
            }
            cipher = context.located(value, esp)
        }
        var integrity: Located<LegacyHash>?
        if let hmac = element.child(named: "esp-hmac") {
            if let hash = espHash(hmac.trimmedText) {
                integrity = context.located(hash, hmac)
            } else {
                result.items.append(context.item(.invalidValue, .refused, hmac, "transform set \(tag): esp-hmac \"\(hmac.trimmedText)\" is unknown"))
            }
        }
        if let ah = element.child(named: "ah-hmac") {
            result.items.append(context.item(.noEquivalent, .decision, ah,
                                             "transform set \(tag): AH (\(ah.trimmedText)) beside ESP is not carried; GETVPN groups use ESP only"))
        }
        let mode = element.child(named: "mode")
        let transport = mode.map { $0.has("transport-choice") || $0.has("transport") } ?? false
        result.transformSets[tag] = CiscoCrypto.TransformSet(location: context.location(element), cipher: cipher,
                                                             integrity: integrity, transportMode: transport)
    }

    static func espHash(_ token: String) -> LegacyHash? {
        switch token {
        case "esp-md5-hmac": return .md5
        case "esp-sha-hmac": return .sha1
        case "esp-sha256-hmac": return .sha256
        case "esp-sha384-hmac": return .sha384
        case "esp-sha512-hmac": return .sha512
        default: return nil
        }
    }

    /// `profile {name}/set`: transform-set list, security-association lifetime in any spelling.
    static func readProfile(_ element: XMLElementNode, _ result: inout CiscoCrypto, _ context: ReaderContext) {
        guard let name = element.value("name") else { return }
        let set = element.child(named: "set")
        let sets = set?.children(named: "transform-set").map { context.located($0.trimmedText, $0) } ?? []
        var lifetime: Located<UInt64>?
        var notes: [ReportItem] = []
        if let life = set?.descend("security-association", "lifetime") {
            // ≤17.14 `seconds`/`days`; 17.15+ `seconds-case`/`days-case` (gdoi-xml-exports.md §a TEK).
            for (leaf, factor) in [("seconds", UInt64(1)), ("seconds-case", 1), ("days", 86_400), ("days-case", 86_400)] {
                guard let node = life.child(named: leaf) else { continue }
                if let value = UInt64(node.trimmedText) {
                    lifetime = context.located(value * factor, node)
                    if factor != 1 {
                        notes.append(context.item(.unitConverted, .changed, node,
                                                  "profile \(name): TEK lifetime \(value) day(s) written as \(value * factor) s"))
                    }
                } else {
                    notes.append(context.item(.invalidValue, .refused, node, "profile \(name): lifetime \"\(node.trimmedText)\" is not a number"))
                }
            }
            if let kilobytes = life.child(named: "kilobytes") {
                notes.append(context.item(.noEquivalent, .changed, kilobytes,
                                          "profile \(name): volume lifetime (kilobytes) has no place in a group SA policy; only the time lifetime is kept"))
            }
        }
        if let pfs = set?.child(named: "pfs") {
            notes.append(context.item(.noEquivalent, .changed, pfs, "profile \(name): PFS applies to pairwise IPsec, not to group TEKs; ignored"))
        }
        result.profiles[name] = CiscoCrypto.Profile(location: context.location(element), transformSets: sets,
                                                    lifetimeSeconds: lifetime, notes: notes)
    }

    static func readISAKMP(_ isakmp: XMLElementNode, _ result: inout CiscoCrypto, _ context: ReaderContext) {
        let policies = isakmp.children(named: "policy").sorted {
            (Int($0.value("number") ?? "") ?? Int.max) < (Int($1.value("number") ?? "") ?? Int.max)
        }
        for policy in policies {
            let number = policy.value("number") ?? "?"
            switch policy.value("authentication") ?? "rsa-sig" {  // IOS default authentication is rsa-sig
            case "pre-share": result.isakmpPreShare = true
            case "rsa-sig": result.isakmpCertificate = result.isakmpCertificate ?? context.located("isakmp-policy-\(number)", policy)
            case let other:
                result.items.append(context.item(.noEquivalent, .decision, policy,
                                                 "isakmp policy \(number): authentication \(other) has no equivalent; members must use a pre-shared key or certificates"))
            }
            let cipher = isakmpCipher(policy.child(named: "encryption"))
            let hash: LegacyHash
            switch policy.value("hash") ?? "sha" {
            case "md5": hash = .md5
            case "sha": hash = .sha1
            case "sha256": hash = .sha256
            case "sha384": hash = .sha384
            case "sha512": hash = .sha512
            case let other:
                result.items.append(context.item(.invalidValue, .refused, policy, "isakmp policy \(number): hash \"\(other)\" is unknown; policy skipped"))
                continue
            }
            let group = Int(policy.value("group") ?? "1") ?? 0  // IOS default is group 1
            result.isakmpProposals.append(context.located(
                LegacyProposal(name: "isakmp policy \(number)", cipher: cipher, hash: hash, dhGroup: LegacyDHGroup(group)), policy))
        }
        if let keys = isakmp.child(named: "key") {
            // ≤17.14: key-address {encryption, key, addr4-container/{address, mask}}.
            for entry in keys.children(named: "key-address") {
                let address = entry.value("addr4-container", "address") ?? entry.value("ipv4-addr") ?? "unknown"
                let mask = entry.value("addr4-container", "mask")
                result.isakmpKeys.append(context.located(keyReference(address, mask), entry))
            }
            // 17.15+: key-address-host {key}/{encryption, address/address-v4{address}/mask}.
            for entry in keys.children(named: "key-address-host") {
                let v4 = entry.descend("address", "address-v4")
                let address = v4?.value("address") ?? "unknown"
                let mask = v4?.value("mask") ?? entry.value("address", "mask")
                result.isakmpKeys.append(context.located(keyReference(address, mask), entry))
            }
        }
    }

    /// A secret name for the ISAKMP key of one peer address: the key itself is never read.
    static func keyReference(_ address: String, _ mask: String?) -> String {
        ("isakmp-key-" + address + (mask.map { $0 == "255.255.255.255" ? "" : "_" + $0 } ?? "")).referenceSafe
    }

    /// `encryption/{aes-choice/key-type | aes/key | des-choice | a3des | aes-192 | aes-256}`.
    static func isakmpCipher(_ element: XMLElementNode?) -> LegacyCipher {
        guard let element else { return .des }  // IOS default phase 1 cipher is DES
        if let choice = element.child(named: "aes-choice") ?? element.child(named: "aes") {
            let text = choice.value("key-type") ?? choice.value("key") ?? "128"
            let digits = text.filter(\.isNumber)
            return .aesCBC(bits: Int(digits) ?? 128)
        }
        if element.has("a3des") || element.has("3des") { return .tripleDES }
        if element.has("aes-192") { return .aesCBC(bits: 192) }
        if element.has("aes-256") { return .aesCBC(bits: 256) }
        if element.has("des-choice") || element.has("des") { return .des }
        return .unknown(element.children.first?.name ?? "empty")
    }

    /// `ikev2 keyring {name}/peer {name}` and `ikev2 profile {name}`.
    static func readIKEv2(_ ikev2: XMLElementNode, _ result: inout CiscoCrypto, _ context: ReaderContext) {
        var keyrings: [String: [Located<String>]] = [:]
        for keyring in ikev2.children(named: "keyring") {
            guard let name = keyring.value("name") else { continue }
            keyrings[name] = keyring.children(named: "peer").compactMap { peer in
                guard peer.has("pre-shared-key") else { return nil }
                return context.located("ikev2-\(name)-\(peer.value("name") ?? "peer")".referenceSafe, peer)
            }
        }
        for profile in ikev2.children(named: "profile") {
            guard let name = profile.value("name") else { continue }
            var keys: [Located<String>] = []
            for ring in profile.child(named: "keyring")?.children(named: "local") ?? [] {
                let ringName = ring.value("name") ?? ring.trimmedText
                if let found = keyrings[ringName] {
                    keys += found
                } else {
                    result.items.append(context.item(.missingReference, .refused, ring,
                                                     "IKEv2 profile \(name): keyring \(ringName) is not in the export"))
                }
            }
            let remote = profile.descend("authentication", "remote")
            let certificate = (remote?.has("rsa-sig") ?? false) || (remote?.has("ecdsa-sig") ?? false)
            result.ikev2Profiles[name] = CiscoCrypto.IKEv2Profile(
                location: context.location(profile), keyRefs: keys,
                certificate: certificate ? context.located("ikev2-profile-\(name)".referenceSafe, profile) : nil)
        }
    }
}
