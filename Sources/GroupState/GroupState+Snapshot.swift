import GroupKeyCrypto
import GroupPolicy
import LKH

/// A group's key state as plain values: everything needed to rebuild the `GroupState` with the
/// same TEK SPIs and keys, the same rekey SA and Message ID, the same LKH tree and members, and a
/// Sender-ID counter past every one handed out. The policy and secrets are not part of it: a
/// restart reads them again, and `GroupState(restoring:…)` keeps only what still fits them.
public struct GroupStateSnapshot: Sendable, Equatable {
    public struct TEK: Sendable, Equatable {
        /// The data-security policy entry it implements (unique within the group).
        public let policyName: String
        /// `GroupState.transformSummary(of:)` of the policy it was created under.
        public let transforms: String
        public let spi: [UInt8]
        public let keyMaterial: SecretBytes
        public let encryptionKeyLength: Int
        public let integrityKeyLength: Int
        public let createdAtMilliseconds: Int64

        public init(policyName: String, transforms: String, spi: [UInt8], keyMaterial: SecretBytes,
                    encryptionKeyLength: Int, integrityKeyLength: Int, createdAtMilliseconds: Int64) {
            self.policyName = policyName
            self.transforms = transforms
            self.spi = spi
            self.keyMaterial = keyMaterial
            self.encryptionKeyLength = encryptionKeyLength
            self.integrityKeyLength = integrityKeyLength
            self.createdAtMilliseconds = createdAtMilliseconds
        }
    }

    public struct Rekey: Sendable, Equatable {
        /// `GroupState.transformSummary(of:)` of the rekey policy it was created under.
        public let transforms: String
        public let spi: [UInt8]
        public let keyMaterial: SecretBytes
        public let encryptionKeyLength: Int
        public let integrityKeyLength: Int
        public let keyWrapKeyLength: Int
        /// The next GSA_REKEY Message ID (RFC 9838 §2.4.1.3): never goes back.
        public let nextMessageID: UInt32

        public init(transforms: String, spi: [UInt8], keyMaterial: SecretBytes, encryptionKeyLength: Int,
                    integrityKeyLength: Int, keyWrapKeyLength: Int, nextMessageID: UInt32) {
            self.transforms = transforms
            self.spi = spi
            self.keyMaterial = keyMaterial
            self.encryptionKeyLength = encryptionKeyLength
            self.integrityKeyLength = integrityKeyLength
            self.keyWrapKeyLength = keyWrapKeyLength
            self.nextMessageID = nextMessageID
        }
    }

    public let group: String
    public let teks: [TEK]
    public let rekey: Rekey?
    public let keyTree: LKHTreeExport?
    /// The next Sender-ID the allocator hands out, when the group uses Sender-IDs.
    public let nextSenderID: UInt32?
    /// Members in order of admission.
    public let members: [String]
    /// The rekey bookkeeping (GroupState+Rekey): rekey SA age, last GDOI SEQ, retiring TEKs,
    /// member protocols.
    public let lifecycle: RekeyLifecycle

    public init(group: String, teks: [TEK], rekey: Rekey?, keyTree: LKHTreeExport?, nextSenderID: UInt32?, members: [String],
                lifecycle: RekeyLifecycle = RekeyLifecycle()) {
        self.group = group
        self.teks = teks
        self.rekey = rekey
        self.keyTree = keyTree
        self.nextSenderID = nextSenderID
        self.members = members
        self.lifecycle = lifecycle
    }
}

/// What restoring a snapshot under the current policy could not keep (each is logged by the
/// caller): the policy's cryptography changed since the snapshot was taken.
public enum GroupStateRestoreChange: Sendable, Equatable, CustomStringConvertible {
    /// A data-security policy entry's transforms changed (or it is new): a new TEK epoch starts.
    case newTEK(policy: String, was: String?, now: String)
    /// A stored TEK's policy entry is gone from the policy.
    case droppedTEK(policy: String)
    /// The rekey policy's transforms changed: a new rekey SA (and key tree) is created, and
    /// members must register again to receive them.
    case newRekeySA(was: String?, now: String?)
    /// Every stored TEK of a data-security SA had expired while the server was down: a new TEK.
    case expiredTEK(policy: String)
    /// The rekey SA had expired while the server was down: a new rekey SA and key tree; members
    /// register again (they could not have followed its rollover either).
    case expiredRekeySA
    /// The key tree's shape changed (degree, capacity, key length), or LKH was turned on or off:
    /// a new tree (or none); members register again to get their paths.
    case newKeyTree

    public var description: String {
        switch self {
        case .newTEK(let policy, let was, let now): return "data-security SA \(policy): \(was ?? "(none)") -> \(now): new TEK"
        case .droppedTEK(let policy): return "data-security SA \(policy) is no longer in the policy"
        case .newRekeySA(let was, let now): return "rekey SA: \(was ?? "(none)") -> \(now ?? "(none)"): new rekey SA"
        case .newKeyTree: return "key tree shape changed: new tree"
        case .expiredTEK(let policy): return "data-security SA \(policy): the stored TEK expired: new TEK"
        case .expiredRekeySA: return "the stored rekey SA expired: new rekey SA and key tree"
        }
    }
}

