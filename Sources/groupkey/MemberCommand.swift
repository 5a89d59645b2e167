import ArgumentParser
import Dispatch
import Foundation
import Gateway
import GDOI
import GIKEv2
import GroupKeyCrypto
import Logging

/// `groupkey member`: the group-member side.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Act as a group member.",
        subcommands: [MemberJoinCommand.self]
    )
}

/// `groupkey member join`: registers once (G-IKEv2, or GDOI: IKEv1 phase 1 then GROUPKEY-PULL)
/// over UDP and prints what the member holds.
struct MemberJoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Register to a group with G-IKEv2 (RFC 9838) or GDOI (RFC 6407) and print the SAs received.",
        discussion: """
        With neither --psk-file nor --cert, uses the bundled demo pre-shared key "groupkey-demo-psk". A PSK file holds \
        the key as is; one trailing newline is ignored. Keys are printed only with --show-keys. \
        Exit codes: 0 registered, 1 refused or no answer (the notify name is printed), 2 usage or \
        unreadable input.
        """
    )

    @Option(name: .long, help: "The key server, ADDR:PORT (IPv6 as [ADDR]:PORT).")
    var server: String

    @Option(name: .long, help: "The group: a GDOI group number (sent as IDg ID_KEY_ID, 4 octets) or an FQDN.")
    var group: String

    @Option(name: .long, help: "gikev2, or gdoi (IKEv1 phase 1 with a pre-shared key, then GROUPKEY-PULL).")
    var `protocol`: MemberProtocol = .gikev2

    @Option(name: .long, help: "GDOI phase 1: main or aggressive mode.")
    var phase1Mode: Phase1ModeArgument = .main

    @Option(name: .long, help: "udp, or tcp (RFC 8229 encapsulation).")
    var transport: MemberClient.Transport = .udp

    @Option(name: .long, help: "Our identity IDi: an FQDN, or an RFC 822 address if it holds '@'.")
    var id: String = "groupkey-member"

    @Option(name: .long, help: "File holding the group's pre-shared key.")
    var pskFile: String?

    @Option(name: .long, help: "PEM certificate (chain, leaf first): authenticate by signature (RFC 7427), not PSK.")
    var cert: String?

    @Option(name: .long, help: "PEM private key of --cert.")
    var key: String?

    @Option(name: .long, help: "PEM trust anchors for the key server's certificate.")
    var ca: String?

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Also print the key material received.")
    var showKeys = false

    @Flag(name: .long, help: "Put the non-ESP marker before each IKE message.")
    var nonESPMarker = false

    @Flag(name: .long, help: "Log the exchange to standard error.")
    var verbose = false

    @Option(name: .long, help: "Give up after this many seconds.")
    var timeout: Int = 30

    @Flag(name: .long, help: "After registering, keep running and print one line per rekey received (one JSON object per line with --format json).")
    var follow = false

    @Option(name: .long, help: ArgumentHelp("With --follow: the IPv4 address of the interface to join the rekey group on (default: loopback for a loopback server).", valueName: "addr"))
    var multicastInterface: String?

    func validate() throws {
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout is 1 to 3600 seconds") }
        guard (try? ListenAddress(parsing: server)) != nil else { throw ValidationError("--server \(server) is not ADDR:PORT") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if cert != nil && pskFile != nil { throw ValidationError("--psk-file or --cert, not both") }
        guard !group.isEmpty, !id.isEmpty else { throw ValidationError("--group and --id must not be empty") }
        if `protocol` == .gdoi {
            guard UInt32(group) != nil else { throw ValidationError("--protocol gdoi needs a group number (ID_KEY_ID)") }
            guard transport == .udp else { throw ValidationError("--protocol gdoi runs over UDP only") }
            guard cert == nil else { throw ValidationError("--protocol gdoi authenticates with a pre-shared key only (for now)") }
        }
    }

    func run() async throws {
        // The outcome is printed; the engine's log lines only with --verbose.
        let level: Logger.Level = verbose ? .info : .critical
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if `protocol` == .gdoi {
            try await runGDOI()
            return
        }
        let outcome: MemberClient.Outcome
        do throws(GatewayError) {
            let address = try ListenAddress(parsing: server)
            var credential: SignatureCredential?
            if let cert, let key {
                credential = try CredentialFiles.credential(certificatePEM: try CredentialFiles.read(cert),
                                                            keyPEM: try CredentialFiles.read(key), name: cert)
            }
            let trust = try ca.map { path throws(GatewayError) in try CredentialFiles.trustStore(pem: try CredentialFiles.read(path), name: path) }
            let options = MemberClient.Options(server: address.endpoint, groupID: MemberClient.groupIdentification(group),
                                               identity: MemberClient.memberIdentification(id),
                                               preSharedKey: credential == nil ? try readPSK() : nil, credential: credential,
                                               trustAnchors: trust,
                                               nonESPMarker: nonESPMarker, transport: transport, timeoutMilliseconds: Int64(timeout) * 1000)
            if follow {
                outcome = try await followRekeys(options)
                if case .registered = outcome { return }
            } else {
                outcome = try await MemberClient.join(options)
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(error.isLocalTrouble ? CLIExitCode.findings : CLIExitCode.usage)
        }
        let report = MemberReport(server: server, group: group, outcome: outcome, showKeys: showKeys)
        print(format == .json ? report.json : report.text)
        if case .failed = outcome { throw ExitCode(CLIExitCode.findings) }
    }

    /// Registers, prints what the member holds, then one line per rekey until SIGINT or SIGTERM.
    private func followRekeys(_ options: MemberClient.Options) async throws(GatewayError) -> MemberClient.Outcome {
        let (server, group, showKeys, format, interface) = (self.server, self.group, self.showKeys, self.format, multicastInterface)
        let task = Task { () throws(GatewayError) -> MemberClient.Outcome in
            try await MemberClient.follow(options, interfaceAddress: interface, onRegistered: { holdings in
                let report = MemberReport(server: server, group: group, outcome: .registered(holdings), showKeys: showKeys)
                FileHandle.standardOutput.write(Data(((format == .json ? report.json : report.text) + "\n").utf8))
            }, onRekey: { notice in
                FileHandle.standardOutput.write(Data((RekeyNoticeText.render(notice, format: format) + "\n").utf8))
            })
        }
        return try await Self.untilSignal(task)
    }

    /// GDOI: registers, prints what the member holds, then one line per GROUPKEY-PUSH until SIGINT
    /// or SIGTERM (acknowledged when the KEK asks for it, RFC 8263).
    private func followPushes(_ options: GDOIMemberClient.Options) async throws(GatewayError) -> GDOIMemberClient.Outcome {
        let (server, group, showKeys, format, interface) = (self.server, self.group, self.showKeys, self.format, multicastInterface)
        let task = Task { () throws(GatewayError) -> GDOIMemberClient.Outcome in
            try await GDOIMemberClient.follow(options, interfaceAddress: interface, onRegistered: { phase1, holdings in
                let report = GDOIMemberReport(server: server, group: group, outcome: .registered(phase1: phase1, holdings: holdings),
                                              showKeys: showKeys)
                FileHandle.standardOutput.write(Data(((format == .json ? report.json : report.text) + "\n").utf8))
            }, onPush: { notice, _ in
                FileHandle.standardOutput.write(Data((RekeyNoticeText.render(notice, format: format, counter: "SEQ") + "\n").utf8))
            })
        }
        return try await Self.untilSignal(task)
    }

    /// Waits for a following task; SIGINT or SIGTERM cancels it (the follower then returns).
    private static func untilSignal<Outcome: Sendable>(_ task: Task<Outcome, any Error>) async throws(GatewayError) -> Outcome {
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do { return try await task.value } catch let error as GatewayError { throw error } catch { throw .engine("\(error)") }
    }

    /// GDOI: phase 1 (PSK) and GROUPKEY-PULL through `GDOIMemberClient`.
    private func runGDOI() async throws {
        let outcome: GDOIMemberClient.Outcome
        do throws(GatewayError) {
            let address = try ListenAddress(parsing: server)
            let options = GDOIMemberClient.Options(server: address.endpoint, group: UInt32(group) ?? 0,
                                                   identity: GDOIMemberClient.memberIdentification(id), preSharedKey: try readPSK(),
                                                   mode: phase1Mode == .aggressive ? .aggressive : .main,
                                                   nonESPMarker: nonESPMarker, timeoutMilliseconds: Int64(timeout) * 1000)
            if follow {
                outcome = try await followPushes(options)
                if case .registered = outcome { return }
            } else {
                outcome = try await GDOIMemberClient.join(options)
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(error.isLocalTrouble ? CLIExitCode.findings : CLIExitCode.usage)
        }
        let report = GDOIMemberReport(server: server, group: group, outcome: outcome, showKeys: showKeys)
        print(format == .json ? report.json : report.text)
        if case .failed = outcome { throw ExitCode(CLIExitCode.findings) }
    }

    private func readPSK() throws(GatewayError) -> SecretBytes {
        guard let pskFile else { return DemoSecrets.preSharedKey }
        guard let data = FileManager.default.contents(atPath: pskFile) else { throw .secrets("\(pskFile) cannot be read") }
        var octets = Array(data)
        if octets.last == UInt8(ascii: "\n") { octets.removeLast() }
        if octets.last == UInt8(ascii: "\r") { octets.removeLast() }
        guard !octets.isEmpty else { throw .secrets("\(pskFile) is empty") }
        return SecretBytes(consuming: &octets)
    }
}

extension MemberClient.Transport: ExpressibleByArgument {}

/// `member join --protocol`.
enum MemberProtocol: String, CaseIterable, ExpressibleByArgument {
    case gikev2, gdoi
}

/// `member join --phase1-mode`.
enum Phase1ModeArgument: String, CaseIterable, ExpressibleByArgument {
    case main, aggressive
}

extension GatewayError {
    /// A socket or engine failure on our side (exit 1), as opposed to bad input (exit 2).
    var isLocalTrouble: Bool {
        switch self {
        case .socket, .engine, .stateFile: return true
        case .invalidListenAddress, .demoSecretOffLoopback, .policy, .secrets: return false
        }
    }
}

/// One line per rekey received with `--follow`.
enum RekeyNoticeText {
    /// `counter`: what the notice's `messageID` is (a GDOI push's SEQ, RFC 6407 §5.7).
    static func render(_ notice: RekeyNotice, format: OutputFormat, counter: String = "message ID") -> String {
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(notice)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        let id = notice.messageID.map { "\(counter) \($0)" } ?? "no header"
        guard notice.accepted else {
            return "rekey dropped: \(id) from \(notice.from), \(notice.octets) octets: \(notice.rejection ?? "rejected")"
                + (notice.reregister.map { "; must re-register (\($0))" } ?? "")
        }
        return "rekey accepted: \(id) from \(notice.from), \(notice.octets) octets; TEKs \(notice.dataSecuritySAs.joined(separator: " "))"
            + "; rekey SA \(notice.rekeySA ?? "none")" + (notice.reregister.map { "; must re-register (\($0))" } ?? "")
    }
}
