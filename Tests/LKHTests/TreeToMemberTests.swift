import GroupKeyCrypto
import Testing
@testable import LKH

/// The GCKS tree and the member algorithm together: registrations and an eviction rendered the
/// G-IKEv2 way (SA_KEY under the tree root, every tree key a WRAP_KEY named by its serial,
/// wrapped with AES-KWP), then resolved by each member as RFC 9838 §3.3 describes.
@Suite struct TreeToMemberTests {
    let random = SystemRandom()

    func kwp(_ kek: SecretBytes) throws -> AESKeyWrap { try AESKeyWrap(mode: .rfc5649, kek: kek) }

    @Test func evictedMembersCannotResolveOthersFollow() throws {
        var tree = try LKHTree(shape: try LKHShape(degree: 2, depth: 4), keyLength: 32, random: random)
        var members: [LKHMemberID: WorkingKeyPath] = [:]
        var gskW: [LKHMemberID: SecretBytes] = [:]
        let firstSA = try random.secret(36)
        for index in 0..<11 {
            let id = LKHMemberID("gm\(index)")
            let join = try tree.join(id, random: random)
            let defaultKey = try random.secret(32)  // this member's registration GSK_w
            gskW[id] = defaultKey
            // Root-most first: each key wrapped under the one below it, the leaf under GSK_w.
            let downward = Array(join.path.reversed())
            var wraps: [WrappedKeyEntry] = []
            for (index, key) in downward.enumerated() {
                let under = index + 1 < downward.count ? downward[index + 1] : nil
                let blob = try kwp(under?.key ?? defaultKey).wrap(key: key.key)
                wraps.append(WrappedKeyEntry(keyID: key.serial, wrappingKeyID: under?.serial ?? 0, wrapped: blob))
            }
            let sa = WrappedKeyEntry(keyID: 0, wrappingKeyID: join.root.serial, wrapped: try kwp(join.root.key).wrap(key: firstSA))
            var wkp = WorkingKeyPath()
            let got = try wkp.resolve(saKeys: [sa], wrapKeys: wraps, defaultKey: defaultKey) { try kwp($1).unwrap($0) }
            #expect(got == firstSA)
            #expect(wkp.keys.map(\.serial) == downward.map(\.serial))
            members[id] = wkp
        }

        let victims = [LKHMemberID("gm3"), LKHMemberID("gm8")]
        let eviction = try tree.evict(victims, random: random)
        let newSA = try random.secret(36)
        let saKeys = [WrappedKeyEntry(keyID: 0, wrappingKeyID: eviction.newRoot.serial, wrapped: try kwp(eviction.newRoot.key).wrap(key: newSA))]
        let wrapKeys = try eviction.wraps.map {
            WrappedKeyEntry(keyID: $0.key.serial, wrappingKeyID: $0.wrappingKey.serial, wrapped: try kwp($0.wrappingKey.key).wrap(key: $0.key.key))
        }
        for (id, var wkp) in members {
            if victims.contains(id) {
                #expect(throws: WorkingKeyPath.ResolutionError.excluded) {
                    try wkp.resolve(saKeys: saKeys, wrapKeys: wrapKeys, defaultKey: gskW[id]!) { try kwp($1).unwrap($0) }
                }
            } else {
                let got = try wkp.resolve(saKeys: saKeys, wrapKeys: wrapKeys, defaultKey: gskW[id]!) { try kwp($1).unwrap($0) }
                #expect(got == newSA, "\(id)")
                #expect(wkp.keys.map(\.serial) == Array(try tree.path(of: id).reversed()).map(\.serial), "\(id) path")
            }
        }
    }
}

private extension HeldKey {
    var serial: UInt32 { id }
}
