import ArgumentParser
import Dispatch
import EngineCore
import Foundation
import Gateway
import GDOI
import GIKEv2
import GroupPolicy
import GroupKeyCrypto
import Logging

/// `groupkey bench mixed`: the demo group served to both protocols by an in-process server on
/// 127.0.0.1. Times GDOI registrations (Main Mode + GROUPKEY-PULL), registrations of a 50/50
/// GDOI and G-IKEv2 population, and how long one operator rekey takes to reach every member of a
/// large group with unicast rekeys (GROUPKEY-PUSH to each GDOI member, GSA_INBAND_REKEY to each
/// G-IKEv2 member), counted when each member's engine has taken it in.
struct BenchMixedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixed",
        abstract: "Time GDOI and mixed GDOI/G-IKEv2 registrations and a unicast rekey reaching many members (loopback, one process)."
    )

    @Option(help: "Members registered in each registration run.")
    var members: Int = 500

    @Option(help: "Registrations in flight at once.")
    var concurrency: Int = 32

    @Option(help: "Members following the group when the rekey is timed (0: skip).")
    var rekeyMembers: Int = 10_000

    @Option(help: "Population of the rekey run: gdoi, or mixed (half G-IKEv2).")
    var rekeyPopulation: String = "mixed"

    func validate() throws {
        guard (1...50_000).contains(members) else { throw ValidationError("--members must be 1...50000") }
        guard (1...1_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1000") }
        guard (0...16_000).contains(rekeyMembers) else { throw ValidationError("--rekey-members must be 0...16000") }
        guard ["gdoi", "mixed"].contains(rekeyPopulation) else { throw ValidationError("--rekey-population is gdoi or mixed") }
    }

    func run() async throws {
        let gdoi = try await MixedLoad.registrations(members: members, gikev2Share: 0, concurrency: concurrency)
        print(String(format: "GDOI registrations (Main Mode + GROUPKEY-PULL, PSK, MODP-2048) N=%d C=%d: %.1f/s", members, concurrency, gdoi))
        let mixed = try await MixedLoad.registrations(members: members, gikev2Share: 2, concurrency: concurrency)
        print(String(format: "mixed registrations, 50%% GDOI + 50%% G-IKEv2 (GSA_AUTH, PSK, MODP-2048) N=%d C=%d: %.1f/s", members, concurrency, mixed))
        guard rekeyMembers > 0 else { return }
        let reach = try await MixedLoad.rekeyReach(members: rekeyMembers, mixed: rekeyPopulation == "mixed", concurrency: concurrency)
        print(String(format: "unicast rekey reaching %d followers (%@): %.0f ms from the operator request to the last member's engine "
                     + "(%d members registered in %.1f s)", rekeyMembers, rekeyPopulation == "mixed" ? "50% GDOI, 50% G-IKEv2" : "GDOI",
                     reach.milliseconds, rekeyMembers, reach.registrationSeconds))
        print("one process on loopback: the key server, the members' engines and sockets share the machine's cores")
    }
}

/// The runs of `bench mixed`.
enum MixedLoad {
    static var quietLogger: Logger {
        var logger = Logger(label: "groupkey.bench")
        logger.logLevel = .critical
        return logger
    }