extension GroupState {
    /// The state as plain values, for a key store.
    public var snapshot: GroupStateSnapshot {
        GroupStateSnapshot(
            group: name,
            teks: dataSecuritySAs.map { sa in
                GroupStateSnapshot.TEK(policyName: sa.policy.name, transforms: Self.transformSummary(of: sa.policy), spi: sa.spi,
                                       keyMaterial: sa.keyMaterial, encryptionKeyLength: sa.encryptionKeyLength,
                                       integrityKeyLength: sa.integrityKeyLength, createdAtMilliseconds: sa.createdAtMilliseconds)
            },
            rekey: rekeySA.map { sa in
                GroupStateSnapshot.Rekey(transforms: Self.transformSummary(of: sa.policy), spi: sa.spi, keyMaterial: sa.keyMaterial,
                                         encryptionKeyLength: sa.encryptionKeyLength, integrityKeyLength: sa.integrityKeyLength,
                                         keyWrapKeyLength: sa.keyWrapKeyLength, nextMessageID: sa.nextMessageID)
            },
            keyTree: keyTree?.export(),
            nextSenderID: senderIDs?.next,
            members: members,
            lifecycle: lifecycle)
    }

    /// Rebuilds a group from a snapshot under the policy and secrets in force now. What still
    /// fits the policy keeps its stored keys; what the policy changed is created afresh (see
    /// `restoring(_:definition:secrets:random:nowMilliseconds:)`).
    public init(restoring snapshot: GroupStateSnapshot, definition: GroupDefinition, secrets: GroupSecrets,
                random: some RandomSource, nowMilliseconds: Int64 = 0) throws(GroupStateError) {
        self = try Self.restoring(snapshot, definition: definition, secrets: secrets, random: random,
                                  nowMilliseconds: nowMilliseconds).state
    }

