import ArgumentParser
import EngineCore
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState
import Logging
import NIOCore
import NIOPosix

/// `groupkey bench register`: an in-process GCKS on 127.0.0.1 and a load generator of C member
/// engines at a time registering N members in all, over loopback UDP or TCP. Reports
/// registrations per second (median of the runs) and how much the process's resident memory grew
/// per registered member while the GCKS held their registration SAs. With `--strongswan`, the same
/// generator and suite also open N childless IKE SAs (IKE_SA_INIT + IKE_AUTH, RFC 6023) with our
/// GCKS and with a strongSwan responder, and the rates are printed side by side with the ratio.
struct BenchRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Time G-IKEv2 registrations (X25519, AES-GCM-16-256, PSK) to an in-process key server over loopback."
    )

    @Option(help: "Members registered per run.")
    var members: Int = 500

    @Option(help: "Member engines registering at the same time.")
    var concurrency: Int = 32

    @Option(help: "udp, or tcp (RFC 8229).")
    var transport: String = "udp"

    @Option(help: "Timed runs, each against a fresh server; the median is reported.")
    var runs: Int = 3

    @Option(help: "UDP port of the in-process key server on 127.0.0.1 (0: any free port).")
    var port: Int = 0

    @Option(help: ArgumentHelp(
        "DEBUG ONLY: append the keys of every IKE SA to FILE as Wireshark ikev2_decryption_table lines.",
        discussion: "For scripts/interop/tshark-registration-check.sh; the benchmark group's PSK is random per run."))
    var ikeKeyLog: String?

    @Option(help: "pid of the strongSwan charon (the responder script writes it to DIR/charon.pid), to report its CPU time per IKE SA.")
    var strongswanPid: Int32?

    @Option(help: "Load generator over UDP: shared (one socket per concurrent worker) or per-member (a MemberClient socket and driver per registration, as before).")
    var generator: String = "shared"

    @Option(help: ArgumentHelp(
        "ADDR:PORT of a strongSwan responder started by scripts/interop/strongswan-ikev2-responder.sh: also time childless IKE SAs with it and with our GCKS.",
        discussion: "Identity bench.example, that script's PSK, the same suite and generator."))
    var strongswan: String?

    @Option(help: ArgumentHelp(
        "Keep the key server's state in a new SQLite state file under DIR, as `serve --state` does (every admission committed before its answer).",
        discussion: "One file per run, removed afterwards."))
    var stateDirectory: String?

    @Option(help: "Key-agreement helper threads beside the GCKS's event loop (serve's default: one per core; 0: none).")
    var keyAgreementThreads: Int = System.coreCount

    @Flag(help: ArgumentHelp(
        "Hand the datagrams between a GCKS engine and member engines in memory on one thread (no sockets) and report each side's CPU time per registration.",
        discussion: "What one core spends per registration on the GCKS, without the generator's share or the event loops'."))
    var engines = false

    func validate() throws {
        guard (1...50_000).contains(members) else { throw ValidationError("--members must be 1...50000") }
        guard (1...1_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1000") }
        guard MemberClient.Transport(rawValue: transport) != nil else { throw ValidationError("--transport is udp or tcp") }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1...20") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (0...64).contains(keyAgreementThreads) else { throw ValidationError("--key-agreement-threads must be 0...64") }
        guard ["shared", "per-member"].contains(generator) else { throw ValidationError("--generator is shared or per-member") }
        if let strongswan {
            guard (try? ListenAddress(parsing: strongswan)) != nil else { throw ValidationError("--strongswan \(strongswan) is not ADDR:PORT") }
            guard transport == "udp" else { throw ValidationError("--strongswan compares over UDP only") }
        }
    }

    func run() async throws {
        if engines {
            try runEngines()
            return
        }
        let transport = MemberClient.Transport(rawValue: self.transport) ?? .udp
        let keyLog = try ikeKeyLog.map { path throws(GatewayError) in try IKEKeyLogFile(path: path) }
        let registration = try await series("registration", runs: runs) {
            try await RegistrationLoad(members: members, concurrency: concurrency, transport: transport, port: port,
                                       keyLog: keyLog, sharedSockets: generator == "shared", stateDirectory: stateDirectory,
                                       keyAgreementThreads: keyAgreementThreads).run()
        }
        print(String(format: "register %@ N=%d C=%d: %.1f registrations/s (median of %d), %.0f octets resident growth per registered member (median)",
                     transport.rawValue, members, concurrency, registration.rate, runs, registration.growth))
        print("suite: X25519, ENCR_AES_GCM_16-256, PRF_HMAC_SHA2_256, PSK; TEK AES-GCM-16-256; one process, loopback; generator: \(generator)"
              + (stateDirectory == nil ? "; no state file" : "; state file (SQLite, synchronous=FULL)"))
        guard let strongswan, let address = try? ListenAddress(parsing: strongswan) else { return }
        let ours = try await series("childless, groupkey", runs: runs) {
            try await RegistrationLoad(members: members, concurrency: concurrency, transport: .udp, port: port,
                                       keyLog: nil, mode: .childless, sharedSockets: generator == "shared").run()
        }
        let theirs = try await series("childless, strongSwan", runs: runs) {
            try await RegistrationLoad(members: members, concurrency: concurrency, transport: .udp, port: port,
                                       keyLog: nil, mode: .childlessExternal(address.endpoint),
                                       sharedSockets: generator == "shared", responderPID: strongswanPid).run()
        }
        print(String(format: "childless IKE SAs (IKE_SA_INIT + IKE_AUTH, RFC 6023), N=%d C=%d, medians of %d: groupkey %.1f/s, strongSwan %.1f/s, ratio %.2f",
                     members, concurrency, runs, ours.rate, theirs.rate, ours.rate / max(theirs.rate, 1e-9)))
        print(String(format: "groupkey registrations (GSA_AUTH) / strongSwan childless IKE SAs: %.2f", registration.rate / max(theirs.rate, 1e-9)))
        // CPU per IKE SA: the strongSwan series' own-process CPU is the generator alone, so our
        // GCKS's share is the childless series' minus it.
        let generatorCPU: Double = theirs.cpu
        let gcks: Double = ours.cpu - generatorCPU
        var line = String(format: "CPU per childless IKE SA (medians): generator %.0f µs; groupkey GCKS %.0f µs (process %.0f µs minus generator)",
                          generatorCPU, gcks, ours.cpu)
        if let charon = theirs.responderCPU {
            line += String(format: "; strongSwan charon %.0f µs; CPU ratio strongSwan/groupkey %.2f", charon, charon / max(gcks, 1))
        }
        print(line)
        print(String(format: "CPU per registration (GSA_AUTH, process incl. generator): %.0f µs; GCKS share about %.0f µs",
                     registration.cpu, registration.cpu - generatorCPU))
    }

    /// `--engines`: `runs` in-memory series; medians of each side's CPU time per registration.
    private func runEngines() throws {
        var gcks: [Double] = [], member: [Double] = [], rates: [Double] = []
        var datagrams = 0.0
        for run in 1...runs {
            let result = try EngineRegistrationLoad(members: members).run()
            gcks.append(result.gcks * 1e6)
            member.append(result.member * 1e6)
            rates.append(result.loopRate)
            datagrams = result.datagramsPerRegistration
            print(String(format: "engines run %d: GCKS %.1f µs, member %.1f µs CPU per registration; %.0f registrations/s on one thread",
                         run, result.gcks * 1e6, result.member * 1e6, result.loopRate))
        }
        let perGCKS = BenchmarkRunner.median(gcks)
        print(String(format: "register engines N=%d (medians of %d): GCKS %.1f µs and member %.1f µs CPU per registration, %.1f datagrams; one GCKS core: %.0f registrations/s",
                     members, runs, perGCKS, BenchmarkRunner.median(member), datagrams, 1e6 / max(perGCKS, 1e-9)))
        print("suite: X25519, ENCR_AES_GCM_16-256, PRF_HMAC_SHA2_256, PSK; TEK AES-GCM-16-256; in memory, one thread, no sockets")
    }

    /// Runs `load` `runs` times, printing each; the medians of rate and resident growth.
    private func series(_ name: String, runs: Int, _ load: () async throws -> RegistrationLoad.Result) async throws
        -> (rate: Double, growth: Double, cpu: Double, responderCPU: Double?) {
        var rates: [Double] = []
        var growths: [Double] = []
        var cpu: [Double] = []
        var responderCPU: [Double] = []
        for run in 1...runs {
            let result = try await load()
            guard result.failures == 0 else {
                FileHandle.standardError.write(Data("Error: \(name) run \(run): \(result.failures) of \(members) failed, first: \(result.firstFailure ?? "?")\n".utf8))
                throw ExitCode(CLIExitCode.findings)
            }
            rates.append(result.registrationsPerSecond)
            growths.append(result.residentGrowthPerMember)
            cpu.append(result.processCPUPerMember * 1e6)
            if let responder = result.responderCPUPerMember { responderCPU.append(responder * 1e6) }
            var line = String(format: "%@ run %d: %.1f/s, %.0f octets resident per member, CPU per member: this process %.0f µs",
                              name, run, result.registrationsPerSecond, result.residentGrowthPerMember, result.processCPUPerMember * 1e6)
            if let responder = result.responderCPUPerMember { line += String(format: ", responder %.0f µs", responder * 1e6) }
            if let loop = result.loopThreadCPUPerMember { line += String(format: ", GCKS event-loop thread %.0f µs", loop * 1e6) }
            print(line)
        }
        return (BenchmarkRunner.median(rates), BenchmarkRunner.median(growths), BenchmarkRunner.median(cpu),
                responderCPU.isEmpty ? nil : BenchmarkRunner.median(responderCPU))
    }
}

