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
    @Option(help: "text or json") var format: OutputFormat = .text

    struct Row: Encodable {
        let name: String
        let unit: String
        let groupkey: Double
        let openssl: Double?
        let opensslTest: String
        var ratio: Double? { openssl.map { $0 > 0 ? groupkey / $0 : 0 } }

        enum CodingKeys: String, CodingKey { case name, unit, groupkey, openssl, opensslTest, ratio }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(unit, forKey: .unit)
            try c.encode(groupkey, forKey: .groupkey)
            try c.encodeIfPresent(openssl, forKey: .openssl)
            try c.encode(opensslTest, forKey: .opensslTest)
            try c.encodeIfPresent(ratio, forKey: .ratio)
        }
    }

    func run() throws {
        guard seconds > 0, runs > 0, bytes > 0 else { throw ValidationError("--seconds, --runs and --bytes must be positive") }
        let runner = BenchmarkRunner(secondsPerRun: seconds, runs: runs)
        let speedSeconds = max(1, Int(seconds.rounded()))
        var rows: [Row] = []
        let compare = !noCompare

        for (id, test) in [(KeyExchangeMethodID.modp2048, "ffdh2048"), (.ecp256, "ecdhp256"), (.curve25519, "ecdhx25519")] {
            let method = try AlgorithmRegistry.keyExchange(id)
            let peer = try method.generate().publicValue
            let mine = try method.generate()
            let agree = try runner.operationsPerSecond { _ = try mine.sharedSecret(peerPublicValue: peer) }
            let full = try runner.operationsPerSecond { _ = try method.generate().sharedSecret(peerPublicValue: peer) }
            let reference = compare ? OpenSSLSpeed.agreements(test, seconds: speedSeconds) : nil
            rows.append(Row(name: "KE \(id.rawValue) agreement (peer value validated)", unit: "op/s", groupkey: agree,
                            openssl: reference, opensslTest: "openssl speed \(test)"))
            rows.append(Row(name: "KE \(id.rawValue) key generation + agreement", unit: "op/s", groupkey: full,
                            openssl: nil, opensslTest: "-"))
        }

        let random = SystemRandom()
        let message = try random.bytes(bytes)
        let iv8 = try random.bytes(8), iv16 = try random.bytes(16), aad = try random.bytes(8)
        let gcm = try AEADCipher(.aesGCM(keyLength: 32, icvLength: 16), keyingMaterial: try random.secret(36))
        let gcmRate = try runner.operationsPerSecond { _ = try gcm.seal(message, iv: iv8, aad: aad) } * Double(bytes)
        rows.append(Row(name: "AES-GCM-256 seal, \(bytes) octets + 16 ICV", unit: "B/s", groupkey: gcmRate,
                        openssl: compare ? OpenSSLSpeed.throughput(evp: "aes-256-gcm", bytes: bytes, seconds: speedSeconds) : nil,
                        opensslTest: "openssl speed -evp aes-256-gcm -bytes \(bytes)"))

        let cbc = try CBCCipher(.aes256, key: try random.secret(32))
        let mac = try IntegrityTransform(.hmacSHA2_256_128, key: try random.secret(32))
        let padded = Array(message.prefix(bytes / 16 * 16))
        let cbcRate = try runner.operationsPerSecond {
            let sealed = try cbc.encrypt(padded, iv: iv16, aad: [UInt8]())
            _ = try mac.compute([iv16, sealed])
        } * Double(padded.count)
        var cbcReference: Double? = nil
        if compare, let aes = OpenSSLSpeed.throughput(evp: "aes-256-cbc", bytes: bytes, seconds: speedSeconds),
           let hmac = OpenSSLSpeed.throughput(hmac: "sha256", bytes: bytes, seconds: speedSeconds), aes > 0, hmac > 0 {
            cbcReference = 1 / (1 / aes + 1 / hmac)  // both passes over the same octets, one after the other
        }
        rows.append(Row(name: "AES-CBC-256 + HMAC-SHA2-256-128, \(padded.count) octets", unit: "B/s", groupkey: cbcRate,
                        openssl: cbcReference, opensslTest: "openssl speed -evp aes-256-cbc and -hmac sha256, combined"))

        let kek = try random.secret(32), key = try random.secret(32)
        let kwp = try AESKeyWrap(mode: .rfc5649, kek: kek)
        let wrapRate = try runner.operationsPerSecond { _ = try kwp.wrap(key: key) }
        let keyedWrapRate = try runner.operationsPerSecond { _ = try AESKeyWrap(mode: .rfc5649, kek: kek).wrap(key: key) }
        let wrapReference = compare ? OpenSSLSpeed.throughput(evp: "id-aes256-wrap-pad", bytes: 32, seconds: speedSeconds).map { $0 / 32 } : nil
        rows.append(Row(name: "AES-KWP-256 wrap of a 32-octet key", unit: "op/s", groupkey: wrapRate, openssl: wrapReference,
                        opensslTest: "openssl speed -evp id-aes256-wrap-pad -bytes 32"))
        rows.append(Row(name: "AES-KWP-256 key set-up + wrap", unit: "op/s", groupkey: keyedWrapRate, openssl: nil, opensslTest: "-"))

        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .text:
            print("median of \(runs) runs of \(seconds) s; openssl speed in the same run")
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
