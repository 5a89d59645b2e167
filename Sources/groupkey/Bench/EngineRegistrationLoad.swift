import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState

/// `bench register --engines`: the same registrations (IKE_SA_INIT + GSA_AUTH, the benchmark
/// group and suite) between one `GCKSResponder` and one member engine after another, handing the
/// datagrams across in memory on one thread. No sockets and no event loops, so it measures what
/// the engines themselves cost, each side timed separately with the thread's CPU clock
/// (CLOCK_THREAD_CPUTIME_ID): the GCKS figure is what one core spends per registration, the
/// quantity that bounds a GCKS's rate whatever drives it.
struct EngineRegistrationLoad {
    let members: Int

    struct Result {
        /// Thread CPU time per registration, in seconds, inside the GCKS's and the members' handle/start calls.
        var gcks: Double
        var member: Double
        /// Registrations per second of the whole loop on one thread (both sides).
        var loopRate: Double
        var datagramsPerRegistration: Double
    }

    enum Failure: Error, CustomStringConvertible {
        case member(Int, String)
        var description: String {
            switch self {
            case .member(let index, let reason): return "member \(index): \(reason)"
            }
        }
    }

    func run() throws -> Result {
        let (directory, psk) = try RegistrationLoad.benchGroup()
        let server = EndpointAddress.ipv4(127, 0, 0, 1, port: 848)
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: server, identity: GatewayServer.defaultIdentity),
                                     directory: directory, random: SystemRandom())
        // Warm-up: one-time costs (lazily built OpenSSL objects, first allocations) left out.
        var untimed = Timings()
        for index in 0..<min(32, members) { try register(index, prefix: "warmup", gcks: &gcks, server: server, psk: psk, timings: &untimed) }
        var timings = Timings()
        let wallStart = ContinuousClock.now
        for index in 0..<members { try register(index, prefix: "gm", gcks: &gcks, server: server, psk: psk, timings: &timings) }
        let wall = (ContinuousClock.now - wallStart).seconds
        let count = Double(members)
        return Result(gcks: timings.gcks / count, member: timings.member / count, loopRate: count / max(wall, 1e-9),
                      datagramsPerRegistration: Double(timings.datagrams) / count)
    }

    struct Timings {
        var gcks = 0.0
        var member = 0.0
        var datagrams = 0
    }

    /// One member from start to holdings, every datagram handed straight to the other engine.
    private func register(_ index: Int, prefix: String, gcks: inout GCKSResponder, server: EndpointAddress,
                          psk: SecretBytes, timings: inout Timings) throws {
        let local = EndpointAddress.ipv4(127, 0, UInt8(1 + index / 60_000), 1, port: UInt16(1_024 + index % 60_000))
        let configuration = GroupMemberConfiguration(
            server: server, localEndpoint: local, groupID: MemberClient.groupIdentification("4343"),
            identity: MemberClient.memberIdentification("\(prefix)-\(index).bench.example"),
            preSharedKey: psk, proposals: [RegistrationLoad.proposal], senderIDsRequested: nil)
        let now = EngineTime(date: Date())
        var member = try GroupMemberInitiator(configuration: configuration, random: SystemRandom())
        var start = ThreadCPUClock.now()
        var toServer = Self.datagrams(member.start(now: now))
        timings.member += ThreadCPUClock.now() - start
        while !toServer.isEmpty {
            var toMember: [[UInt8]] = []
            for datagram in toServer {
                timings.datagrams += 1
                start = ThreadCPUClock.now()
                let actions = gcks.handle(datagram: datagram, from: local, now: now)
                timings.gcks += ThreadCPUClock.now() - start
                toMember += Self.datagrams(actions)
            }
            toServer = []
            for datagram in toMember {
                timings.datagrams += 1
                start = ThreadCPUClock.now()
                let actions = member.handle(datagram: datagram, from: server, now: now)
                timings.member += ThreadCPUClock.now() - start
                toServer += Self.datagrams(actions)
            }
        }
        guard member.holdings != nil else {
            throw Failure.member(index, member.failure.map { "\($0)" } ?? "no holdings and nothing left to send")
        }
    }

    private static func datagrams(_ actions: [Action]) -> [[UInt8]] {
        actions.compactMap { action in
            if case .send(let datagram, _) = action { return datagram }
            return nil
        }
    }
}

/// The calling thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID): unlike wall time it
/// leaves out whatever else the machine's cores were doing.
enum ThreadCPUClock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
