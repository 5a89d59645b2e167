import EngineCore

extension GCKSResponder: DatagramEngine {
    /// An admission that could not be stored: its GSA_AUTH answer was dropped, but the answer also
    /// sits in the registration SA's retransmission cache, and a retransmitted request would get
    /// it, handing out keys and Sender-IDs the state file does not know (after a restart they
    /// could go to another member). So the SA goes: the member's retransmissions find no SA and
    /// it registers again from IKE_SA_INIT, which makes a new record.
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] {
        guard case .memberRegistered(let group, let member, _, _, _) = record else { return [] }
        let dropped = sessions.filter { _, session in
            if case .registered(let groups, let registered) = session.state { return registered == member && groups.contains(group) }
            return false
        }.keys.sorted()
        for spi in dropped { removeSession(spi) }
        return [.log(LogEvent(.error, "GCKS-ADMISSION-NOT-STORED",
                              "\(member) in \(group): the admission could not be stored; its registration IKE SA is dropped "
                              + "(\(dropped.count)) so that no answer carries keys the state file does not hold"))]
    }
}

extension GroupMemberInitiator: DatagramEngine {}
