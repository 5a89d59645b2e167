import GroupKeyCrypto
import GroupPolicy
import LKH

/// One group's key state, protocol-neutral: the data-security SAs (TEKs), the rekey SA, the LKH
/// tree, the Sender-ID allocator and the group-wide values, built from one `GroupDefinition`.
/// The GDOI and G-IKEv2 engines both read and change a group only through this value, so a GDOI
/// member and a G-IKEv2 member of one group hold the same SPIs and key octets.
public struct GroupState: Sendable {
    /// `var` only for a policy reload (`adopt(definition:secrets:)`).
    public internal(set) var definition: GroupDefinition
    public internal(set) var secrets: GroupSecrets
    // internal(set): GroupState+Rekey replaces TEKs, the rekey SA and the tree;
    // GroupState+Snapshot restores them.
    public internal(set) var dataSecuritySAs: [DataSecuritySA]
    public internal(set) var rekeySA: RekeySA?
    public internal(set) var keyTree: LKHTree?
    /// Present when some TEK uses a counter-mode cipher with Sender-IDs.
    public internal(set) var senderIDs: SenderIDAllocator?
    public internal(set) var groupWide: GroupWideValues
    /// Members admitted so far (registration identity), in order of admission.
    public internal(set) var members: [String] = []
    /// The same identities as `members`, for constant-time membership on every registration.
    var memberSet: Set<String> = []
    /// Rekey schedule, counters and member protocols (GroupState+Rekey.swift).
    public internal(set) var lifecycle = RekeyLifecycle()

    public var name: String { definition.name }

    /// Generates fresh TEKs and rekey keys for `definition` with `random`.
    public init(definition: GroupDefinition, secrets: GroupSecrets, random: some RandomSource,
                nowMilliseconds: Int64 = 0) throws(GroupStateError) {
        self.definition = definition
        self.secrets = secrets
        var tekList: [DataSecuritySA] = []
        var sidBits: Int?
        for policy in definition.dataSecurity {
            let encryptionLength = try policy.encryption.map { (algorithm) throws(GroupStateError) in
                try KeyLengths.encryption(algorithm, keyBits: policy.keyLength)
            } ?? 0
            let integrityLength = try KeyLengths.integrity(policy.integrity)
            guard encryptionLength + integrityLength > 0 else {
                throw .incompletePolicy("data-security SA \(policy.name) has neither encryption nor integrity")
            }
            let keys = try Self.secret(encryptionLength + integrityLength, random)
            tekList.append(DataSecuritySA(policy: policy, spi: try Self.tekSPI(random, avoiding: tekList.map(\.spi)),
                                          keyMaterial: keys, encryptionKeyLength: encryptionLength,
                                          integrityKeyLength: integrityLength, createdAtMilliseconds: nowMilliseconds))
            if let bits = policy.senderIDBits, tekList[tekList.count - 1].isCounterMode {
                // RFC 6054 §3: 8, 12 and 16 MUST be supported; more than 24 leaves too few IV bits.
                guard (1...24).contains(bits) else {
                    throw .incompletePolicy("sender-id bits \(bits) of \(policy.name) are outside 1...24")
                }
                sidBits = max(sidBits ?? 0, bits)
            }
        }
        dataSecuritySAs = tekList
        senderIDs = sidBits.map { SenderIDAllocator(bits: $0) }
        groupWide = GroupWideValues(activationDelay: definition.timing.activationDelay.map { UInt16(clamping: $0) },
                                    deactivationDelay: definition.timing.deactivationDelay.map { UInt16(clamping: $0) },
                                    senderIDBits: sidBits)
        lifecycle.rekeySACreatedAtMilliseconds = nowMilliseconds
        if let rekey = definition.rekey {
            rekeySA = try Self.makeRekeySA(rekey, secrets: secrets, random: random)
        } else {
            rekeySA = nil
        }
        if let lkh = definition.lkh, let rekey = rekeySA {
            do {
                keyTree = try LKHTree(shape: LKHShape.fitting(members: max(lkh.maximumMembers, 2), degree: lkh.degree),
                                      keyLength: rekey.keyWrapKeyLength, random: random)
            } catch let error as LKHError {
                throw .keyTree(error)
            } catch {
                throw .incompletePolicy("key tree: \(error)")
            }
        } else {
            keyTree = nil
        }
    }