/// One run: a fresh GCKS serving the benchmark group, N registrations, C at a time.
struct RegistrationLoad {
    let members: Int
    let concurrency: Int
    let transport: MemberClient.Transport
    var port: Int = 0
    var keyLog: IKEKeyLogFile?
    var mode: Mode = .registration
    /// UDP members share one socket per worker (RegisterLoadGenerator) instead of one
    /// `MemberClient` socket and driver each.
    var sharedSockets = true
    /// The external responder's pid, to read its CPU time (Linux /proc).
    var responderPID: Int32?
    /// Where to put a state file for the run (`serve --state`); nil: state in memory only.
    var stateDirectory: String?
    /// GatewayServer.Configuration.keyAgreementThreads.
    var keyAgreementThreads = System.coreCount

    enum Mode {
        /// IKE_SA_INIT + GSA_AUTH with our GCKS.
        case registration
        /// IKE_SA_INIT + childless IKE_AUTH with our GCKS.
        case childless
        /// IKE_SA_INIT + childless IKE_AUTH with a responder already running there (strongSwan).
        case childlessExternal(EndpointAddress)
    }

    /// The PSK of scripts/interop/strongswan-ikev2-responder.sh for bench.example.
    static let strongSwanPSK = SecretBytes(Array("interop-psk-0123456789".utf8))

