import GIKEv2Wire
import WireCore

/// Collects the SKF fragments of one message until all have arrived (RFC 7383 §2.6). A fragment
/// of a set with more fragments starts over (a newer, smaller-fragment retransmission, §2.5.2);
/// one of a smaller set, or a duplicate, is ignored.
struct FragmentCollector: Sendable {
    /// Bound on Total Fragments we accept, so a peer cannot make us hold an unbounded set.
    static let maximumFragments: UInt16 = 64

    private(set) var total: UInt16 = 0
    private var pieces: [UInt16: SKProtection.OpenedFragment] = [:]

    /// Adds a verified fragment; returns the whole set once complete.
    mutating func add(_ fragment: SKProtection.OpenedFragment) -> [SKProtection.OpenedFragment]? {
        guard fragment.totalFragments <= Self.maximumFragments else { return nil }
        if fragment.totalFragments > total {
            total = fragment.totalFragments
            pieces = [:]
        }
        guard fragment.totalFragments == total, pieces[fragment.fragmentNumber] == nil else { return nil }
        pieces[fragment.fragmentNumber] = fragment
        guard pieces.count == Int(total) else { return nil }
        return pieces.values.sorted { $0.fragmentNumber < $1.fragmentNumber }
    }
}

extension IKEv2Payload {
    /// The payload as the rule checker sees it inside SK, for a reassembled message.
    var foundInside: FoundPayload {
        var critical = false
        if case .unknown(_, let bit, _) = self { critical = bit }
        return FoundPayload(type: type, encrypted: true, critical: critical, known: IKEv2PayloadType.isAssigned(type))
    }
}

/// Opening a protected response that may arrive whole (SK) or in fragments (SKF).
enum ProtectedResponse {
    /// The inner payloads once the message is complete and passes its exchange's rules; nil while
    /// fragments are missing. Throws for anything malformed or failing integrity.
    static func open(_ datagram: [UInt8], protection: some IKEv2PayloadProtection,
                     collector: inout FragmentCollector) throws -> [IKEv2Payload]? {
        let message = try IKEv2Message.parse(datagram)
        guard message.payloads.last?.type == IKEv2PayloadType.encryptedFragment else {
            let opened = try SKProtection.open(datagram, protection: protection)
            try IKEv2ExchangeRules.check(opened)
            return opened.innerPayloads
        }
        try message.checkClearRules()
        let fragment = try SKProtection.openFragment(datagram, protection: protection)
        guard let complete = collector.add(fragment) else { return nil }
        collector = FragmentCollector()
        let inner = try SKProtection.reassemble(complete)
        // The reassembled content obeys the same rules as an unfragmented message.
        try MessageFragmentation.checkReassembled(inner, header: message.header)
        return inner
    }
}