    /// Restores `snapshot` and says what had to change. Decision (README, "State file"): a
    /// change of transforms cannot reuse keys made for other transforms, so it starts a new epoch
    /// for what it touches: a TEK whose entry's transforms changed is replaced by a new one (its
    /// members receive it at the next rekey or registration); a changed rekey policy or tree shape
    /// gives a new rekey SA and tree, so members must register again. Changes that touch no key
    /// (lifetimes, selectors, authorization, timing) apply with the stored keys. Keys whose
    /// lifetime ended before `nowMilliseconds` are not served again: an expired TEK gives way to a
    /// new one, an expired rekey SA to a new rekey SA and tree. Counters never go back: the
    /// Sender-ID counter and the rekey Message ID continue past the stored values.
    public static func restoring(_ snapshot: GroupStateSnapshot, definition: GroupDefinition, secrets: GroupSecrets,
                                 random: some RandomSource,
                                 nowMilliseconds: Int64 = 0) throws(GroupStateError) -> (state: GroupState, changes: [GroupStateRestoreChange]) {
        var state = try GroupState(definition: definition, secrets: secrets, random: random, nowMilliseconds: nowMilliseconds)
        var changes: [GroupStateRestoreChange] = []
        // Every stored TEK (current and retiring) whose entry still has the transforms it was made
        // for is kept; an entry left with no TEK keeps the fresh one (a new epoch).
        var teks: [DataSecuritySA] = []
        var changedPolicies = Set<String>()
        var expiredPolicies = Set<String>()
        for stored in snapshot.teks {
            guard let fresh = state.dataSecuritySAs.first(where: { $0.policy.name == stored.policyName }) else {
                if changedPolicies.insert(stored.policyName).inserted { changes.append(.droppedTEK(policy: stored.policyName)) }
                continue
            }
            let now = transformSummary(of: fresh.policy)
            guard stored.transforms == now, stored.spi.count == 4, stored.encryptionKeyLength == fresh.encryptionKeyLength,
                  stored.integrityKeyLength == fresh.integrityKeyLength,
                  stored.keyMaterial.count == fresh.encryptionKeyLength + fresh.integrityKeyLength,
                  !teks.contains(where: { $0.spi == stored.spi }) else {
                if changedPolicies.insert(stored.policyName).inserted {
                    changes.append(.newTEK(policy: stored.policyName, was: stored.transforms, now: now))
                }
                continue
            }
            // A TEK whose lifetime ended while the server was down is of no use to anyone.
            guard stored.createdAtMilliseconds + Int64(fresh.policy.lifetimeSeconds) * 1000 > nowMilliseconds else {
                expiredPolicies.insert(stored.policyName)
                continue
            }
            teks.append(DataSecuritySA(policy: fresh.policy, spi: stored.spi, keyMaterial: stored.keyMaterial,
                                       encryptionKeyLength: stored.encryptionKeyLength, integrityKeyLength: stored.integrityKeyLength,
                                       createdAtMilliseconds: stored.createdAtMilliseconds))
        }
        for fresh in state.dataSecuritySAs where !teks.contains(where: { $0.policy.name == fresh.policy.name }) {
            teks.append(fresh)
            if changedPolicies.insert(fresh.policy.name).inserted {
                changes.append(expiredPolicies.contains(fresh.policy.name)
                               ? .expiredTEK(policy: fresh.policy.name)
                               : .newTEK(policy: fresh.policy.name, was: nil, now: transformSummary(of: fresh.policy)))
            }
        }
        state.dataSecuritySAs = teks

        var rekeyKept = false
        // The rekey SA's age is unknown (0) only in files from before it was recorded.
        let rekeyCreated = snapshot.lifecycle.rekeySACreatedAtMilliseconds
        let rekeyExpired = rekeyCreated > 0 && definition.rekey.map { rekeyCreated + Int64($0.lifetimeSeconds) * 1000 <= nowMilliseconds } == true
        if rekeyExpired, snapshot.rekey != nil {
            changes.append(.expiredRekeySA)
        } else if let fresh = state.rekeySA, let stored = snapshot.rekey, stored.transforms == transformSummary(of: fresh.policy),
           stored.spi.count == 16, stored.encryptionKeyLength == fresh.encryptionKeyLength,
           stored.integrityKeyLength == fresh.integrityKeyLength, stored.keyWrapKeyLength == fresh.keyWrapKeyLength,
           stored.keyMaterial.count == fresh.keyMaterial.count {
            state.rekeySA = RekeySA(policy: fresh.policy, spi: stored.spi, keyMaterial: stored.keyMaterial,
                                    encryptionKeyLength: stored.encryptionKeyLength, integrityKeyLength: stored.integrityKeyLength,
                                    keyWrapKeyLength: stored.keyWrapKeyLength, nextMessageID: stored.nextMessageID,
                                    signatureScheme: fresh.signatureScheme, signingPublicKey: fresh.signingPublicKey)
            rekeyKept = true
        } else if !rekeyExpired, state.rekeySA != nil || snapshot.rekey != nil {
            changes.append(.newRekeySA(was: snapshot.rekey?.transforms, now: state.rekeySA.map { transformSummary(of: $0.policy) }))
        }

        let tree = state.keyTree
        let allocator = state.senderIDs
        state.members = []
        state.memberSet = []
        for member in snapshot.members where state.memberSet.insert(member).inserted { state.members.append(member) }

        if let fresh = tree, let stored = snapshot.keyTree, rekeyKept {
            if stored.degree == fresh.shape.degree, stored.depth == fresh.shape.depth, stored.keyLength == fresh.keyLength {
                do { state.keyTree = try LKHTree(restoring: stored) } catch let error as LKHError {
                    throw .keyTree(error)
                } catch {
                    throw .incompletePolicy("stored key tree: \(error)")
                }
            } else {
                changes.append(.newKeyTree)
            }
        } else if rekeyKept && (tree != nil || snapshot.keyTree != nil) {
            changes.append(.newKeyTree)  // LKH turned on or off in the policy
        }
        // Rekey bookkeeping: retiring TEKs that were kept, the rekey SA's age if it was kept, the
        // GDOI SEQ (never back), the protocols of the members kept.
        var lifecycle = snapshot.lifecycle
        lifecycle.retiringTEKs = lifecycle.retiringTEKs.filter { retiring in teks.contains { $0.spi == retiring.spi } }
        if !rekeyKept { lifecycle.rekeySACreatedAtMilliseconds = state.lifecycle.rekeySACreatedAtMilliseconds }
        lifecycle.memberProtocols = lifecycle.memberProtocols.filter { state.memberSet.contains($0.key) }
        state.lifecycle = lifecycle
        if let fresh = allocator, let next = snapshot.nextSenderID {
            // Past every Sender-ID handed out; a narrower field may leave none (then admissions
            // that need one are refused rather than reusing one).
            state.senderIDs = SenderIDAllocator(bits: fresh.bits, next: UInt32(min(UInt64(next), fresh.capacity)))
        }
        return (state, changes)
    }

    /// The cryptographic shape of a data-security policy entry: what its keys were made for.
    public static func transformSummary(of policy: DataSecurityPolicy) -> String {
        "\(policy.securityProtocol.rawValue) encr=\(policy.encryption?.rawValue ?? "none")/\(policy.keyLength.map(String.init) ?? "-")"
            + " integ=\(policy.integrity?.rawValue ?? "none")"
    }

    /// The cryptographic shape of the rekey policy.
    public static func transformSummary(of policy: RekeyPolicy) -> String {
        let authentication: String
        switch policy.authentication {
        case .implicit: authentication = "implicit"
        case .digitalSignature(let algorithm, _): authentication = "signature:\(algorithm.rawValue)"
        }
        return "encr=\(policy.encryption.rawValue)/\(policy.keyLength.map(String.init) ?? "-")"
            + " integ=\(policy.integrity?.rawValue ?? "none") wrap=\(policy.keyWrap?.rawValue ?? "none") auth=\(authentication)"
    }
}
