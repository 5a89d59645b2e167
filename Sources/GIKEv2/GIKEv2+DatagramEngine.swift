import EngineCore

extension GCKSResponder: DatagramEngine {
    /// A record the state file could not take; the transport dropped the sends that waited for it.
    /// What would still carry its content goes too:
    /// - an admission: its GSA_AUTH answer also sits in the registration SA's retransmission cache,
    ///   and a retransmitted request would get it, handing out keys and Sender-IDs the state file
    ///   does not know (after a restart they could go to another member). The SA goes, with any
    ///   in-band rekeys queued on it: the member's retransmissions find no SA and it registers
    ///   again from IKE_SA_INIT, which makes a new record.
    /// - a key change (a rekey): its multicast repeats and in-band retransmissions would carry the
    ///   new keys later. They stop; the group's members keep their keys until the next rekey or
    ///   registration, and the error says the key state in memory is ahead of the file.
    public mutating func recordNotPersisted(_ record: PersistRecord, now: EngineTime) -> [Action] {
        switch record {
        case .memberRegistered(let group, let member, _, _, _):
            let dropped = sessions.filter { _, session in
                if case .registered(let groups, let registered) = session.state { return registered == member && groups.contains(group) }
                return false
            }.keys.sorted()
            for spi in dropped {
                removeSession(spi)
                inbandRekeys[spi] = nil
            }
            return [.log(LogEvent(.error, "GCKS-ADMISSION-NOT-STORED",
                                  "\(member) in \(group): the admission could not be stored; its registration IKE SA is dropped "
                                  + "(\(dropped.count)) so that no answer carries keys the state file does not hold"))]
        case .groupKeysChanged(let group, let reason):
            let repeats = rekeyRepeats.count
            rekeyRepeats.removeAll { $0.group == group }
            let queues = inbandRekeys.filter { $0.value.group == group }.keys
            for spi in queues { inbandRekeys[spi] = nil }
            return [.log(LogEvent(.error, "GCKS-REKEY-NOT-STORED",
                                  "group \(group): the \(reason) rekey could not be stored; its repeats (\(repeats - rekeyRepeats.count)) "
                                  + "and in-band retransmissions (\(queues.count)) are stopped. The keys in memory are ahead of the "
                                  + "state file: restart the server once the file can be written"))]
        case .senderIDCounter, .counterReserved:
            return []
        }
    }
}

extension GroupMemberInitiator: DatagramEngine {}
