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
    var keyAgreementThreads: Int = GatewayServer.defaultKeyAgreementThreads

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