    struct Result {
        var registrationsPerSecond: Double
        /// Resident set growth from just after the server started to just after the last
        /// registration, divided by N: the GCKS keeps every registration IKE SA for its lifetime
        /// (RFC 9838 §2.3.3), so this is what each member costs it. Includes allocator slack.
        var residentGrowthPerMember: Double
        var failures: Int
        var firstFailure: String?
        /// CPU time (user + system) per member of this process (GCKS and generator, or the
        /// generator alone against strongSwan) and of the external responder, if its pid is known:
        /// on a shared machine these say more than the wall-clock rate.
        var processCPUPerMember: Double = 0
        var responderCPUPerMember: Double?
        /// CPU time of the GCKS's event-loop thread per member: the serial part of our server (the
        /// key-agreement helpers and the generator run on other threads).
        var loopThreadCPUPerMember: Double?
    }

    /// The benchmark group: the same keys for everyone, a registration suite of X25519,
    /// AES-GCM-16-256 and PRF-HMAC-SHA2-256 with a PSK, no authorization list (any identity
    /// with the PSK is admitted), and the demo rekey-signing key (so loopback only).
    static let policy = """
    <?xml version="1.0" encoding="UTF-8"?>
    <policies xmlns="urn:groupkey:policy:1">
      <group name="bench-4343">
        <identity gdoi-id="4343">
          <idg type="key-id" value="000010f7"/>
        </identity>
        <protocols serve="gikev2" migration="migrated"/>
        <key-server address="127.0.0.1"/>
        <registration>
          <psk secret-ref="secrets:bench-psk"/>
          <proposal encryption="aes-gcm-16" key-length="256" prf="hmac-sha2-256" key-exchange="curve25519"/>
        </registration>
        <data-security>
          <sa name="bench-tek" protocol="esp" mode="tunnel" address-preservation="source-and-destination">
            <selector protocol="any" source="10.0.0.0/8" destination="10.0.0.0/8"/>
            <encryption algorithm="aes-gcm-16" key-length="256"/>
            <lifetime seconds="3600"/>
            <anti-replay type="counter" window="64"/>
            <sender-id bits="16"/>
          </sa>
        </data-security>
        <rekey transport="multicast" destination="239.192.0.43" port="848">
          <encryption algorithm="aes-gcm-16" key-length="256"/>
          <key-wrap algorithm="kw-5649-256"/>
          <authentication method="digital-signature" signature="rsa-pkcs1-sha256" key-ref="secrets:bench-rekey-key"/>
          <lifetime seconds="86400"/>
          <lead-time seconds="90"/>
          <retransmit count="2" interval="10"/>
        </rekey>
        <timing activation-delay="0" deactivation-delay="30"/>
      </group>
    </policies>
    """

