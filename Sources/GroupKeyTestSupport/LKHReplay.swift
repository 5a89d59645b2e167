import LKH

/// An independent replay of an LKH rekey, for tests: it checks the plans the tree makes without
/// using the tree's own reasoning.
public enum LKHReplay {
    /// The serials someone holding the `known` ones can recover from `wraps`, by repeatedly
    /// decrypting any wrap whose wrapping key they hold. Works on serials, which is what
    /// decryptability depends on.
    public static func reachable(from known: Set<UInt32>, wraps: [LKHWrap]) -> Set<UInt32> {
        var holding = known
        var changed = true
        while changed {
            changed = false
            for wrap in wraps where holding.contains(wrap.wrappingKey.serial) && !holding.contains(wrap.key.serial) {
                holding.insert(wrap.key.serial)
                changed = true
            }
        }
        return holding
    }
}
