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
    var keyAgreementThreads = GatewayServer.defaultKeyAgreementThreads

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

    /// The benchmark group with a PSK drawn for this run (and the demo rekey-signing key).
    static func benchGroup() throws -> (GroupDirectory, SecretBytes) {
        let psk = try SystemRandom().secret(32)
        var pskText = ""
        for byte in psk.unsafeCopyBytes() { pskText += String(format: "%02x", byte) }
        let pem = Array(DemoSecrets.rekeySigningKeyPEM.utf8)
        let secrets = try SecretsFile.parse("bench-psk = hex:\(pskText)\nbench-rekey-key = file:demo-rekey.pem\n",
                                            file: "bench-secrets") { _ throws(GatewayError) in pem }
        let directory = try GroupCatalog.load(policies: [PolicyValidator.Input(name: "bench-4343.xml", bytes: Array(policy.utf8))],
                                              secrets: secrets, environment: [:], random: SystemRandom())
        return (directory, psk)
    }

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
        var (directory, psk) = try Self.benchGroup()
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