    /// X25519 (31), ENCR_AES_GCM_16 (20) 256-bit, PRF_HMAC_SHA2_256 (5); no INTEG with an AEAD.
    static let proposal = IKEProposal(encryption: 20, keyBits: 256, integrity: nil, prf: 5, keyExchange: 31)

    static var quietLogger: Logger {
        var logger = Logger(label: "groupkey.bench")
        logger.logLevel = .critical
        return logger
    }

    func run() async throws -> Result {
        if case .childlessExternal(let target) = mode {
            let template = MemberClient.Options(server: target, groupID: MemberClient.groupIdentification("4343"),
                                                identity: MemberClient.memberIdentification("bench.example"),
                                                preSharedKey: Self.strongSwanPSK, proposals: [Self.proposal], senderIDsRequested: nil,
                                                nonESPMarker: true, timeoutMilliseconds: 60_000)
            return await timed(template: template, stop: {})
        }
        let psk = try SystemRandom().secret(32)
        var pskText = ""
        for byte in psk.unsafeCopyBytes() { pskText += String(format: "%02x", byte) }
        let pem = Array(DemoSecrets.rekeySigningKeyPEM.utf8)
        let secrets = try SecretsFile.parse("bench-psk = hex:\(pskText)\nbench-rekey-key = file:demo-rekey.pem\n",
                                            file: "bench-secrets") { _ throws(GatewayError) in pem }
        var directory = try GroupCatalog.load(policies: [PolicyValidator.Input(name: "bench-4343.xml", bytes: Array(Self.policy.utf8))],
                                              secrets: secrets, environment: [:], random: SystemRandom())
        var persister: StatePersister?
        var statePath: String?
        if let stateDirectory {
            let path = stateDirectory + "/bench-register-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).db"
            let store = try StateFile.open(path: path)
            directory = try StateFile.restore(directory, from: store, random: SystemRandom(),
                                              nowMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()),
                                              logger: Self.quietLogger)
            persister = StatePersister(store: store, directory: directory)
            statePath = path
        }
        defer {
            if let statePath {
                for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: statePath + suffix) }
            }
        }
        let loopback = try ListenAddress(parsing: "127.0.0.1:\(port)")
        var serverConfiguration = GatewayServer.Configuration(listen: [loopback], tcpListen: transport == .tcp ? [loopback] : [],
                                                              logger: Self.quietLogger,
                                                              maximumTCPConnections: max(1_024, concurrency * 2),
                                                              ikeKeyLog: keyLog, persister: persister)
        serverConfiguration.keyAgreementThreads = keyAgreementThreads
        let server = try await GatewayServer.start(configuration: serverConfiguration, directory: directory)
        let target = transport == .tcp ? server.boundTCPAddresses[0] : server.boundAddresses[0]
        let template = MemberClient.Options(server: target, groupID: MemberClient.groupIdentification("4343"),
                                            identity: MemberClient.memberIdentification("bench.example"), preSharedKey: psk,
                                            proposals: [Self.proposal], transport: transport, timeoutMilliseconds: 60_000)
        return await timed(template: template, loopCPU: { await server.eventLoopThreadCPUSeconds() }) {
            let statistics = await server.statistics()
            // Retransmitted requests show lost or late datagrams: each costs the member 1 s or more.
            if statistics.retransmissionsAnswered > 0 || statistics.datagramsDropped > 0 {
                print("  key server: \(statistics.retransmissionsAnswered) retransmitted request(s) answered, "
                      + "\(statistics.datagramsDropped) datagram(s) dropped")
            }
            if persister != nil {
                let (commits, records) = await server.stateCommits()
                print(String(format: "  state file: %d commits wrote %d records (%.1f per fsync)", commits, records,
                             Double(records) / Double(max(commits, 1))))
            }
            await server.stop()
        }
    }

    /// A warm-up round, then N timed registrations (or childless IKE SAs), C at a time. The
    /// generator runs on event loops of its own: on the server's loop it would take turns with the
    /// GCKS on one thread, a cost no deployment has (its members are other machines).
    /// `loopCPU` reads the CPU time of the GCKS's event-loop thread, when the GCKS is ours.
    private func timed(template: MemberClient.Options, loopCPU: (() async -> Double)? = nil, stop: () async -> Void) async -> Result {
        let generatorLoops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        defer { generatorLoops.shutdownGracefully { _ in } }
        return await timed(template: template, generatorLoops: generatorLoops, loopCPU: loopCPU, stop: stop)
    }

    private func timed(template: MemberClient.Options, generatorLoops: MultiThreadedEventLoopGroup,
                       loopCPU: (() async -> Double)?, stop: () async -> Void) async -> Result {
        // A warm-up round of C untimed members first, so the figures leave out one-time costs
        // (sockets, lazily built OpenSSL objects, the allocator's first arenas).
        _ = await register(0..<min(concurrency, members), template: template, prefix: "warmup", loops: generatorLoops)
        let residentBefore = ResidentMemory.octets()
        let cpuBefore = CPUTime.process(), responderBefore = responderPID.flatMap(CPUTime.of)
        let loopBefore = await loopCPU?()
        let clock = ContinuousClock()
        let start = clock.now
        let (failures, firstFailure) = await register(0..<members, template: template, prefix: "gm", loops: generatorLoops)
        let elapsed = (clock.now - start).seconds
        let cpuAfter = CPUTime.process(), responderAfter = responderPID.flatMap(CPUTime.of)
        let loopAfter = await loopCPU?()
        let residentAfter = ResidentMemory.octets()
        await stop()
        var result = Result(registrationsPerSecond: Double(members) / max(elapsed, 1e-9),
                            residentGrowthPerMember: Double(max(0, residentAfter - residentBefore)) / Double(members),
                            failures: failures, firstFailure: firstFailure)
        result.processCPUPerMember = (cpuAfter - cpuBefore) / Double(members)
        if let responderBefore, let responderAfter { result.responderCPUPerMember = (responderAfter - responderBefore) / Double(members) }
        if let loopBefore, let loopAfter { result.loopThreadCPUPerMember = (loopAfter - loopBefore) / Double(members) }
        return result
    }

    /// Registers one member per index, `concurrency` at a time; the failure count and the first reason.
    private func register(_ indices: Range<Int>, template: MemberClient.Options, prefix: String,
                          loops: MultiThreadedEventLoopGroup) async -> (Int, String?) {
        let concurrency = self.concurrency
        if transport == .udp && sharedSockets {
            let initiatorMode: InitiatorMode
            switch mode {
            case .registration: initiatorMode = .groupRegistration
            case .childless, .childlessExternal: initiatorMode = .childlessIKEAuth
            }
            return await RegisterLoadGenerator.run(indices, workers: concurrency, template: template, mode: initiatorMode,
                                                   prefix: prefix, group: loops)
        }
        return await withTaskGroup(of: (Int, String?).self) { group in
            for worker in 0..<min(concurrency, indices.count) {
                group.addTask {
                    var failed = 0
                    var first: String?
                    // Worker w registers members w, w + C, w + 2C, ...: C registrations in flight.
                    for index in stride(from: indices.lowerBound + worker, to: indices.upperBound, by: concurrency) {
                        var options = template
                        options.identity = MemberClient.memberIdentification("\(prefix)-\(index).bench.example")
                        if let failure = await attempt(options, loops: loops) {
                            failed += 1
                            first = first ?? failure
                        }
                    }
                    return (failed, first)
                }
            }
            var total = 0
            var first: String?
            for await (failed, firstOfWorker) in group {
                total += failed
                first = first ?? firstOfWorker
            }
            return (total, first)
        }
    }
}

extension RegistrationLoad {
    /// One registration or childless IKE SA; the reason when it failed.
    func attempt(_ options: MemberClient.Options, loops: any EventLoopGroup) async -> String? {
        do {
            switch mode {
            case .registration:
                if case .failed(let error) = try await MemberClient.join(options, logger: Self.quietLogger, group: loops) { return "\(error)" }
            case .childless, .childlessExternal:
                if case .failed(let error) = try await MemberClient.establishChildlessIKESA(options, logger: Self.quietLogger, group: loops) {
                    return "\(error)"
                }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// CPU time consumed, in seconds (user + system).
enum CPUTime {
    static func process() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Another process's, from /proc/PID/stat (utime and stime, fields 14 and 15, in clock ticks).
    static func of(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After "pid (comm)": field 3 is state, so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// The process's resident set size, from /proc/self/statm (Linux: second field, in pages).
enum ResidentMemory {
    static func octets() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