    /// The demo group with room for `capacity` members; unicast rekeys when `unicast`.
    static func server(capacity: Int, unicast: Bool) async throws -> GatewayServer {
        var text = DemoPolicyText.xml.replacingOccurrences(of: #"<timing activation-delay="0" deactivation-delay="30"/>"#,
                                                           with: #"<timing activation-delay="0" deactivation-delay="30"/><lkh degree="4" max-members="\#(capacity)"/>"#)
        if unicast {
            text = text.replacingOccurrences(of: #"<rekey transport="multicast" destination="239.192.0.1" port="848">"#,
                                             with: #"<rekey transport="unicast">"#)
                .replacingOccurrences(of: #"<retransmit count="2" interval="10"/>"#, with: #"<retransmit count="1" interval="60"/>"#)
        }
        let pem = Array(DemoSecrets.rekeySigningKeyPEM.utf8)
        let secrets = try SecretsFile.parse("demo-psk = groupkey-demo-psk\ndemo-rekey-signing-key = file:k\n", file: "secrets") { _ throws(GatewayError) in pem }
        let directory = try GroupCatalog.load(policies: [PolicyValidator.Input(name: "bench.xml", bytes: Array(text.utf8))], secrets: secrets,
                                              environment: [:], random: SystemRandom(), nowMilliseconds: EngineTime(date: Date()).milliseconds)
        let configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")], logger: quietLogger,
                                                        registrationSALifetimeMilliseconds: 3_600_000)
        return try await GatewayServer.start(configuration: configuration, directory: directory)
    }

    static func gdoiOptions(_ server: GatewayServer, _ name: String) -> GDOIMemberClient.Options {
        GDOIMemberClient.Options(server: server.boundAddresses[0], group: 1001, identity: GDOIMemberClient.memberIdentification(name),
                                 preSharedKey: DemoSecrets.preSharedKey, timeoutMilliseconds: 120_000)
    }

    static func ikeOptions(_ server: GatewayServer, _ name: String) -> MemberClient.Options {
        MemberClient.Options(server: server.boundAddresses[0], groupID: MemberClient.groupIdentification("1001"),
                             identity: MemberClient.memberIdentification(name), preSharedKey: DemoSecrets.preSharedKey,
                             timeoutMilliseconds: 120_000)
    }

    /// Registrations per second; every `gikev2Share`-th member (0: none) registers with G-IKEv2.
    static func registrations(members: Int, gikev2Share: Int, concurrency: Int) async throws -> Double {
        let server = try await server(capacity: max(16, members), unicast: false)
        let next = MixedBenchCounter(), failures = MixedBenchCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = next.increment()
                        guard index < members else { return }
                        if gikev2Share > 0 && index % gikev2Share == 0 {
                            let outcome = try? await MemberClient.join(ikeOptions(server, "bench-ike-\(index)"), logger: quietLogger)
                            if case .registered = outcome {} else { failures.add() }
                        } else {
                            let outcome = try? await GDOIMemberClient.join(gdoiOptions(server, "bench-gdoi-\(index)"), logger: quietLogger)
                            if case .registered = outcome {} else { failures.add() }
                        }
                    }
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        await server.stop()
        guard failures.value == 0 else { throw ValidationError("\(failures.value) of \(members) registrations failed") }
        return Double(members) / seconds
    }

    /// Registers `members` followers, then times one operator rekey until every one took it in.
    static func rekeyReach(members: Int, mixed: Bool, concurrency: Int) async throws -> (milliseconds: Double, registrationSeconds: Double) {
        let server = try await server(capacity: 16_384, unicast: true)
        let registered = MixedBenchCounter(), reached = MixedBenchCounter(), failures = MixedBenchCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        var followers: [Task<Void, Never>] = []
        let gate = MixedBenchGate(width: concurrency)
        for index in 0..<members {
            await gate.enter()
            followers.append(Task {
                if mixed && index % 2 == 0 {
                    let outcome = try? await MemberClient.follow(ikeOptions(server, "reach-ike-\(index)"), reregister: false, logger: quietLogger,
                                                                 onRegistered: { _ in registered.add(); Task { await gate.leave() } },
                                                                 onRekey: { if $0.accepted { reached.add() } })
                    if case .registered = outcome {} else { failures.add(); await gate.leave() }
                } else {
                    let outcome = try? await GDOIMemberClient.follow(gdoiOptions(server, "reach-gdoi-\(index)"), logger: quietLogger,
                                                                     onRegistered: { _, _ in registered.add(); Task { await gate.leave() } },
                                                                     onPush: { notice, _ in if notice.accepted { reached.add() } })
                    if case .registered = outcome {} else { failures.add(); await gate.leave() }
                }
            })
        }
        while registered.value + failures.value < members { try await Task.sleep(for: .milliseconds(20)) }
        let registrationSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard failures.value == 0 else {
            followers.forEach { $0.cancel() }
            await server.stop()
            throw ValidationError("\(failures.value) of \(members) followers did not register")
        }
        let rekeyStart = DispatchTime.now().uptimeNanoseconds
        let response = await server.control(.rekey(group: "demo-1001", dryRun: false))
        var waited = 0
        while reached.value < members && waited < 120_000 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 5
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - rekeyStart) / 1e6
        let got = reached.value
        followers.forEach { $0.cancel() }
        for follower in followers { await follower.value }
        await server.stop()
        guard response.ok, got >= members else {
            throw ValidationError("the rekey reached \(got) of \(members) members: \(response.error?.description ?? "ok")")
        }
        return (milliseconds, registrationSeconds)
    }
}

/// A counter shared by the load's tasks.
final class MixedBenchCounter: @unchecked Sendable {
    // @unchecked: `count` is read and written under `lock`.
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
    /// Returns the value before adding one.
    func increment() -> Int { lock.withLock { defer { count += 1 }; return count } }
}

/// At most `width` registrations in flight.
actor MixedBenchGate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = width }

    func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
