/// The checks that look across all groups of all files validated together: unique names and
/// identities, references to shared declarations, and traffic selectors claimed by two groups.
struct CrossGroupCheck {
    let files: [LoadedPolicyFile]
    private var findings: [PolicyFinding] = []

    /// One group, located.
    struct GroupRef {
        var file: Int
        var index: Int
        var name: String
    }

    init(files: [LoadedPolicyFile]) {
        self.files = files
    }

    private mutating func report(_ code: FindingCode, file: Int, key: String, _ message: String) {
        let loaded = files[file]
        let location = loaded.sourceMap.location(key)
        findings.append(PolicyFinding(code, file: loaded.file, line: location.line, elementPath: location.path, message: message))
    }

    private func describe(_ file: Int, _ key: String) -> String {
        "\(files[file].file):\(files[file].sourceMap.location(key).line)"
    }

    mutating func run() -> [PolicyFinding] {
        checkDeclarations()
        checkGroupNamesAndIdentities()
        checkOverlaps()
        return findings
    }

    /// Member lists and trust anchors: unique names, and every reference resolves.
    mutating func checkDeclarations() {
        var memberLists: [String: (Int, String)] = [:]
        var trustAnchors: [String: (Int, String)] = [:]
        for (f, file) in files.enumerated() {
            for (index, list) in file.document.memberLists.enumerated() {
                let key = PolicySourceMap.Key.memberList(index)
                if let first = memberLists[list.name] {
                    report(.duplicateName, file: f, key: key, "member list \(list.name) is also declared at \(describe(first.0, first.1))")
                } else {
                    memberLists[list.name] = (f, key)
                }
            }
            for (index, anchor) in file.document.trustAnchors.enumerated() {
                let key = PolicySourceMap.Key.trustAnchor(index)
                if let first = trustAnchors[anchor.name] {
                    report(.duplicateName, file: f, key: key, "trust anchor \(anchor.name) is also declared at \(describe(first.0, first.1))")
                } else {
                    trustAnchors[anchor.name] = (f, key)
                }
            }
        }
        for (f, file) in files.enumerated() {
            for (g, group) in file.document.groups.enumerated() {
                for (index, entry) in group.authorization.enumerated() {
                    if case .memberList(let name) = entry, memberLists[name] == nil {
                        report(.danglingReference, file: f, key: "g\(g).auth\(index)",
                               "group \(group.name): member list \(name) is not declared in any validated file")
                    }
                }
                for (index, name) in group.registration.certificateTrustAnchors.enumerated() where trustAnchors[name] == nil {
                    report(.danglingReference, file: f, key: "g\(g).cert\(index)",
                           "group \(group.name): trust anchor \(name) is not declared in any validated file")
                }
            }
        }
    }

    /// Group names, GDOI numbers and IDgs must each name one group only.
    mutating func checkGroupNamesAndIdentities() {
        var names: [String: GroupRef] = [:]
        var identities: [String: GroupRef] = [:]
        for (f, file) in files.enumerated() {
            for (g, group) in file.document.groups.enumerated() {
                let here = GroupRef(file: f, index: g, name: group.name)
                if let first = names[group.name] {
                    report(.duplicateName, file: f, key: "g\(g)",
                           "group name \(group.name) is also used at \(describe(first.file, "g\(first.index)"))")
                } else {
                    names[group.name] = here
                }
                var keys: [(String, String)] = []
                if let number = group.identity.gdoiID { keys.append(("gdoi:\(number)", "GDOI group number \(number)")) }
                if let idg = group.identity.effectiveIDg { keys.append(("idg:\(idg)", "IDg \(idg)")) }
                var clashed: Set<String> = []
                for (key, label) in keys {
                    if let first = identities[key] {
                        // One report per pair of groups: a derived IDg repeats the GDOI clash.
                        if clashed.insert(first.name + "\u{0}" + String(first.file) + ":" + String(first.index)).inserted {
                            report(.duplicateGroupIdentity, file: f, key: "g\(g).identity",
                                   "group \(group.name): \(label) already names group \(first.name) at \(describe(first.file, "g\(first.index)"))")
                        }
                    } else {
                        identities[key] = here
                    }
                }
            }
        }
    }

    /// Two groups must not both claim a packet: a sweep over selectors sorted by destination
    /// start compares only selectors whose destination ranges intersect.
    mutating func checkOverlaps() {
        struct Entry {
            var group: GroupRef
            var key: String
            var selector: TrafficSelector
            var start: IPAddress
            var end: IPAddress
        }
        var entries: [Entry] = []
        for (f, file) in files.enumerated() {
            for (g, group) in file.document.groups.enumerated() {
                for (s, sa) in group.dataSecurity.enumerated() {
                    for (k, selector) in sa.selectors.enumerated() {
                        entries.append(Entry(group: GroupRef(file: f, index: g, name: group.name),
                                             key: PolicySourceMap.Key.selector(g, s, k), selector: selector,
                                             start: selector.destination.network, end: selector.destination.last))
                    }
                }
            }
        }
        // Stable order: by destination start, then by input position, so the later-declared of
        // two overlapping selectors is the one reported.
        let order = entries.indices.sorted { a, b in
            entries[a].start != entries[b].start ? entries[a].start < entries[b].start : a < b
        }
        var active: [Int] = []
        var reportedPairs: Set<String> = []
        for current in order {
            let entry = entries[current]
            active.removeAll { entries[$0].end < entry.start || entries[$0].start.isIPv4 != entry.start.isIPv4 }
            for other in active {
                let candidate = entries[other]
                let sameGroup = candidate.group.file == entry.group.file && candidate.group.index == entry.group.index
                guard !sameGroup, candidate.selector.overlaps(entry.selector) else { continue }
                let (earlier, later) = other < current ? (candidate, entry) : (entry, candidate)
                let pair = "\(earlier.group.file):\(earlier.group.index)|\(later.group.file):\(later.group.index)"
                guard reportedPairs.insert(pair).inserted else { continue }
                report(.selectorOverlap, file: later.group.file, key: later.key,
                       "group \(later.group.name): traffic selector overlaps group \(earlier.group.name)'s at \(describe(earlier.group.file, earlier.key))")
            }
            active.append(current)
        }
    }
}
