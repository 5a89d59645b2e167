import ArgumentParser
import Foundation
import GDOIImport

/// Generates one Cisco IOS-XE export with many groups and ACL lines, then times the whole import
/// (parse, read, map, write the canonical text, check every written policy as `--check` says) and
/// reports processor time, time per phase and the process's peak resident memory. Run it by hand
/// in release mode, never in CI.
struct BenchImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time `groupkey import` of one generated export with many groups and ACL lines."
    )

    @Option(help: "Number of crypto gdoi groups in the export.")
    var groups: Int = 5_000

    @Option(help: "ACL lines in total, spread evenly over the groups' match ACLs.")
    var aclLines: Int = 50_000

    @Option(help: "Timed runs; the median is reported.")
    var runs: Int = 3

    @Option(help: "How the written policies are checked: modelAndSchema (what `groupkey import` does) or reread (parse, XSD, read back and check every written policy, as `groupkey validate` does).")
    var check: String = OutputCheck.modelAndSchema.rawValue

    func validate() throws {
        guard (1...50_000).contains(groups) else { throw ValidationError("--groups must be 1...50000") }
        guard (groups...500_000).contains(aclLines) else { throw ValidationError("--acl-lines must be at least --groups and at most 500000") }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1...20") }
        guard OutputCheck(rawValue: check) != nil else {
            throw ValidationError("--check must be one of \(OutputCheck.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let export = Array(Self.export(groups: groups, aclLines: aclLines).utf8)
        let input = ExportInput(name: "bench-export.xml", bytes: export)
        let outputCheck = OutputCheck(rawValue: check) ?? .modelAndSchema
        // Keep the timings of every run but only the last result, so earlier runs' outputs do not
        // count towards the peak resident memory reported.
        var runsByTime: [(seconds: Double, timings: ImportTimings)] = []
        var processorSeconds: [Double] = []
        var last: ImportResult?
        let clock = ContinuousClock()
        for _ in 0..<runs {
            last = nil
            let processorStart = CPUTime.process()
            let start = clock.now
            let result = GDOIImporter.run([input], from: .cisco, check: outputCheck)
            runsByTime.append(((clock.now - start).seconds, result.timings))
            processorSeconds.append(CPUTime.process() - processorStart)
            last = result
        }
        runsByTime.sort { $0.seconds < $1.seconds }
        let median = runsByTime[runsByTime.count / 2]
        let imported = last?.report.summary.groupsImported ?? 0
        let selectors = last?.policies.reduce(0) { $0 + $1.document.groups.reduce(0) { $0 + $1.dataSecurity.reduce(0) { $0 + $1.selectors.count } } } ?? 0
        print(String(format: "imported %d of %d groups (%d selectors) from a %.1f MB export, check \(outputCheck.rawValue): median %.3f s, best %.3f s over %d runs; peak RSS %.0f MB",
                     imported, groups, selectors, Double(export.count) / 1e6, median.seconds, runsByTime[0].seconds, runs,
                     Self.peakResidentMegabytes()))
        // The import only computes (no I/O, no waiting), so its processor time bounds the wall
        // time it takes on an idle machine, however busy this one is.
        print(String(format: "processor time (user + system, all threads): median %.3f s per import",
                     BenchmarkRunner.median(processorSeconds)))
        let phases = median.timings
        print(String(format: "median run by phase: read (parse + reader) %.3f s, map + write %.3f s, resolve %.3f s, check %.3f s, report %.3f s",
                     phases.read.seconds, phases.mapAndWrite.seconds, phases.resolve.seconds, phases.check.seconds, phases.report.seconds))
    }

    /// ru_maxrss is in kilobytes on Linux.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        let who = RUSAGE_SELF.rawValue
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }

    /// One key server: a shared ISAKMP policy, transform set, profile and rekey ACL; per group a
    /// match ACL whose lines each protect their own host pair (so no two groups claim the same
    /// traffic). Written compactly: XMLSupport reads at most 16 MiB per file.
    static func export(groups: Int, aclLines: Int) -> String {
        var text = """
            <native xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-native"><crypto>
            <isakmp xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto"><policy><number>10</number><authentication>pre-share</authentication><encryption><aes-choice><key-type>256</key-type></aes-choice></encryption><group>14</group><hash>sha256</hash></policy>
            <key><key-address-host><key>bench</key><encryption>0</encryption><address><address-v4><address>0.0.0.0</address><mask>0.0.0.0</mask></address-v4></address></key-address-host></key></isakmp>
            <ipsec xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto"><transform-set><tag>T</tag><esp>esp-aes</esp><key-bit>256</key-bit><esp-hmac>esp-sha256-hmac</esp-hmac></transform-set>
            <profile><name>P</name><set><transform-set>T</transform-set><security-association><lifetime><seconds>3600</seconds></lifetime></security-association></set></profile></ipsec>
            <gdoi xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto">

            """
        for group in 0..<groups {
            text += "<group><name>G\(group)</name><identity><number>\(100_000 + group)</number></identity><server><local>"
                + "<address><ipv4>192.0.2.1</ipv4></address><gdoi/><rekey><address><ipv4>R</ipv4></address><algorithm><aes>256</aes></algorithm>"
                + "<authentication><mypubkey><rsa>K</rsa></mypubkey></authentication><sig-hash><algorithm>sha256</algorithm></sig-hash></rekey>"
                + "<sa><ipsec><sequence>1</sequence><profile>P</profile><match><address><ipv4>A\(group)</ipv4></address></match>"
                + "</ipsec></sa></local></server></group>\n"
        }
        text += "</gdoi></crypto><ip><access-list xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XE-acl\">\n"
        text += "<extended><name>R</name><access-list-seq-rule><sequence>10</sequence><ace-rule><action>permit</action><protocol>udp</protocol>"
            + "<host-address>192.0.2.1</host-address><dst-host-address>239.192.0.1</dst-host-address><dst-eq>848</dst-eq></ace-rule></access-list-seq-rule></extended>\n"
        var line = 0
        for group in 0..<groups {
            let count = aclLines / groups + (group < aclLines % groups ? 1 : 0)
            text += "<extended><name>A\(group)</name>"
            for sequence in 0..<count {
                let host = "\(10 + (line >> 16)).\((line >> 8) & 0xFF).\(line & 0xFF).1"
                text += "<access-list-seq-rule><sequence>\(sequence * 10 + 10)</sequence><ace-rule><action>permit</action><protocol>ip</protocol>"
                    + "<host-address>\(host)</host-address><dst-host-address>\(host)</dst-host-address></ace-rule></access-list-seq-rule>"
                line += 1
            }
            text += "</extended>\n"
        }
        return text + "</access-list></ip></native>\n"
    }
}