    /// What a newly admitted member receives besides the SAs.
    public struct Admission: Sendable {
        public let senderIDs: [UInt32]
        /// The member's LKH keys, leaf first, root last; empty without a key tree.
        public let keyPath: [LKHNodeKey]
    }

    /// Admits `member`: allocates Sender-IDs if it asked to send (`senderIDCount` non-nil) and the
    /// group uses them, and gives it a leaf in the key tree (or its existing one on
    /// re-registration). Nothing changes on error.
    public mutating func admit(member: String, senderIDCount: UInt32?, random: some RandomSource) throws(GroupStateError) -> Admission {
        var allocator = senderIDs
        var ids: [UInt32] = []
        if let count = senderIDCount, var current = allocator {
            ids = try current.allocate(count: count)
            allocator = current
        }
        var path: [LKHNodeKey] = []
        if var tree = keyTree {
            // Joined in place: with the state's own reference released, the tree is not copied
            // (a copy of a 100,000-member tree per registration would cost milliseconds).
            // LKHTree.join changes nothing when it throws.
            keyTree = nil
            defer { keyTree = tree }
            let memberID = LKHMemberID(member)
            do {
                path = tree.contains(memberID) ? try tree.path(of: memberID) : try tree.join(memberID, random: random).path
            } catch let error as LKHError {
                throw .keyTree(error)
            } catch {
                throw .incompletePolicy("key tree: \(error)")
            }
        }
        senderIDs = allocator
        if memberSet.insert(member).inserted { members.append(member) }
        return Admission(senderIDs: ids, keyPath: path)
    }

    /// Counts the GSA_REKEY Message ID forward (called by the rekey sender).
    public mutating func takeRekeyMessageID() -> UInt32? {
        guard var rekey = rekeySA, rekey.nextMessageID != UInt32.max else { return nil }
        let id = rekey.nextMessageID
        rekey.nextMessageID += 1
        rekeySA = rekey
        return id
    }

    static func makeRekeySA(_ rekey: RekeyPolicy, secrets: GroupSecrets, random: some RandomSource) throws(GroupStateError) -> RekeySA {
        guard let keyWrap = rekey.keyWrap else {
            throw .incompletePolicy("the rekey SA needs a key-wrap algorithm (RFC 9838 Fig. 16)")
        }
        let encryptionLength = try KeyLengths.encryption(rekey.encryption, keyBits: rekey.keyLength)
        let integrityLength = try KeyLengths.integrity(rekey.integrity)
        let wrapLength = try KeyLengths.keyWrap(keyWrap)
        var scheme: SignatureScheme?
        var publicKey: [UInt8]?
        switch rekey.authentication {
        case .implicit:
            break
        case .digitalSignature(let algorithm, let reference):
            guard let key = secrets.rekeySigningKey else {
                throw .incompletePolicy("rekey signing key \(reference) was not supplied")
            }
            scheme = try KeyLengths.signatureScheme(algorithm)
            do { publicKey = try key.verifyingKey.subjectPublicKeyInfo } catch {
                throw .incompletePolicy("rekey signing key \(reference): \(error)")
            }
        }
        let spi: [UInt8]
        do { spi = try random.bytes(16) } catch { throw .incompletePolicy("random source failed: \(error)") }
        return RekeySA(policy: rekey, spi: spi, keyMaterial: try secret(encryptionLength + integrityLength + wrapLength, random),
                       encryptionKeyLength: encryptionLength, integrityKeyLength: integrityLength,
                       keyWrapKeyLength: wrapLength, signatureScheme: scheme, signingPublicKey: publicKey)
    }

    static func secret(_ count: Int, _ random: some RandomSource) throws(GroupStateError) -> SecretBytes {
        do { return try random.secret(count) } catch { throw .incompletePolicy("random source failed: \(error)") }
    }

    /// A random SPI above 255 (0 is invalid and 1-255 reserved, RFC 4303 §2.1), distinct in the group.
    static func tekSPI(_ random: some RandomSource, avoiding used: [[UInt8]]) throws(GroupStateError) -> [UInt8] {
        for _ in 0..<64 {
            let spi: [UInt8]
            do { spi = try random.bytes(4) } catch { throw .incompletePolicy("random source failed: \(error)") }
            let value = spi.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if value > 255 && !used.contains(spi) { return spi }
        }
        throw .incompletePolicy("random source gives no usable SPI")
    }
}
