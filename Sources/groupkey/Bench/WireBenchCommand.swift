import ArgumentParser
import Foundation
import GDOIWire
import GIKEv2Wire
import GroupKeyCrypto
import WireCore

/// Stands in for the cipher so the figure measures the codecs alone (cipher rates are in
/// `bench crypto`).
struct IdentityCipher: IKEv2PayloadProtection {
    var ivLength: Int { 16 }
    var blockSize: Int { 16 }
    var icvLength: Int { 16 }
    var isAEAD: Bool { false }
    func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { plaintext }
    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { input }
    func computeICV(over data: [UInt8]) throws -> [UInt8] { [UInt8](repeating: 0, count: 16) }
    func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws {}
}

/// The two messages the wire figure uses: a full GSA_AUTH response and a GROUPKEY-PULL message 4.
enum WireBenchMessages {
    /// A /32 UDP 848 selector.
    static func selector(_ last: UInt8) -> TrafficSelector {
        .addressRange(AddressRangeSelector(ipProtocolID: 17, startPort: 848, endPort: 848,
                                           startAddress: [239, 192, 0, last], endAddress: [239, 192, 0, last]))
    }

    /// GSA_AUTH response: SK{IDr, AUTH, GSA(KEK, TEK, GW), KD(KEK bag, TEK bag, member bag)}.
    static func gsaAuthResponse() throws -> [UInt8] {
        let kek = GroupSAPolicy(protocolID: 6, spi: [UInt8](repeating: 1, count: 16), source: selector(1), destination: selector(2),
                                transforms: [IKEv2Transform(type: 1, id: 12, attributes: [.tv(14, 256)]), IKEv2Transform(type: 3, id: 12),
                                             IKEv2Transform(type: 14, id: 2, attributes: [.tlv(18, [UInt8](repeating: 0x30, count: 15))]),
                                             IKEv2Transform(type: 13, id: 3)],
                                attributes: [.tlv(1, [0, 1, 0x51, 0x80])])
        let tek = GroupSAPolicy(protocolID: 3, spi: [0, 0, 1, 0], source: selector(3), destination: selector(4),
                                transforms: [IKEv2Transform(type: 1, id: 20, attributes: [.tv(14, 256)]), IKEv2Transform(type: 5, id: 2)],
                                attributes: [.tlv(1, [0, 0, 14, 16])])
        let wrapped = { (id: UInt32, n: Int) in WrappedKey(keyID: id, kwkID: 0, encryptedKey: [UInt8](repeating: 7, count: n)) }
        let inner: [IKEv2Payload] = [
            .identificationResponder(IdentificationPayload(idType: 2, data: Array("gcks.example".utf8))),
            .authentication(AuthenticationPayload(method: 2, data: [UInt8](repeating: 1, count: 32))),
            .groupSecurityAssociation(GroupSecurityAssociationPayload(policies: [.securityAssociation(kek), .securityAssociation(tek),
                                                                                 .groupWide(GroupWidePolicy(attributes: [.tv(1, 10), .tv(2, 30)]))])),
            .keyDownload(KeyDownloadPayload(bags: [
                .group(GroupKeyBag(protocolID: 6, spi: [UInt8](repeating: 1, count: 16), attributes: [.saKey(wrapped(0, 104))])),
                .group(GroupKeyBag(protocolID: 3, spi: [0, 0, 1, 0], attributes: [.saKey(wrapped(0, 48))])),
                .member(MemberKeyBag(attributes: [.wrapKey(wrapped(7, 40)), .authKey([UInt8](repeating: 3, count: 44))])),
            ])),
        ]
        let header = IKEv2Header(initiatorSPI: 1, responderSPI: 2, exchangeType: 39, flags: 0x20, messageID: 1)
        return try SKProtection.seal(header: header, innerPayloads: inner, iv: [UInt8](repeating: 0, count: 16), protection: IdentityCipher())
    }

    /// GROUPKEY-PULL message 4 plaintext: HASH, SEQ, KD(TEK, KEK, LKH download array of 3).
    static func groupkeyPull4() throws -> (ISAKMPHeader, [UInt8]) {
        let lkh = LKHDownloadArray(keys: (1...3).map { LKHKey(lkhID: UInt16($0), keyType: 3, keyHandle: UInt32($0), keyData: SecretBytes.zeros(count: 32)) })
        let kd = GDOIKeyDownload(packets: [
            GDOIKeyPacket(kdType: 1, spi: [0, 0, 1, 0], attributes: [.secret(type: 1, value: SecretBytes.zeros(count: 36))]),
            GDOIKeyPacket(kdType: 2, spi: [UInt8](repeating: 1, count: 16), attributes: [.secret(type: 1, value: SecretBytes.zeros(count: 32))]),
            GDOIKeyPacket(kdType: 3, spi: [UInt8](repeating: 1, count: 16), attributes: [.secret(type: 1, value: lkh.encoded())]),
        ])
        let payloads: [ISAKMPPayload] = [.hash(data: [UInt8](repeating: 2, count: 32)), .sequenceNumber(GDOISequenceNumber(7)), .keyDownload(kd)]
        let header = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, nextPayload: 8, exchangeType: 32, flags: 1, messageID: 9)
        return (header, try ISAKMPMessage.serializePayloads(payloads))
    }
}

struct WireBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Parse + rule check + serialise rate of a GSA_AUTH response and a GROUPKEY-PULL message 4."
    )

    @Option(help: "Seconds per timed run.") var seconds: Double = 1
    @Option(help: "Timed runs per figure; the median is reported.") var runs: Int = 5

    func run() throws {
        guard seconds > 0, runs > 0 else { throw ValidationError("--seconds and --runs must be positive") }
        let runner = BenchmarkRunner(secondsPerRun: seconds, runs: runs)
        let auth = try WireBenchMessages.gsaAuthResponse()
        let authRate = try runner.operationsPerSecond {
            let opened = try SKProtection.open(auth, protection: IdentityCipher())
            try IKEv2ExchangeRules.check(opened)
            _ = try SKProtection.seal(header: opened.header, innerPayloads: opened.innerPayloads,
                                      iv: [UInt8](repeating: 0, count: 16), protection: IdentityCipher())
        }
        let (header, plaintext) = try WireBenchMessages.groupkeyPull4()
        let pullRate = try runner.operationsPerSecond {
            let (payloads, offsets) = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: header)
            try GDOIExchangeRules.check(header: header, payloads: payloads, offsets: offsets, message: 4)
            _ = try ISAKMPMessage.serializePayloads(payloads)
        }
        print("median of \(runs) runs of \(seconds) s (codecs only; an identity cipher stands in)")
        print(String(format: "GSA_AUTH response (%d octets): %.0f messages/s parse + rules + serialise", auth.count, authRate))
        print(String(format: "GROUPKEY-PULL message 4 (%d octets): %.0f messages/s parse + rules + serialise", 28 + plaintext.count, pullRate))
    }
}
