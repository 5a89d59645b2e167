import EngineCore
import Gateway
import GIKEv2
import GroupKeyCrypto
import NIOCore
import NIOPosix
import Testing

/// The engine's timers run on the event loop: a member facing a silent server retransmits
/// (RFC 7296 §2.1) and then gives up.
@Suite("Gateway timers")
struct TimerTests {
    @Test("A member retransmits IKE_SA_INIT to a silent server after the first timeout")
    func retransmitsToSilentServer() async throws {
        let (silent, stream) = try await FramingTests.rawSocket()
        let address = try #require(silent.localAddress.flatMap(EndpointAddress.init(socketAddress:)))
        var options = MemberClient.Options(server: address, groupID: MemberClient.groupIdentification("1001"),
                                           identity: MemberClient.memberIdentification("gm.example"),
                                           preSharedKey: DemoSecrets.preSharedKey, timeoutMilliseconds: 2_500)
        options.nonESPMarker = false
        let outcome = try await MemberClient.join(options, logger: LoopbackRegistrationTests.quietLogger)
        try? await silent.close()
        var received: [[UInt8]] = []
        for await datagram in stream {
            received.append(datagram)
            if received.count == 2 { break }
        }
        guard case .failed(.timedOut) = outcome else { Issue.record("expected a time-out, got \(outcome)"); return }
        // The standard schedule retransmits after 1 s, then 2 s: within 2.5 s, exactly one resend.
        #expect(received.count == 2)
        #expect(received.count == 2 && received[0] == received[1], "a retransmission is the same message (RFC 7296 §2.1)")
    }
}
