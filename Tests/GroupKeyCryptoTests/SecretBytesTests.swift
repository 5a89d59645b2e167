import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

@Suite struct SecretBytesTests {
    @Test func neverPrintsItsContent() {
        let key = SecretBytes(Hex.decode("00112233445566778899aabbccddeeff"))
        for text in [key.description, key.debugDescription, "\(key)", String(reflecting: key)] {
            #expect(!text.contains("0011"), "\(text)")
            #expect(!text.contains("ff"), "\(text)")
            #expect(text.contains("16 octets"))
        }
    }

    @Test func equalityIsByContentAndLength() {
        let a = SecretBytes([1, 2, 3, 4]), b = SecretBytes([1, 2, 3, 4])
        #expect(a == b)
        #expect(a != SecretBytes([1, 2, 3, 5]))
        #expect(a != SecretBytes([1, 2, 3]))
        #expect(SecretBytes([UInt8]()) == SecretBytes.zeros(count: 0))
    }

    @Test func sliceAndConcatenate() {
        let a = SecretBytes([1, 2, 3, 4, 5])
        #expect(a.slice(1..<3).unsafeCopyBytes() == [2, 3])
        #expect((a.slice(0..<2) + a.slice(2..<5)) == a)
    }

    @Test func consumingInitWipesTheSourceArray() {
        var raw: [UInt8] = [9, 8, 7]
        let key = SecretBytes(consuming: &raw)
        #expect(raw.isEmpty)
        #expect(key.unsafeCopyBytes() == [9, 8, 7])
    }

    @Test func constantTimeCompareHandlesLengthsAndEmpty() {
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
        #expect(!ConstantTime.equal([UInt8](), [0]))
        #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
    }

    @Test func systemRandomGivesDistinctOutput() throws {
        let random = SystemRandom()
        let a = try random.bytes(32), b = try random.bytes(32)
        #expect(a.count == 32 && a != b)
        #expect(try random.secret(16).count == 16)
    }

    @Test func deterministicRandomReplaysQueueThenCounter() throws {
        let random = DeterministicRandom(queued: [0xaa, 0xbb], seed: 5)
        #expect(try random.bytes(4) == [0xaa, 0xbb, 5, 6])
    }
}
