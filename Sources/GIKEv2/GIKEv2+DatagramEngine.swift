import EngineCore

extension GCKSResponder: DatagramEngine {}
extension GroupMemberInitiator: DatagramEngine {}
