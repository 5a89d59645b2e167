import Foundation
import Testing

/// `groupkey bench register` at a tiny size: the registrations must all succeed and the figures
/// be printed (timings are taken by hand, in release; a test only keeps the command working).
@Suite struct BenchRegisterCommandLineTests {
    @Test func enginesInMemoryReportBothSidesCPU() throws {
        let result = try PolicyCommandLineTests.run(["bench", "register", "--engines", "--members", "5", "--runs", "1"])
        #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
        let summary = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("register engines N=5") },
                                   "\(result.output)")
        // "GCKS 187.1 µs and member 201.7 µs CPU per registration, 5.0 datagrams": both sides did work,
        // and a registration took four or more datagrams (SA_INIT pair, GSA_AUTH pair, maybe fragments).
        let numbers = summary.split(whereSeparator: { !"0123456789.".contains($0) }).compactMap { Double($0) }
        #expect(numbers.count >= 5, "\(summary)")
        if numbers.count >= 5 {
            #expect(numbers[2] > 0 && numbers[3] > 0, "\(summary)")
            #expect(numbers[4] >= 4, "\(summary)")
        }
    }

    @Test func loopbackUDPRegistrationsAllSucceed() throws {
        let result = try PolicyCommandLineTests.run(["bench", "register", "--members", "20", "--concurrency", "4", "--runs", "1"])
        #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
        #expect(result.output.contains("register udp N=20 C=4:"), "\(result.output)")
    }
}
