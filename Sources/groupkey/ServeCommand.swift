import ArgumentParser
import Dispatch
import Foundation
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState
import Logging
import NIOCore

/// `groupkey serve`: the key server. With no `--policies` it serves the bundled demo group with
/// the bundled demo secrets on loopback; demo secrets are refused on any other address.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve group policies to G-IKEv2 members over UDP (GDOI datagrams are dropped for now).",
        discussion: """
        With no --policies, serves the bundled demo group 1001 (pre-shared key "groupkey-demo-psk") on \
        127.0.0.1:848; the demo secrets are refused on any non-loopback address.

        --secrets FILE gives the values policies name as secrets:NAME, one per line:
            # comment
            NAME = VALUE          VALUE as UTF-8 text, spaces around it trimmed
            NAME = hex:0011ff     the octets in hexadecimal
            NAME = file:key.pem   a file's contents (path relative to FILE): PEM keys
        env:NAME references are read from the environment.

        The key state (TEKs, rekey SA, LKH keys, members, Sender-IDs, message IDs) is kept in the state \
        file --state FILE; with --policies it defaults to /var/lib/groupkey/state.db as root, else \
        $XDG_STATE_HOME/groupkey/state.db or ~/.local/state/groupkey/state.db. The file (mode 0600) \
        holds key material. A restart, even after kill -9, serves the same keys and counters. \
        --no-state keeps everything in memory, as the bundled demo group does unless --state is given.

        Prints one line "listening on ADDR:PORT" per UDP socket ("listening on tcp ADDR:PORT" per TCP one), then logs to standard error. \
        SIGINT or SIGTERM stops it. Exit codes: 0 stopped cleanly, 1 cannot listen or use the state file, 2 usage or \
        unreadable/invalid policies or secrets.
        """
    )

    @Option(name: .long, help: "Directory (or file) of native policies; omitted: the bundled demo group.")
    var policies: String?

    @Option(name: .long, help: "ADDR:PORT to listen on (repeatable; IPv6 as [ADDR]:PORT; port 0 picks one).")
    var listen: [String] = []

    @Option(name: .long, help: "ADDR:PORT to accept IKE over TCP on (RFC 8229; repeatable).")
    var tcpListen: [String] = []

    @Option(name: .long, help: "Secrets file for the secrets:NAME references of the policies.")
    var secrets: String?

    @Option(name: .long, help: "Our identity IDr: an FQDN, or an RFC 822 address if it holds '@'; with --cert, what the certificate names.")
    var id: String = "groupkey-gcks"

    @Option(name: .long, help: "PEM certificate (chain, leaf first) to answer certificate members with (RFC 7427).")
    var cert: String?

    @Option(name: .long, help: "PEM private key of --cert.")
    var key: String?

    @Option(name: .long, help: ArgumentHelp(
        "DEBUG ONLY: append the keys of every IKE SA to FILE as Wireshark ikev2_decryption_table lines.",
        discussion: "Off by default. The file (mode 0600) holds live key material (SK_ei, SK_er, SK_ai, SK_ar): use it to check a capture with tshark, never in production. IKEv1 / GDOI ISAKMP SAs go to FILE.ikev1 as ikev1_decryption_table lines (initiator cookie, encryption key). Like the demo group itself, refused off loopback with the demo secrets."))
    var ikeKeyLog: String?

    @Option(name: .long, help: ArgumentHelp(
        "State file (SQLite) holding the key state across restarts (default with --policies: see below).",
        discussion: "Created mode 0600 in a 0700 directory; it holds key material, like charon's key store."))
    var state: String?

    @Flag(name: .long, help: "Keep the key state in memory only: a restart gives new keys and members must register again.")
    var noState = false

    @Option(name: .long, help: ArgumentHelp(
        "The control socket `status`, `rekey`, `evict` and `reload` talk to.",
        discussion: "Default: /run/groupkey/control.sock as root, else $XDG_RUNTIME_DIR/groupkey.sock, else $TMPDIR/groupkey-UID/control.sock. Mode 0600; a stale socket is replaced, a live one refused.",
        valueName: "path"))
    var control: String?

    @Option(name: .long, help: ArgumentHelp("IPv4 address of the interface multicast rekeys leave on (default: loopback when serving on loopback only).", valueName: "addr"))
    var multicastInterface: String?

    @Option(name: .long, help: "TTL of multicast rekeys (1: the local link).")
    var multicastTTL: UInt8 = 1

    @Option(name: .long, help: ArgumentHelp(
        "Threads that make the Diffie-Hellman key agreement of new IKE SAs beside the engine (0: the engine makes them itself).",
        valueName: "n"))
    var keyAgreementThreads: Int = GatewayServer.defaultKeyAgreementThreads

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if noState && state != nil { throw ValidationError("--state and --no-state exclude each other") }
        if policies == nil && secrets != nil { throw ValidationError("--secrets needs --policies (the demo group brings its own)") }
        guard (0...64).contains(keyAgreementThreads) else { throw ValidationError("--key-agreement-threads must be 0...64") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "groupkey.serve")
        let server: GatewayServer
        do throws(GatewayError) {
            let addresses = try (listen.isEmpty ? ["127.0.0.1:848"] : listen).map { text throws(GatewayError) in
                try ListenAddress(parsing: text)
            }
            let tcpAddresses = try tcpListen.map { text throws(GatewayError) in try ListenAddress(parsing: text) }
            var directory = try Self.loadDirectory(policies: policies, secrets: secrets)
            var persister: StatePersister?
            // The bundled demo (no --policies) is a try-out: it persists only where told to.
            if !noState, let path = state ?? (policies == nil ? nil : StateFile.defaultPath()) {
                let store = try StateFile.open(path: path)
                if store.isSharedWithAnotherHolder {
                    logger.warning("another groupkey serve holds this state file: two key servers on one file diverge; give each its own --state",
                                   metadata: ["code": "GW-STATE-SHARED", "file": "\(store.path)"])
                }
                directory = try StateFile.restore(directory, from: store, random: SystemRandom(), nowMilliseconds: Self.nowMilliseconds,
                                                  logger: logger)
                persister = StatePersister(store: store, directory: directory)
                logger.info("key state kept in the state file", metadata: ["code": "GW-STATE-FILE", "file": "\(store.path)"])
            }
            var credential: SignatureCredential?
            if let cert, let key {
                credential = try CredentialFiles.credential(certificatePEM: try CredentialFiles.read(cert),
                                                            keyPEM: try CredentialFiles.read(key), name: cert)
            }
            let keyLog = try ikeKeyLog.map { path throws(GatewayError) in try IKEKeyLogFile(path: path) }
            if let keyLog {
                logger.warning("writing IKE SA keys for debugging", metadata: ["code": "GW-IKE-KEY-LOG", "file": "\(keyLog.path)"])
            }
            var configuration = GatewayServer.Configuration(listen: addresses, tcpListen: tcpAddresses,
                                                            identity: MemberClient.memberIdentification(id), logger: logger,
                                                            credential: credential, ikeKeyLog: keyLog)
            configuration.persister = persister
            configuration.keyAgreementThreads = keyAgreementThreads
            configuration.controlSocketPath = control ?? ControlSocket.defaultPath()
            configuration.controlSocketIsOptional = control == nil
            configuration.multicast = MulticastOptions(interfaceAddress: multicastInterface, ttl: multicastTTL)
            // Group states are made on the wall clock (loadDirectory), the clock the engine ticks on.
            configuration.scheduledRekeys = true
            let (policies, secrets) = (self.policies, self.secrets)
            configuration.policyLoader = { () throws(GatewayError) in try Self.loadDirectory(policies: policies, secrets: secrets) }
            server = try await GatewayServer.start(configuration: configuration, directory: directory)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            switch error {
            case .socket, .stateFile: throw ExitCode(CLIExitCode.findings)
            default: break
            }
            throw ExitCode(CLIExitCode.usage)
        }
        for address in server.boundAddresses {
            // Unbuffered, so a supervisor or test reading the pipe sees it at once.
            FileHandle.standardOutput.write(Data("listening on \(address)\n".utf8))
        }
        for address in server.boundTCPAddresses {
            FileHandle.standardOutput.write(Data("listening on tcp \(address)\n".utf8))
        }
        if let path = server.controlSocketPath {
            FileHandle.standardOutput.write(Data("control socket \(path)\n".utf8))
        }
        let hangups = Self.reloadOnHangup(server, logger: logger)
        await Self.waitForTerminationSignal()
        hangups.cancel()
        logger.info("stopping", metadata: ["code": "GW-STOPPING"])
        await server.stop()
    }

    /// SIGHUP re-reads the policies, as `groupkey reload` does.
    private static func reloadOnHangup(_ server: GatewayServer, logger: Logger) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)  // let the dispatch source see it instead of the default handler
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            Task {
                let report = await server.reload()
                logger.notice("SIGHUP reload", metadata: ["code": "GW-SIGHUP", "applied": "\(report.applied)",
                                                          "diagnostics": "\(report.diagnostics.joined(separator: "; "))"])
            }
        }
        source.resume()
        return source
    }

    private static func loadDirectory(policies: String?, secrets: String?) throws(GatewayError) -> GroupDirectory {
        guard let policies else { return try GroupCatalog.demo(random: SystemRandom(), nowMilliseconds: Self.nowMilliseconds) }
        let inputs = PolicyInputs.collect([policies])
        if let unreadable = inputs.unreadable.first { throw .policy("\(unreadable.file): \(unreadable.message)") }
        let secretsFile = try secrets.map { path throws(GatewayError) in try SecretsFile.load(path: path) } ?? SecretsFile()
        return try GroupCatalog.load(policies: inputs.inputs, secrets: secretsFile, random: SystemRandom(),
                                     nowMilliseconds: Self.nowMilliseconds)
    }

    private static var nowMilliseconds: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Returns on the first SIGINT or SIGTERM.
    private static func waitForTerminationSignal() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)  // let the dispatch source see it instead of the default handler
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        for source in sources { source.cancel() }
    }
}
