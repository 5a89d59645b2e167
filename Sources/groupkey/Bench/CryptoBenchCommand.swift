import ArgumentParser
import Foundation
import GroupKeyCrypto
import GroupKeyTypes

struct CryptoBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Key agreement, ESP-sized encryption and key-wrap rates, beside `openssl speed`."
    )

    @Option(help: "Seconds per timed run.") var seconds: Double = 1
    @Option(help: "Timed runs per figure; the median is reported.") var runs: Int = 5
    @Option(help: "Octets per message for the cipher figures (an ESP packet).") var bytes: Int = 1400
    @Flag(help: "Skip the `openssl speed` comparison.") var noCompare = false
    @Option(help: "Only the figures whose name contains this text (e.g. GCM, KE 19, KWP).") var only: String?
    @Option(help: "text or json") var format: OutputFormat = .text

    struct Row: Encodable {
        let name: String
        let unit: String
        let groupkey: Double
        let openssl: Double?
        let ratio: Double?
        let opensslTest: String
    }

    func run() throws {
        guard seconds > 0, runs > 0, bytes > 0 else { throw ValidationError("--seconds, --runs and --bytes must be positive") }
        let runner = BenchmarkRunner(secondsPerRun: seconds, runs: runs)
        let speedSeconds = max(1, Int(seconds.rounded()))
        var rows: [Row] = []
        func reference(_ measure: @escaping () -> Double?) -> (() -> Double?)? { noCompare ? nil : measure }
        func wanted(_ name: String) -> Bool { only.map { name.localizedCaseInsensitiveContains($0) } ?? true }
        func add(_ name: String, _ unit: String, _ figure: @autoclosure () throws -> BenchmarkRunner.Paired, _ test: String) rethrows {
            guard wanted(name) else { return }
            let figure = try figure()
            rows.append(Row(name: name, unit: unit, groupkey: figure.ours, openssl: figure.reference, ratio: figure.ratio,
                            opensslTest: figure.reference == nil ? "-" : test))
        }

        for (id, test) in [(KeyExchangeMethodID.modp2048, "ffdh2048"), (.ecp256, "ecdhp256"), (.curve25519, "ecdhx25519")] {
            let method = try AlgorithmRegistry.keyExchange(id)
            let peer = try method.generate().publicValue
            let mine = try method.generate()
            try add("KE \(id.rawValue) agreement (peer value validated)", "op/s",
                try runner.paired({ _ = try mine.sharedSecret(peerPublicValue: peer) },
                                  reference: reference { OpenSSLSpeed.agreements(test, seconds: speedSeconds) }),
                "openssl speed \(test)")
            try add("KE \(id.rawValue) key generation + agreement", "op/s",
                try runner.paired({ _ = try method.generate().sharedSecret(peerPublicValue: peer) }, reference: nil), "-")
        }

        let random = SystemRandom()
        let message = try random.bytes(bytes)
        let iv8 = try random.bytes(8), iv16 = try random.bytes(16), aad = try random.bytes(8)
        let gcm = try AEADCipher(.aesGCM(keyLength: 32, icvLength: 16), keyingMaterial: try random.secret(36))
        try add("AES-GCM-256 seal, \(bytes) octets + 16 ICV", "B/s",
            try runner.paired(scale: Double(bytes), { _ = try gcm.seal(message, iv: iv8, aad: aad) },
                              reference: reference { OpenSSLSpeed.throughput(evp: "aes-256-gcm", aead: true, bytes: bytes, seconds: speedSeconds) }),
            "openssl speed -aead -evp aes-256-gcm -bytes \(bytes)")

        let cbc = try CBCCipher(.aes256, key: try random.secret(32))
        let mac = try IntegrityTransform(.hmacSHA2_256_128, key: try random.secret(32))
        let padded = Array(message.prefix(bytes / 16 * 16))
        try add("AES-CBC-256 + HMAC-SHA2-256-128, \(padded.count) octets", "B/s",
            try runner.paired(scale: Double(padded.count), {
                let sealed = try cbc.encrypt(padded, iv: iv16, aad: [UInt8]())
                _ = try mac.compute([iv16, sealed])
            }, reference: reference {
                // Both passes over the same octets, one after the other.
                guard let aes = OpenSSLSpeed.throughput(evp: "aes-256-cbc", bytes: padded.count, seconds: speedSeconds),
                      let hmac = OpenSSLSpeed.throughput(hmac: "sha256", bytes: padded.count, seconds: speedSeconds),
                      aes > 0, hmac > 0 else { return nil }
                return 1 / (1 / aes + 1 / hmac)
            }), "openssl speed -evp aes-256-cbc and -hmac sha256, combined")

        let kek = try random.secret(32), key = try random.secret(32)
        let kwp = try AESKeyWrap(mode: .rfc5649, kek: kek)
        try add("AES-KWP-256 wrap of a 32-octet key", "op/s",
            try runner.paired({ _ = try kwp.wrap(key: key) },
                              reference: reference { OpenSSLSpeed.throughput(evp: "id-aes256-wrap-pad", bytes: 32, seconds: speedSeconds).map { $0 / 32 } }),
            "openssl speed -evp id-aes256-wrap-pad -bytes 32")
        try add("AES-KWP-256 key set-up + wrap", "op/s",
            try runner.paired({ _ = try AESKeyWrap(mode: .rfc5649, kek: kek).wrap(key: key) }, reference: nil), "-")

        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .text:
            print("median of \(runs) runs of \(seconds) s; each run of ours is followed by `openssl speed` for the same work, ratio = median of the pairs")
            print(pad("operation", 52) + pad("groupkey", 14) + pad("openssl", 14) + "ratio")
            for row in rows {
                print(pad(row.name, 52) + pad(Self.human(row.groupkey, row.unit), 14)
                      + pad(row.openssl.map { Self.human($0, row.unit) } ?? "-", 14)
                      + (row.ratio.map { String(format: "%.2f", $0) } ?? "-"))
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func human(_ value: Double, _ unit: String) -> String {
        if unit == "B/s" { return String(format: "%.0f MB/s", value / 1e6) }
        return value >= 10_000 ? String(format: "%.0fk op/s", value / 1000) : String(format: "%.0f op/s", value)
    }
}
