import ArgumentParser
import Foundation
import GroupPolicy

/// Generates N one-group policy files in a temporary directory, then times reading and validating
/// all of them (file I/O, parse, XSD, semantic and cross-file checks) several times.
struct BenchPolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Time offline validation of a directory of generated group policies."
    )

    @Option(help: "Number of groups (one file each).")
    var groups: Int = 10_000

    @Option(help: "Timed runs; the median is reported.")
    var runs: Int = 5

    func validate() throws {
        guard (1...250_000).contains(groups) else { throw ValidationError("--groups must be 1...250000") }
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be 1...50") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("groupkey-bench-policy-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<groups {
            try Self.policy(index).write(to: directory.appendingPathComponent(String(format: "group-%06d.xml", index)),
                                         atomically: false, encoding: .utf8)
        }

        var timings: [Double] = []
        var last: PolicyValidationReport?
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let collected = PolicyInputs.collect([directory.path])
            last = PolicyValidator.validate(collected.inputs)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let sorted = timings.sorted()
        let median = sorted[sorted.count / 2]
        let groupsRead = last?.files.reduce(0) { $0 + $1.document.groups.count } ?? 0
        print(String(format: "validated %d groups in %d files: median %.3f s, best %.3f s over %d runs; %d findings",
                     groupsRead, groups, median, sorted[0], runs, last?.findings.count ?? 0))
        if let first = last?.findings.first { print("first finding: \(ValidateCommand.text(first))") }
    }

    /// A valid dual-stack group whose identity, selectors and rekey address differ per index.
    static func policy(_ index: Int) -> String {
        let a = (index >> 16) & 0xff, b = (index >> 8) & 0xff, c = index & 0xff
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <group xmlns="urn:groupkey:policy:1" name="bench-\(index)">
              <identity gdoi-id="\(100_000 + index)"/>
              <protocols serve="gdoi gikev2" migration="dual-stack"/>
              <key-server address="192.0.2.1"/>
              <registration>
                <psk secret-ref="secrets:bench-\(index)"/>
                <proposal encryption="aes-cbc" key-length="256" integrity="hmac-sha2-256-128" prf="hmac-sha2-256" key-exchange="modp2048"/>
              </registration>
              <data-security>
                <sa name="tek">
                  <selector source="\(10 + a).\(b).\(c).0/24" destination="\(10 + a).\(b).\(c).0/24"/>
                  <encryption algorithm="aes-gcm-16" key-length="256"/>
                  <lifetime seconds="3600"/>
                  <anti-replay type="counter" window="64"/>
                  <sender-id bits="16"/>
                </sa>
              </data-security>
              <rekey transport="multicast" destination="239.\(192 + a).\(b).\(c)">
                <encryption algorithm="aes-cbc" key-length="256"/>
                <integrity algorithm="hmac-sha2-256-128"/>
                <key-wrap algorithm="kw-5649-256"/>
                <authentication method="digital-signature" signature="rsa-pkcs1-sha256" key-ref="secrets:bench-rekey"/>
                <lifetime seconds="86400"/>
              </rekey>
            </group>

            """
    }
}
