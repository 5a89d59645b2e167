/// Turns a finished element table into `XMLElementNode` values. The table is only read, so the
/// children of a wide element (an export's thousands of groups or access lists) are built on all
/// cores; each lands in its own slot, so the tree is the same as a serial build gives.
struct ElementTreeAssembly: Sendable {
    let records: [ElementTable.Record]
    let strings: [String]

    /// Elements with at least this many children build them in parallel.
    static let parallelFrom = 64

    func root() -> XMLElementNode {
        guard !records.isEmpty else { return XMLElementNode(name: "") }
        return element(0, parentPath: "", step: nil, index: 0)
    }

    /// One child to build: its record, its path step and its index among same-named siblings.
    struct ChildJob: Sendable {
        var record: Int32
        var step: String
        var index: Int
    }

    /// Builds record `index`; `step`/`index` as in `XMLElementNode`'s path, nil step for the root.
    /// Children are walked through the sibling links rather than gathered into arrays first.
    func element(_ index: Int32, parentPath: String, step: String?, index stepIndex: Int) -> XMLElementNode {
        let record = records[Int(index)]
        let name = strings[Int(record.name)]
        var count = 0
        var child = record.firstChild
        while child >= 0 {
            count += 1
            child = records[Int(child)].nextSibling
        }
        let path: String
        if let step {
            // Only parents need their own path built; a leaf's is joined when asked for.
            path = count == 0 ? "" : XMLElementNode.Storage.join(parentPath, step, stepIndex)
        } else {
            path = "/" + name
        }
        let children = count >= Self.parallelFrom
            ? buildInParallel(wideChildren(of: record, count: count), parentPath: path)
            : narrowChildren(of: record, count: count, parentPath: path)
        let namespaceURI = record.namespace >= 0 ? strings[Int(record.namespace)] : nil
        let text = LibXML2Tree.isBlank(record.text) ? "" : record.text
        guard let step else {
            return XMLElementNode(name: name, namespaceURI: namespaceURI, attributes: record.attributes, children: children,
                                  text: text, line: record.line, path: path)
        }
        return XMLElementNode(name: name, namespaceURI: namespaceURI, attributes: record.attributes, children: children,
                              text: text, line: record.line, parentPath: parentPath, step: step, index: stepIndex)
    }

    /// Few children: count same-named siblings in place and build each child directly.
    private func narrowChildren(of record: ElementTable.Record, count: Int, parentPath: String) -> [XMLElementNode] {
        var children: [XMLElementNode] = []
        children.reserveCapacity(count)
        var child = record.firstChild
        while child >= 0 {
            let id = records[Int(child)].name
            let (total, position) = sameNamed(from: record.firstChild, upTo: child, name: id)
            children.append(element(child, parentPath: parentPath, step: strings[Int(id)], index: total > 1 ? position : 0))
            child = records[Int(child)].nextSibling
        }
        return children
    }

    /// Many children: tally names once, then list what each child needs.
    private func wideChildren(of record: ElementTable.Record, count: Int) -> [ChildJob] {
        var totals: [Int32: Int] = [:]
        var child = record.firstChild
        while child >= 0 {
            totals[records[Int(child)].name, default: 0] += 1
            child = records[Int(child)].nextSibling
        }
        var seen: [Int32: Int] = [:]
        var jobs: [ChildJob] = []
        jobs.reserveCapacity(count)
        child = record.firstChild
        while child >= 0 {
            let id = records[Int(child)].name
            seen[id, default: 0] += 1
            let index = (totals[id] ?? 1) > 1 ? (seen[id] ?? 1) : 0
            jobs.append(ChildJob(record: child, step: strings[Int(id)], index: index))
            child = records[Int(child)].nextSibling
        }
        return jobs
    }

    private func buildInParallel(_ jobs: [ChildJob], parentPath: String) -> [XMLElementNode] {
        ParallelMap.map(jobs, chunks: 32) { job in
            element(job.record, parentPath: parentPath, step: job.step, index: job.index)
        }
    }

    /// Among the siblings starting at `first`: how many are called `name`, and how many of those
    /// come no later than `target` (records are numbered in document order).
    private func sameNamed(from first: Int32, upTo target: Int32, name: Int32) -> (total: Int, position: Int) {
        var total = 0, position = 0
        var sibling = first
        while sibling >= 0 {
            if records[Int(sibling)].name == name {
                total += 1
                if sibling <= target { position = total }
            }
            sibling = records[Int(sibling)].nextSibling
        }
        return (total, position)
    }
}
