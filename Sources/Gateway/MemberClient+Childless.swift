import EngineCore
import GIKEv2
import GroupKeyCrypto
import Logging
import NIOCore
import NIOPosix

extension MemberClient {
    public enum ChildlessOutcome: Sendable {
        case established(ChildlessIKESA)
        case failed(GIKEv2Error)
    }

    /// IKE_SA_INIT plus a childless IKE_AUTH (RFC 6023) against any IKEv2 responder, with the same
    /// engine, crypto and transport as a registration (`options.groupID` and the Sender-ID request
    /// are not used). Proves our IKEv2 core against strongSwan; drives it in `bench register`.
    public static func establishChildlessIKESA(_ options: Options, random: any RandomSource = SystemRandom(),
                                               logger: Logger = Logger(label: "groupkey.member"),
                                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws(GatewayError) -> ChildlessOutcome {
        try await drive(options, mode: .childlessIKEAuth, random: random, logger: logger, group: group,
                        timedOut: .failed(.timedOut)) { member in
            if let sa = member.childlessIKESA { return .established(sa) }
            return member.failure.map { .failed($0) }
        }
    }
}
