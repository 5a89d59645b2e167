import GroupKeyCrypto

/// The key server's record of acknowledgements of unicast pushes (RFC 8263 §4): which members
/// acknowledged which push, and how many pushes in a row each member has missed, so the key
/// server engine can remove a member after the configured number.
public struct GroupKeyPushAckLedger: Sendable {
    /// Member address (as in its ACK's ID payload) → consecutive missed pushes.
    public private(set) var missed: [[UInt8]: Int] = [:]
    private var outstanding: [UInt32: Set<[UInt8]>] = [:]
    public private(set) var acknowledged = 0
    public private(set) var rejected = 0

    public init() {}

    /// A push with `sequence` went to these member addresses.
    public mutating func sent(sequence: UInt32, to members: [[UInt8]]) {
        outstanding[sequence, default: []].formUnion(members)
        for member in members where missed[member] == nil { missed[member] = 0 }
    }

    /// Takes an acknowledgement; bad ones are counted and change nothing.
    @discardableResult
    public mutating func receive(_ datagram: [UInt8], type: GroupKeyPushAck.AckType, baseKey: SecretBytes) -> Result<GroupKeyPushAck.Verified, GroupKeyError> {
        receive(datagram, type: type, baseKey: baseKey, from: nil)
    }

    /// Takes an acknowledgement and credits it to `member` rather than to the address in its ID
    /// payload: members behind one address (a NAT, or several on one host) are told apart by the
    /// key server's own record of where each one's pushes go.
    @discardableResult
    public mutating func receive(_ datagram: [UInt8], type: GroupKeyPushAck.AckType, baseKey: SecretBytes,
                                 from member: [UInt8]?) -> Result<GroupKeyPushAck.Verified, GroupKeyError> {
        do {
            let ack = try GroupKeyPushAck.verify(datagram, type: type, baseKey: baseKey)
            let key = member ?? ack.memberAddress
            guard outstanding[ack.sequence]?.remove(key) != nil else {
                rejected += 1
                return .failure(.unexpected("no push \(ack.sequence) outstanding for that member"))
            }
            acknowledged += 1
            missed[key] = 0
            return .success(ack)
        } catch let error as GroupKeyError {
            rejected += 1
            return .failure(error)
        } catch {
            rejected += 1
            return .failure(.malformed("\(error)"))
        }
    }

    /// Closes the wait for push `sequence`: every member that did not acknowledge it has missed one
    /// more. Returns the members that have now missed at least `limit` in a row.
    public mutating func close(sequence: UInt32, removeAfter limit: Int) -> [[UInt8]] {
        for member in outstanding.removeValue(forKey: sequence) ?? [] { missed[member, default: 0] += 1 }
        return missed.filter { $0.value >= limit }.map(\.key).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Members that have not acknowledged push `sequence` yet.
    public func awaiting(sequence: UInt32) -> Set<[UInt8]> { outstanding[sequence] ?? [] }

    /// Forgets a member (after removal).
    public mutating func remove(_ member: [UInt8]) {
        missed[member] = nil
        for key in outstanding.keys { outstanding[key]?.remove(member) }
    }
}
