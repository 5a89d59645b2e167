import Testing
import XMLSupport

/// `ParallelMap` gives what a serial `map` gives, in input order, whatever order its chunks
/// finish in and however many chunks it is allowed.
@Suite struct ParallelMapTests {
    /// Uneven work, so chunks finish out of order.
    static func unevenWork(_ value: Int) -> String {
        var total = 0
        for step in 0..<(value % 7) * 500 { total &+= step }
        return "\(value)-\(total & 1)"
    }

    @Test(arguments: [1, 32, 64, 5_000])
    func keepsInputOrder(chunks: Int) {
        let numbers = Array(0..<2_000)
        #expect(ParallelMap.map(numbers, chunks: chunks) { Self.unevenWork($0) } == numbers.map(Self.unevenWork))
    }

    @Test func shortAndEmptyInputs() {
        #expect(ParallelMap.map([Int]()) { $0 }.isEmpty)
        let few = Array(0..<ParallelMap.serialBelow - 1)
        #expect(ParallelMap.map(few) { $0 * 2 } == few.map { $0 * 2 })
    }
}
