import Dispatch

/// `map` spread over the machine's cores. Results come back in input order, so whatever is
/// built from them (a tree, file names, report order, output bytes) is the same as a serial map
/// gives. Used by the element-tree build here and by the importer's readers and checks.
public enum ParallelMap {
    /// Below this many elements the work is not worth handing to other threads.
    public static let serialBelow = 8

    /// `transform` applied to every element, at most `chunks` pieces of the work running at once
    /// (several per core, so one slow chunk does not leave a core idle at the end).
    public static func map<Element: Sendable, Mapped: Sendable>(_ elements: [Element], chunks: Int = 64,
                                                                _ transform: @escaping @Sendable (Element) -> Mapped) -> [Mapped] {
        guard elements.count >= serialBelow else { return elements.map(transform) }
        let results = Slots<Mapped>(count: elements.count)
        let chunks = min(elements.count, chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (elements.count * chunk / chunks)..<(elements.count * (chunk + 1) / chunks)
            for index in range { results.store(transform(elements[index]), at: index) }
        }
        return results.collect()
    }

    /// One slot per result. Each slot is written by exactly one iteration and read only after
    /// `concurrentPerform` has returned, which is what makes the unchecked `Sendable` sound.
    final class Slots<Value>: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<Value?>

        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }

        deinit {
            buffer.deinitialize()
            buffer.deallocate()
        }

        func store(_ value: Value, at index: Int) {
            buffer[index] = value
        }

        func collect() -> [Value] {
            buffer.map { value in
                guard let value else { preconditionFailure("ParallelMap: a slot was not filled") }
                return value
            }
        }
    }
}
