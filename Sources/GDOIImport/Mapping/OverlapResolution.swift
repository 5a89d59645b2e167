import GroupPolicy

/// Two groups may not claim the same packet (validator GP105: a member could not tell which
/// group's SA protects it). When imported groups overlap, the one met first in the exports keeps
/// its traffic and every later group that overlaps an accepted one is refused. Done here, once,
/// greedily in input order, so that refusing one broad group (10.0.0.0/8) does not also refuse
/// the narrower groups it alone overlapped.
enum OverlapResolution {
    /// For each group to refuse (index into `groups`), the index of the earlier group it
    /// overlaps. nil entries in `groups` are already refused and take no part.
    static func laterOverlapping(_ groups: [GroupDefinition?]) -> [Int: Int] {
        struct Entry {
            var group: Int
            var selector: TrafficSelector
            var start: IPAddress
            var end: IPAddress
        }
        var entries: [Entry] = []
        for (index, group) in groups.enumerated() {
            guard let group else { continue }
            for selector in group.dataSecurity.flatMap(\.selectors) {
                entries.append(Entry(group: index, selector: selector, start: selector.destination.network,
                                     end: selector.destination.last))
            }
        }
        // Sweep by destination start (as the validator does): only selectors whose destination
        // ranges intersect are compared.
        let order = entries.indices.sorted { entries[$0].start != entries[$1].start ? entries[$0].start < entries[$1].start : $0 < $1 }
        var partners: [Int: Set<Int>] = [:]  // earlier group -> later groups overlapping it
        var active: [Int] = []
        for current in order {
            let entry = entries[current]
            active.removeAll { entries[$0].end < entry.start || entries[$0].start.isIPv4 != entry.start.isIPv4 }
            for other in active where entries[other].group != entry.group && entries[other].selector.overlaps(entry.selector) {
                let (earlier, later) = (min(entries[other].group, entry.group), max(entries[other].group, entry.group))
                partners[earlier, default: []].insert(later)
            }
            active.append(current)
        }
        var refused: [Int: Int] = [:]
        for earlier in partners.keys.sorted() where refused[earlier] == nil {
            for later in partners[earlier, default: []].sorted() where refused[later] == nil {
                refused[later] = earlier
            }
        }
        return refused
    }
}
