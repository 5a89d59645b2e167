import ArgumentParser
import Foundation
import Gateway

/// `groupkey status`: what the running server serves, through its control socket.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running server's groups, members by protocol, SAs and counters.",
        discussion: """
        Asks the server started by `groupkey serve` over its control socket. Exit codes: 0 \
        answered, 1 no server answers on the socket (the path is named), 2 usage.
        """
    )

    @OptionGroup var control: ControlSocketOption

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let response = try await control.send(.status)
        guard let status = response.status else { throw control.refused(response) }
        if format == .json {
            print(String(decoding: ControlProtocol.encode(response).dropLast(), as: UTF8.self))
        } else {
            print(StatusText.render(status))
        }
    }
}

/// `--control PATH`, shared by the commands that talk to a running server.
struct ControlSocketOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The server's control socket.", valueName: "path"))
    var control: String?

    var path: String { control ?? ControlSocket.defaultPath() }

    /// One request; an unreachable server is exit 1 with the path named.
    func send(_ request: ControlRequest) async throws -> ControlResponse {
        do {
            return try await ControlClient.send(request, to: path)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(CLIExitCode.findings)
        }
    }

    /// The server refused: its code and message on standard error, exit 1.
    func refused(_ response: ControlResponse) -> ExitCode {
        let failure = response.error ?? ControlFailure(.internalError, "the server gave no answer")
        FileHandle.standardError.write(Data("Error: \(failure)\n".utf8))
        return ExitCode(CLIExitCode.findings)
    }
}

/// The text form of `status`: one block per group, counters last.
enum StatusText {
    static func render(_ status: ServerStatus) -> String {
        var lines = ["server: up \(status.uptimeSeconds) s, listening on \(status.listening.joined(separator: ", "))"]
        for group in status.groups {
            let byProtocol = group.membersByProtocol.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("group \(group.name) (\(group.protocols.joined(separator: " "))): \(group.members.count) member(s)"
                         + (byProtocol.isEmpty ? "" : " [\(byProtocol.joined(separator: ", "))]"))
            for tek in group.dataSecuritySAs {
                lines.append("  TEK \(tek.name) \(tek.protocol) SPI \(tek.spi): \(tek.remainingSeconds) s left of \(tek.lifetimeSeconds) s"
                             + (tek.current ? "" : " (replaced, kept for the deactivation delay)"))
            }
            if let rekey = group.rekeySA {
                lines.append("  rekey SA SPI \(rekey.spi): \(rekey.transport)\(rekey.destination.map { " to \($0)" } ?? ""), "
                             + "next message ID \(rekey.nextMessageID), \(rekey.remainingSeconds) s left of \(rekey.lifetimeSeconds) s")
            } else {
                lines.append("  rekey SA: none")
            }
            lines.append("  last rekey: \(time(group.lastRekey) ?? "none since start"); next rekey: \(time(group.nextRekey) ?? "none scheduled")")
            if let tree = group.keyTree {
                lines.append("  key tree: degree \(tree.degree), depth \(tree.depth), \(tree.members)/\(tree.capacity) leaves used")
            }
            if !group.members.isEmpty {
                lines.append("  members: " + group.members.map { "\($0.identity) (\($0.protocol))" }.joined(separator: ", "))
            }
        }
        let counters = status.counters
        lines.append("counters: registrations \(counters.registrations), failures \(counters.registrationFailures), "
                     + "rekeys sent \(counters.rekeysSent), retransmissions \(counters.retransmissions), "
                     + "datagrams received \(counters.datagramsReceived), dropped \(counters.datagramsDropped)")
        if let gdoi = counters.gdoi {
            lines.append("  gdoi: phase-1 SAs \(gdoi.phase1SAs) (established \(gdoi.phase1Established), failed \(gdoi.phase1Failures)), "
                         + "pulls \(gdoi.pulls), pushes sent \(gdoi.pushesSent) (+\(gdoi.pushRetransmissions) repeats), "
                         + "acks \(gdoi.acksReceived), acks missed \(gdoi.acksMissed), evicted for missed acks "
                         + "\(gdoi.membersEvictedForMissedAcks), datagrams \(gdoi.datagramsReceived), dropped \(gdoi.datagramsDropped)")
        }
        if !counters.failuresByReason.isEmpty {
            lines.append("  by reason: " + counters.failuresByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    private static func time(_ unixSeconds: Int64?) -> String? {
        guard let unixSeconds else { return nil }
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }
}
