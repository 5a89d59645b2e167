import ArgumentParser
import Foundation
import GroupPolicy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Inspect group policies.",
        subcommands: [PolicyShowCommand.self]
    )
}

struct PolicyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show, normalised, what each group will hand out, with the wire numbers per protocol.",
        discussion: "Exit status: 0 shown, 1 the policy has findings at error level (they are printed instead), 2 unreadable input."
    )

    @Argument(help: "A policy file, or a directory searched recursively for *.xml.")
    var path: String

    @Option(help: "Show only the group with this name.")
    var group: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let collected = PolicyInputs.collect([path])
        let report = PolicyValidator.validate(collected.inputs)
        let problems = collected.unreadable + report.findings.filter { $0.severity == .error }
        guard problems.isEmpty else {
            for finding in problems {
                FileHandle.standardError.write(Data((ValidateCommand.text(finding) + "\n").utf8))
            }
            throw ExitCode(collected.unreadable.isEmpty ? 1 : 2)
        }
        let summaries = report.files.flatMap(\.document.groups)
            .filter { group == nil || $0.name == group }
            .map(GroupSummary.init)
        if let group, summaries.isEmpty {
            FileHandle.standardError.write(Data("groupkey policy show: no group named \(group)\n".utf8))
            throw ExitCode(2)
        }
        switch format {
        case .json: print(PolicyJSON.encode(summaries))
        case .text: print(summaries.map(Self.text).joined(separator: "\n"))
        }
    }

    static func text(_ group: GroupSummary) -> String {
        func optional<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
        var lines = ["group \(group.name)",
                     "  identity      GDOI \(optional(group.gdoiGroupID)), IDg \(optional(group.idg))",
                     "  protocols     \(group.protocols.joined(separator: " + ")) (\(group.migration))",
                     "  key servers   \(group.keyServers.joined(separator: ", "))",
                     "  registration  psk \(optional(group.preSharedKey)); trust anchors \(group.trustAnchors.isEmpty ? "-" : group.trustAnchors.joined(separator: ", "))",
                     "  authorized    \(group.authorization.isEmpty ? "any authenticated member" : group.authorization.joined(separator: ", "))"]
        for sa in group.dataSecurity {
            lines.append("  TEK \(sa.name): \(sa.securityProtocol) \(sa.mode), address preservation \(sa.addressPreservation)")
            for selector in sa.selectors { lines.append("      selector  \(selector)") }
            lines.append("      cipher    \(optional(sa.encryption))\(sa.keyLengthBits.map { "-\($0)" } ?? ""), integrity \(optional(sa.integrity))")
            lines.append("      wire      GDOI transform \(optional(sa.wire.gdoiEncryption)) auth \(optional(sa.wire.gdoiIntegrity)); G-IKEv2 ENCR \(optional(sa.wire.gikev2Encryption)) INTEG \(optional(sa.wire.gikev2Integrity))")
            lines.append("      lifetime  \(sa.lifetimeSeconds) s, anti-replay \(sa.antiReplay), sender-id bits \(optional(sa.senderIDBits))")
        }
        if let rekey = group.rekey {
            lines.append("  rekey \(rekey.transport) to \(optional(rekey.destination))")
            lines.append("      cipher    \(rekey.encryption)\(rekey.keyLengthBits.map { "-\($0)" } ?? ""), integrity \(optional(rekey.integrity)), key wrap \(optional(rekey.keyWrap))")
            lines.append("      wire      GDOI KEK_ALGORITHM \(optional(rekey.wire.gdoiEncryption)); G-IKEv2 ENCR \(optional(rekey.wire.gikev2Encryption)) INTEG \(optional(rekey.wire.gikev2Integrity)) KWA \(optional(rekey.wire.gikev2KeyWrap))")
            lines.append("      auth      \(rekey.authentication)")
            lines.append("      lifetime  \(rekey.lifetimeSeconds) s, lead time \(rekey.leadTimeSeconds) s, \(rekey.retransmissions) retransmission(s) every \(rekey.retransmitIntervalSeconds) s")
        } else {
            lines.append("  rekey         none (members re-register)")
        }
        lines.append("  timing        activation delay \(optional(group.activationDelaySeconds)) s, deactivation delay \(optional(group.deactivationDelaySeconds)) s")
        lines.append("  lkh           \(optional(group.lkh))")
        return lines.joined(separator: "\n")
    }
}
