import GroupKeyCrypto
import Testing
@testable import LKH

/// RFC 9838 Appendix A, with real AES-KWP-256 (RFC 5649) wrapping: the GCKS side of the example
/// is written out by hand from Figures 22-26, and the member side must reach exactly the Working
/// Key Paths the appendix lists.
@Suite struct WorkingKeyPathTests {
    let random = SystemRandom()

    /// Keys of Figure 22 (IDs 1-14), the replacements 15 and 16 of Figure 25, and GSK_w per GM.
    struct Fixture {
        var node: [UInt32: SecretBytes] = [:]
        let gskW: SecretBytes
        let saKey1: SecretBytes
        let saKey3: SecretBytes
    }

    func makeFixture() throws -> Fixture {
        var fixture = Fixture(gskW: try random.secret(32), saKey1: try random.secret(52), saKey3: try random.secret(52))
        for id in UInt32(1)...16 { fixture.node[id] = try random.secret(32) }
        return fixture
    }

    func wrap(_ key: SecretBytes, under kwk: SecretBytes) throws -> [UInt8] {
        try AESKeyWrap(mode: .rfc5649, kek: kwk).wrap(key: key)
    }

    func unwrap(_ blob: [UInt8], _ kwk: SecretBytes) throws -> SecretBytes {
        try AESKeyWrap(mode: .rfc5649, kek: kwk).unwrap(blob)
    }

    /// X{Y}: key Y wrapped under key X, as a WRAP_KEY (or SA_KEY when Y is 0).
    func entry(_ x: UInt32, _ y: UInt32, _ f: Fixture, sa: SecretBytes? = nil, gsk: SecretBytes? = nil) throws -> WrappedKeyEntry {
        let kwk = x == 0 ? (gsk ?? f.gskW) : f.node[x]!
        let carried = y == 0 ? sa! : f.node[y]!
        return WrappedKeyEntry(keyID: y, wrappingKeyID: x, wrapped: try wrap(carried, under: kwk))
    }

    /// Registration of a GM with leaf `leaf` under parents `p2` and `p1` (Figure 23 for GM A).
    func register(_ f: Fixture, path: [UInt32]) throws -> WorkingKeyPath {
        var wkp = WorkingKeyPath()
        let material = try wkp.resolve(
            saKeys: [try entry(path[0], 0, f, sa: f.saKey1)],
            wrapKeys: [try entry(path[1], path[0], f), try entry(path[2], path[1], f), try entry(0, path[2], f)],
            defaultKey: f.gskW, unwrap: unwrap)
        #expect(material == f.saKey1)
        #expect(wkp.keys.map(\.id) == path)
        return wkp
    }

    @Test func registrationBuildsTheWorkingKeyPathOfFigure23() throws {
        let f = try makeFixture()
        let a = try register(f, path: [1, 3, 7])
        #expect(a.keys.map(\.key) == [f.node[1]!, f.node[3]!, f.node[7]!])
    }

    @Test func exclusionOfFMatchesAppendixA4() throws {
        let f = try makeFixture()
        var gms: [String: WorkingKeyPath] = [
            "A": try register(f, path: [1, 3, 7]), "D": try register(f, path: [1, 4, 10]),
            "E": try register(f, path: [2, 5, 11]), "F": try register(f, path: [2, 5, 12]),
            "G": try register(f, path: [2, 6, 13]), "H": try register(f, path: [2, 6, 14]),
        ]
        // Figure 26: KD(GP(SA3)(1{K_sa3},15{K_sa3}),MP(6{15},16{15},11{16}))
        let saKeys = [try entry(1, 0, f, sa: f.saKey3), try entry(15, 0, f, sa: f.saKey3)]
        let wrapKeys = [try entry(6, 15, f), try entry(16, 15, f), try entry(11, 16, f)]
        let expected: [String: [UInt32]] = ["A": [1, 3, 7], "D": [1, 4, 10], "E": [15, 16, 11], "G": [15, 6, 13], "H": [15, 6, 14]]
        for (name, path) in expected {
            let material = try gms[name]!.resolve(saKeys: saKeys, wrapKeys: wrapKeys, defaultKey: f.gskW, unwrap: unwrap)
            #expect(material == f.saKey3, "GM \(name)")
            #expect(gms[name]!.keys.map(\.id) == path, "GM \(name)")
        }
        #expect(throws: WorkingKeyPath.ResolutionError.excluded) {
            try gms["F"]!.resolve(saKeys: saKeys, wrapKeys: wrapKeys, defaultKey: f.gskW, unwrap: unwrap)
        }
        #expect(gms["F"]!.keys.map(\.id) == [2, 5, 12], "an excluded GM keeps its old path")
    }

    @Test func simpleRekeyUnderGSKwLeavesThePathAlone() throws {
        let f = try makeFixture()
        var a = try register(f, path: [1, 3, 7])
        let newSA = try random.secret(36)
        let material = try a.resolve(saKeys: [try entry(0, 0, f, sa: newSA)], wrapKeys: [], defaultKey: f.gskW, unwrap: unwrap)
        #expect(material == newSA)
        #expect(a.keys.map(\.id) == [1, 3, 7])
    }

    @Test func corruptedOrCyclicInputIsRejectedWithoutLooping() throws {
        let f = try makeFixture()
        var a = try register(f, path: [1, 3, 7])
        var corrupted = try entry(1, 0, f, sa: f.saKey3)
        corrupted = WrappedKeyEntry(keyID: 0, wrappingKeyID: 1, wrapped: corrupted.wrapped.map { $0 ^ 0x5a })
        #expect(throws: WorkingKeyPath.ResolutionError.excluded) {
            try a.resolve(saKeys: [corrupted], wrapKeys: [], defaultKey: f.gskW, unwrap: unwrap)
        }
        let cycle = [WrappedKeyEntry(keyID: 20, wrappingKeyID: 21, wrapped: [1]), WrappedKeyEntry(keyID: 21, wrappingKeyID: 20, wrapped: [2])]
        #expect(throws: WorkingKeyPath.ResolutionError.excluded) {
            try a.resolve(saKeys: [WrappedKeyEntry(keyID: 0, wrappingKeyID: 20, wrapped: [3])], wrapKeys: cycle,
                          defaultKey: f.gskW, unwrap: unwrap)
        }
        #expect(throws: WorkingKeyPath.ResolutionError.noSAKey) {
            try a.resolve(saKeys: [], wrapKeys: [], defaultKey: f.gskW, unwrap: unwrap)
        }
        #expect(a.keys.map(\.id) == [1, 3, 7])
    }
}
