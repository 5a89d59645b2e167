import GroupKeyTestSupport
import GroupKeyTypes
import Testing
@testable import GroupKeyCrypto

/// Peer public values that must be refused, one family at a time.
@Suite struct KeyExchangeValidationTests {
    private func expectRejected(_ key: KeyExchangePrivateKey, _ value: [UInt8], _ comment: Comment) {
        do {
            _ = try key.sharedSecret(peerPublicValue: value)
            Issue.record("accepted: \(comment)")
        } catch let error as CryptoError {
            #expect(error.code == "CRYPTO-PUBLIC-VALUE", comment)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(arguments: [KeyExchangeMethodID.modp1024, .modp1536, .modp2048])
    func modpRefusesDegenerateValues(id: KeyExchangeMethodID) throws {
        let m = try KeyExchangeMethod(id)
        let key = try m.generate()
        let p = try #require(ModularExponentialGroups.prime(for: id))
        let width = p.count
        func integer(_ v: UInt8) -> [UInt8] { [UInt8](repeating: 0, count: width - 1) + [v] }
        var pMinusOne = p
        pMinusOne[width - 1] -= 1
        var pPlusOne = p
        pPlusOne[width - 1] = 0x00  // p ends in 0xff; p + 1 ends in 0x00 with a carry
        pPlusOne[width - 2] = 0x00
        expectRejected(key, integer(0), "y = 0")
        expectRejected(key, integer(1), "y = 1")
        expectRejected(key, pMinusOne, "y = p-1")
        expectRejected(key, p, "y = p")
        expectRejected(key, [UInt8](repeating: 0xff, count: width), "y = 2^n - 1 > p")
        expectRejected(key, Array(key.publicValue.dropFirst()), "one octet short")
        expectRejected(key, key.publicValue + [0], "one octet long")
        // 2 is the generator: a legal value, accepted.
        #expect(throws: Never.self) { _ = try key.sharedSecret(peerPublicValue: integer(2)) }
    }

    @Test(arguments: [KeyExchangeMethodID.ecp256, .ecp384, .ecp521])
    func ecpRefusesPointsOffTheCurve(id: KeyExchangeMethodID) throws {
        let m = try KeyExchangeMethod(id)
        let key = try m.generate()
        let peer = try m.generate().publicValue
        var offCurve = peer
        offCurve[offCurve.count - 1] ^= 0x01  // change y: (x, y') is not on the curve
        expectRejected(key, offCurve, "y changed")
        expectRejected(key, [UInt8](repeating: 0, count: m.publicValueLength), "point at infinity / zeros")
        expectRejected(key, [UInt8](repeating: 0xff, count: m.publicValueLength), "coordinates >= p")
        expectRejected(key, Array(peer.dropLast()), "short")
        expectRejected(key, [0x04] + peer, "with 0x04 prefix")
        #expect(throws: Never.self) { _ = try key.sharedSecret(peerPublicValue: peer) }
    }

    @Test func montgomeryAcceptsNonCanonicalValues() throws {
        // RFC 8031 §3.2: mask the top bit of an X25519 value; accept u >= p. Both of these name the
        // base point (9 for X25519, 5 for X448), so they must give the same secret as the base point.
        let x25519 = try KeyExchangeMethod(.curve25519).generate()
        var nine = [UInt8](repeating: 0, count: 32)
        nine[0] = 9
        let expected = try x25519.sharedSecret(peerPublicValue: nine)
        var topBitSet = nine
        topBitSet[31] = 0x80
        let pPlusNine = [0xf6] + [UInt8](repeating: 0xff, count: 30) + [0x7f]  // 2^255 - 10 = p + 9
        #expect(try x25519.sharedSecret(peerPublicValue: topBitSet) == expected)
        #expect(try x25519.sharedSecret(peerPublicValue: pPlusNine) == expected)

        let x448 = try KeyExchangeMethod(.curve448).generate()
        var five = [UInt8](repeating: 0, count: 56)
        five[0] = 5
        // p + 5 = 2^448 - 2^224 + 4, little-endian.
        let pPlusFive = [0x04] + [UInt8](repeating: 0, count: 27) + [UInt8](repeating: 0xff, count: 28)
        #expect(try x448.sharedSecret(peerPublicValue: pPlusFive) == x448.sharedSecret(peerPublicValue: five))
    }

    @Test func montgomeryRefusesLowOrderPoints() throws {
        // u = 0 and u = 1 have small order on both curves: the output is all zero (RFC 7748 §6).
        for id in [KeyExchangeMethodID.curve25519, .curve448] {
            let m = try KeyExchangeMethod(id)
            let key = try m.generate()
            var one = [UInt8](repeating: 0, count: m.publicValueLength)
            one[0] = 1
            expectRejected(key, [UInt8](repeating: 0, count: m.publicValueLength), "\(id) u = 0")
            expectRejected(key, one, "\(id) u = 1")
            expectRejected(key, [UInt8](repeating: 9, count: m.publicValueLength - 1), "\(id) short")
        }
        // A point of order 8 on Curve25519 (from the list of low-order points, e.g. libsodium's
        // blacklist): also all zero after clamping.
        let order8 = Hex.decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
        expectRejected(try KeyExchangeMethod(.curve25519).generate(), order8, "order-8 point")
    }
}
