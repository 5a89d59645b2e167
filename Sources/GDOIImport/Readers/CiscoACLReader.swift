import GroupPolicy
import XMLSupport

/// One Cisco access list, read once and looked up by name (gdoi-xml-exports.md §a "Match ACL":
/// native/ip/access-list/{extended|standard}, Cisco-IOS-XE-acl.yang).
struct CiscoAccessList {
    var name: String
    var location: SourceLocation
    var extended: Bool
    var selectors: [LegacySelector] = []
    /// Lines that could not become selectors (object groups, non-contiguous wildcards, junk).
    var problems: [ReportItem] = []
}

enum CiscoACLReader {
    /// Reads every extended and standard ACL under `native/ip/access-list`.
    /// Lists are independent of each other, so they are read in parallel; a later list of the
    /// same name replaces an earlier one, as the device's last definition would.
    static func read(_ native: XMLElementNode, _ context: ReaderContext) -> [String: CiscoAccessList] {
        var lists: [String: CiscoAccessList] = [:]
        guard let accessLists = native.descend("ip", "access-list") else { return lists }
        for list in ParallelMap.map(accessLists.children, { readList($0, context) }) {
            guard let list else { continue }
            lists[list.name] = list
        }
        return lists
    }

    static func readList(_ element: XMLElementNode, _ context: ReaderContext) -> CiscoAccessList? {
        let extended: Bool
        switch element.name {
        case "extended": extended = true
        case "standard": extended = false
        default: return nil
        }
        guard let name = element.value("name") else { return nil }
        var list = CiscoAccessList(name: name, location: context.location(element), extended: extended)
        for rule in element.children(named: "access-list-seq-rule") {
            if extended {
                readExtended(rule, into: &list, context)
            } else {
                readStandard(rule, into: &list, context)
            }
        }
        return list
    }

    /// `ace-rule`: action, protocol, source, source ports, destination, destination ports.
    static func readExtended(_ rule: XMLElementNode, into list: inout CiscoAccessList, _ context: ReaderContext) {
        guard let ace = rule.child(named: "ace-rule") else { return }  // a remark-only line
        var where_: String { "ACL \(list.name) sequence \(rule.value("sequence") ?? "?")" }  // for messages only
        guard let action = ace.value("action"), action == "permit" || action == "deny" else {
            list.problems.append(context.item(.invalidValue, .refused, ace, "\(where_): action is neither permit nor deny; line skipped"))
            return
        }
        let protocolToken = ace.value("protocol") ?? "ip"
        if protocolToken == "object-group" || ace.has("object-group") || ace.has("dst-object-group") {
            list.problems.append(context.item(.selectorNotExpressible, .decision, ace,
                                              "\(where_): object groups are not in the export; expand the group into plain entries"))
            return
        }
        guard let protocolNumber = NamedPortsAndProtocols.protocolNumber(protocolToken) else {
            list.problems.append(context.item(.invalidValue, .refused, ace, "\(where_): protocol \"\(protocolToken)\" is unknown; line skipped"))
            return
        }
        do throws(SelectorProblem) {
            let source = try prefix(ace, address: "ipv4-address", mask: "mask", any: "any", hosts: ["host-address", "host"])
            let destination = try prefix(ace, address: "dest-ipv4-address", mask: "dest-mask", any: "dst-any",
                                         hosts: ["dst-host-address", "dst-host"])
            let sourcePorts = try ports(ace, prefix: "src")
            let destinationPorts = try ports(ace, prefix: "dst")
            if (sourcePorts != [.any] || destinationPorts != [.any]) && protocolNumber != 6 && protocolNumber != 17 {
                throw SelectorProblem("ports are given for protocol \(protocolToken), which has none")
            }
            list.selectors.append(LegacySelector(permit: action == "permit", ipProtocol: protocolNumber, source: source,
                                                 destination: destination, sourcePorts: sourcePorts,
                                                 destinationPorts: destinationPorts, location: context.location(ace)))
        } catch {
            list.problems.append(context.item(.selectorNotExpressible, .decision, ace, "\(where_): \(error.reason); line skipped"))
        }
    }

    /// `{permit|deny}/std-ace/{ipv4-address-prefix + mask | any | host-address}`: a source only.
    static func readStandard(_ rule: XMLElementNode, into list: inout CiscoAccessList, _ context: ReaderContext) {
        var where_: String { "ACL \(list.name) sequence \(rule.value("sequence") ?? "?")" }  // for messages only
        for action in ["permit", "deny"] {
            guard let ace = rule.descend(action, "std-ace") else { continue }
            do throws(SelectorProblem) {
                let source = try prefix(ace, address: "ipv4-address-prefix", mask: "mask", any: "any",
                                        hosts: ["host-address", "host"])
                guard let anyDestination = IPPrefix("0.0.0.0/0") else { return }
                list.selectors.append(LegacySelector(permit: action == "permit", ipProtocol: nil, source: source,
                                                     destination: anyDestination, location: context.location(ace)))
            } catch {
                list.problems.append(context.item(.selectorNotExpressible, .decision, ace, "\(where_): \(error.reason); line skipped"))
            }
        }
    }

