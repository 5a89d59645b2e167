import GroupKeyCrypto

/// A key as it travels in a G-IKEv2 KD payload (RFC 9838 §4.5.4, Wrapped Key): the ID of the key
/// carried (0 for SA keying material) and the ID of the key that wraps it (0 for GSK_w).
public struct WrappedKeyEntry: Sendable, Equatable {
    public let keyID: UInt32
    public let wrappingKeyID: UInt32
    public let wrapped: [UInt8]

    public init(keyID: UInt32, wrappingKeyID: UInt32, wrapped: [UInt8]) {
        self.keyID = keyID
        self.wrappingKeyID = wrappingKeyID
        self.wrapped = wrapped
    }
}

/// A key a member holds, with its Key ID.
public struct HeldKey: Sendable, Equatable {
    public let id: UInt32
    public let key: SecretBytes
    public init(id: UInt32, key: SecretBytes) {
        self.id = id
        self.key = key
    }
}

/// The member side of RFC 9838 §3.3: find a Key Path from an SA_KEY to GSK_w or to a key of the
/// Working Key Path, unwrap along it, and update the Working Key Path. The member needs no
/// knowledge of the GCKS's tree; this is what lets one GCKS tree serve every GM.
public struct WorkingKeyPath: Sendable {
    /// Root-most key first, the member's own leaf last (RFC 9838 Appendix A.2: "1->3->7").
    public private(set) var keys: [HeldKey]

    public init(keys: [HeldKey] = []) { self.keys = keys }

    public enum ResolutionError: Error, Equatable, Sendable {
        /// No SA_KEY could be reached: the member has been excluded (RFC 9838 §3.3).
        case excluded
        /// The message has no SA_KEY at all.
        case noSAKey
    }

    /// Longest Key Path followed, bounding the search on hostile input (a 16-bit LKH tree with
    /// degree 2 is 16 levels deep).
    public static let maximumPathLength = 32

    /// Recovers the SA keying material and updates the Working Key Path.
    /// - Parameters:
    ///   - saKeys: the SA_KEY attributes (Key ID 0), in message order.
    ///   - wrapKeys: WRAP_KEY attributes of this message.
    ///   - defaultKey: GSK_w of the SA the message came over.
    ///   - unwrap: the negotiated key-wrap algorithm (RFC 9838 §4.4.2.1.2), throwing on a wrong key.
    public mutating func resolve(saKeys: [WrappedKeyEntry], wrapKeys: [WrappedKeyEntry], defaultKey: SecretBytes,
                                 unwrap: (_ wrapped: [UInt8], _ under: SecretBytes) throws -> SecretBytes) throws -> SecretBytes {
        guard !saKeys.isEmpty else { throw ResolutionError.noSAKey }
        for saKey in saKeys {
            guard let route = route(from: saKey.wrappingKeyID, wrapKeys: wrapKeys, visited: []) else { continue }
            // route.path: WRAP_KEY entries from the SA_KEY's wrapping key downwards.
            var kwk = route.anchor.map { keys[$0].key } ?? defaultKey
            var recovered: [HeldKey] = []
            do {
                for entry in route.path.reversed() {
                    kwk = try unwrap(entry.wrapped, kwk)
                    recovered.insert(HeldKey(id: entry.keyID, key: kwk), at: 0)
                }
                let saMaterial = try unwrap(saKey.wrapped, kwk)
                if let anchor = route.anchor {
                    keys = recovered + keys[anchor...]
                } else if !recovered.isEmpty {
                    keys = recovered  // registration: the path ends at GSK_w (RFC 9838 §3.3)
                }
                return saMaterial
            } catch {
                continue  // a wrong or corrupted key on this route; try the next SA_KEY
            }
        }
        throw ResolutionError.excluded
    }

    private struct Route {
        var path: [WrappedKeyEntry]
        /// Index into `keys` of the key that ends the path, or nil for GSK_w.
        var anchor: Int?
    }

    /// Depth-first search for keys leading from `keyID` to something held. Several WRAP_KEYs may
    /// carry the same Key ID under different KWKs (RFC 9838 Figure 26: 6{15} and 16{15}).
    private func route(from keyID: UInt32, wrapKeys: [WrappedKeyEntry], visited: Set<UInt32>) -> Route? {
        if keyID == 0 { return Route(path: [], anchor: nil) }
        if let index = keys.firstIndex(where: { $0.id == keyID }) { return Route(path: [], anchor: index) }
        guard visited.count < Self.maximumPathLength, !visited.contains(keyID) else { return nil }
        for candidate in wrapKeys where candidate.keyID == keyID {
            if var deeper = route(from: candidate.wrappingKeyID, wrapKeys: wrapKeys, visited: visited.union([keyID])) {
                deeper.path.insert(candidate, at: 0)
                return deeper
            }
        }
        return nil
    }
}