    struct SelectorProblem: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func prefix(_ ace: XMLElementNode, address: String, mask: String, any: String,
                       hosts: [String]) throws(SelectorProblem) -> IPPrefix {
        if ace.has(any) {
            guard let all = IPPrefix("0.0.0.0/0") else { throw SelectorProblem("internal: no 0.0.0.0/0") }
            return all
        }
        for host in hosts {
            if let text = ace.value(host) {
                guard let parsed = IPAddress(text), parsed.isIPv4, let result = IPPrefix(network: parsed, length: 32) else {
                    throw SelectorProblem("host \"\(text)\" is not an IPv4 address")
                }
                return result
            }
        }
        guard let text = ace.value(address) else { throw SelectorProblem("no \(address), \(any) or host") }
        guard let parsed = IPAddress(text), parsed.isIPv4 else { throw SelectorProblem("\"\(text)\" is not an IPv4 address") }
        let wildcardText = ace.value(mask) ?? "0.0.0.0"
        guard let length = prefixLength(wildcard: wildcardText) else {
            throw SelectorProblem("wildcard mask \(wildcardText) is not contiguous, so no prefix expresses it")
        }
        guard let result = IPPrefix(network: parsed, length: length) else { throw SelectorProblem("bad prefix") }
        return result
    }

    /// A Cisco wildcard (inverse) mask is a prefix when its set bits are all at the bottom:
    /// 0.0.0.255 is /24; 0.0.255.0 matches no prefix.
    static func prefixLength(wildcard text: String) -> Int? {
        guard let address = IPAddress(text), address.isIPv4 else { return nil }
        let value = address.octets.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        let inverse = ~value
        let length = inverse.nonzeroBitCount
        let expected: UInt32 = length == 0 ? 0 : UInt32.max << (32 - length)
        return inverse == expected ? length : nil
    }

    /// Whether `name` is one of the port leaves `ports` reads for `side` (`src` or `dst`).
    static func isPortLeaf(_ name: String, side: String) -> Bool {
        guard name.hasPrefix(side), name.utf8.dropFirst(side.utf8.count).first == UInt8(ascii: "-") else { return false }
        let operation = name.utf8.dropFirst(side.utf8.count + 1)
        return portOperations.contains { operation.starts(with: $0.utf8) }
    }

    static let portOperations = ["eq", "gt", "lt", "neq", "range1"]

    /// The `{src|dst}-{eq[-portN]|gt|lt|neq[-portN]|range1+range2}` leaves of one side, as
    /// inclusive ranges (one per port for `eq p1 p2 …`, two for `neq p`).
    static func ports(_ ace: XMLElementNode, prefix side: String) throws(SelectorProblem) -> [PortRange] {
        // Most lines have no port operator on a side: one pass over the leaves settles that
        // before the 22 possible leaf names below are looked up one by one.
        guard ace.children.contains(where: { isPortLeaf($0.name, side: side) }) else { return [.any] }
        func port(_ name: String) throws(SelectorProblem) -> UInt16? {
            guard let text = ace.value(name) else { return nil }
            guard let value = NamedPortsAndProtocols.port(text) else { throw SelectorProblem("port \"\(text)\" is unknown") }
            return value
        }
        func list(_ base: String) throws(SelectorProblem) -> [UInt16] {
            var values: [UInt16] = []
            if let first = try port("\(side)-\(base)") { values.append(first) }
            for index in 2...10 {
                if let more = try port("\(side)-\(base)-port\(index)") { values.append(more) }
            }
            return values
        }
        let equal = try list("eq")
        if !equal.isEmpty { return equal.sorted().map { PortRange(lower: $0, upper: $0) } }
        if let above = try port("\(side)-gt") {
            guard above < 65535 else { throw SelectorProblem("\(side) gt 65535 matches no port") }
            return [PortRange(lower: above + 1, upper: 65535)]
        }
        if let below = try port("\(side)-lt") {
            guard below > 0 else { throw SelectorProblem("\(side) lt 0 matches no port") }
            return [PortRange(lower: 0, upper: below - 1)]
        }
        let excluded = try list("neq").sorted()
        if !excluded.isEmpty {
            // The complement of the excluded ports, as ranges.
            var ranges: [PortRange] = []
            var next: UInt32 = 0
            for value in excluded {
                if UInt32(value) > next { ranges.append(PortRange(lower: UInt16(next), upper: value - 1)) }
                next = UInt32(value) + 1
            }
            if next <= 65535 { ranges.append(PortRange(lower: UInt16(next), upper: 65535)) }
            return ranges
        }
        if let low = try port("\(side)-range1") {
            guard let high = try port("\(side)-range2"), low <= high else {
                throw SelectorProblem("\(side) range has no valid upper bound")
            }
            return [PortRange(lower: low, upper: high)]
        }
        return [.any]
    }
}
