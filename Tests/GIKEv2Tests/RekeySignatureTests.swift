import EngineCore
import Foundation
@testable import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import Testing

/// GSA_REKEYs authenticated by the GCKS's signature (RFC 9838 §2.4.1.1), with rekey-signing keys
/// made by the openssl command line (Vectors/rekey-keys-README.txt). Members verify against the
/// AUTH_KEY they received at registration.
@Suite("Rekey: digital-signature GSA_REKEY with openssl-made RSA and ECDSA keys")
struct RekeySignatureTests {
    static let cases: [(SignatureAlgorithm, String, SignatureScheme)] = [
        (.rsaPKCS1SHA256, "rekey-gcks-rsa2048-key.pem", .rsaPKCS1v15(.sha256)),
        (.ecdsaP256SHA256, "rekey-gcks-ecdsa-p256-key.pem", .ecdsa(.sha256)),
    ]

    @Test("Signed TEK rollovers and evictions are accepted by every member", arguments: [0, 1])
    func signedRekeysAccepted(index: Int) throws {
        let (algorithm, file, _) = Self.cases[index]
        var group = try RekeyGroup(state: try RekeyGroup.state(signature: algorithm, keyFile: file), count: 4, senders: [0])
        #expect(group.members.allSatisfy { $0.receiver.holdings.rekeySA?.authKey != nil }, "AUTH_KEY given at registration")
        for _ in 0..<3 { group.deliver(group.gcks.rekeyNow(group: group.groupName, now: group.now)) }
        group.deliver(group.gcks.evict(group: group.groupName, members: [group.members[3].stateName], now: group.now))
        // Members whose GCAUTH is Digital Signature accept no GSA_REKEY without a verifying AUTH.
        for member in group.members.prefix(3) {
            #expect(member.receiver.accepted == 5 && member.receiver.rejectedCount == 0)
            #expect(member.receiver.holdings.rekeySA?.spi == group.state.rekeySA?.spi)
        }
        #expect(group.members[3].receiver.reregistration == .excluded)
    }

    @Test("A rekey signed by another key, or with a damaged or missing signature, is rejected and changes nothing", arguments: [0, 1])
    func forgedSignatures(index: Int) throws {
        let (algorithm, file, scheme) = Self.cases[index]
        var group = try RekeyGroup(state: try RekeyGroup.state(signature: algorithm, keyFile: file), count: 2, senders: [])
        let (rekey, state) = try group.directory.withGroup(named: group.groupName) { (s) throws(GroupStateError) in
            (try s.rollOverTEKs(atMilliseconds: 0, random: SystemRandom()), s)
        }
        let forger = try SigningKey(pem: VectorLoader.text(named: "rekey-forger-rsa2048-key.pem", in: .module))
        let genuineKey = try SigningKey(pem: VectorLoader.text(named: file, in: .module))
        let otherKey = try RekeyForgery.build(rekey, state: state, signer: (forger, .rsaPKCS1v15(.sha256)))
        let damaged = try RekeyForgery.build(rekey, state: state, signer: (genuineKey, scheme), corruptSignature: true)
        let unsigned = try RekeyForgery.build(rekey, state: state, signer: nil)
        for forged in [otherKey, damaged, unsigned] {
            RekeyRejectionTests.expectRejected(forged, as: .signature, by: &group.members[0].receiver)
        }
        // The same rekey properly signed still goes through: the window did not move.
        let genuine = try RekeyForgery.build(rekey, state: state, signer: (genuineKey, scheme))
        _ = group.members[0].receiver.receive(genuine, now: .zero)
        #expect(group.members[0].receiver.accepted == 1 && group.members[0].receiver.rejected[.signature] == 3)
    }

    @Test("A genuinely signed rekey SA rollover carrying a new AUTH_KEY that is no usable public key is refused; the member keeps its key")
    func unusableNewAuthKeyRefused() throws {
        let (algorithm, file, scheme) = Self.cases[0]
        var group = try RekeyGroup(state: try RekeyGroup.state(signature: algorithm, keyFile: file), count: 1, senders: [])
        let (rekey, state) = try group.directory.withGroup(named: group.groupName) { (s) throws(GroupStateError) in
            (try s.rollOverRekeySA(atMilliseconds: 0, random: SystemRandom()), s)
        }
        let genuineKey = try SigningKey(pem: VectorLoader.text(named: file, in: .module))
        // Our GCKS's signing key does not change, so its rekeys carry no AUTH_KEY; another GCKS may
        // send one with a new rekey SA (RFC 9838 §4.5.3.2). This one is DER but no public key.
        let unusable: MemberKeyBagAttribute = .authKey([0x30, 0x03, 0x02, 0x01, 0x00])
        let damaged = try RekeyForgery.build(rekey, state: state, signer: (genuineKey, scheme)) { inner in
            inner.map { payload in
                guard case .keyDownload(var kd) = payload else { return payload }
                if let index = kd.bags.firstIndex(where: { if case .member = $0 { true } else { false } }),
                   case .member(var member) = kd.bags[index] {
                    member.attributes.append(unusable)
                    kd.bags[index] = .member(member)
                } else {
                    kd.bags.append(.member(MemberKeyBag(attributes: [unusable])))
                }
                return .keyDownload(kd)
            }
        }
        let held = group.members[0].receiver.holdings.rekeySA?.authKey
        RekeyRejectionTests.expectRejected(damaged, as: .policy, by: &group.members[0].receiver)
        #expect(group.members[0].receiver.holdings.rekeySA?.authKey == held)
    }

    @Test("openssl verifies the GCKS's GSA_REKEY signature over A | P (RFC 9838 Figure 10)", arguments: [0, 1])
    func opensslVerifiesSignature(index: Int) throws {
        let (algorithm, file, _) = Self.cases[index]
        var group = try RekeyGroup(state: try RekeyGroup.state(signature: algorithm, keyFile: file), count: 1, senders: [])
        // The first send: a persist record comes before it (the keys are durable before they travel).
        let actions = group.gcks.rekeyNow(group: group.groupName, now: group.now)
        guard case .send(let datagram, _)? = actions.first(where: { if case .send = $0 { true } else { false } }) else {
            Issue.record("no GSA_REKEY")
            return
        }
        // Open with the member's rekey SA keys, rebuild A | P with the AUTH octets zeroed, and let
        // openssl check the signature with the public half of the PEM.
        let rekey = try #require(group.members[0].receiver.holdings.rekeySA)
        let keys = try RekeySAKeys(encryption: rekey.encryption, keyBits: rekey.keyBits, integrity: rekey.integrity,
                                   keyWrap: rekey.keyWrap, keyMaterial: rekey.keyMaterial)
        let opened = try SKProtection.open(datagram, protection: keys.protection)
        guard case .authentication(let auth)? = opened.innerPayloads.last else { Issue.record("no AUTH"); return }
        let signature = try DigitalSignatureAuthentication(decoding: auth.data)
        let zeroed = DigitalSignatureAuthentication(scheme: signature.scheme, signature: [UInt8](repeating: 0, count: signature.signature.count))
        let zeroedAuth = AuthenticationPayload(method: auth.method, data: zeroed.encoded)
        let octets = try GSARekeySignature.signedOctets(header: opened.header, innerPayloads: Array(opened.innerPayloads.dropLast()),
                                                        auth: zeroedAuth)
        // The same octets put together by hand from the datagram as sent (RFC 9838 §2.4.1.1, Figure
        // 10): A is its header with Length = AdjustedLen (28 + 4 + |P|) and the SK generic header
        // (first inner type, flags) with Payload Length = 4 + |P|; P is the inner payloads with the
        // signature octets zeroed and the AUTH header kept.
        let p = try IKEv2Message.serializeInnerPayloads(Array(opened.innerPayloads.dropLast()) + [.authentication(zeroedAuth)])
        let adjusted = UInt32(28 + 4 + p.count), payloadLength = UInt16(4 + p.count)
        let hand = Array(datagram[0..<24]) + [UInt8(adjusted >> 24), UInt8(adjusted >> 16 & 0xFF), UInt8(adjusted >> 8 & 0xFF), UInt8(adjusted & 0xFF)]
            + [datagram[28], datagram[29], UInt8(payloadLength >> 8), UInt8(payloadLength & 0xFF)] + p
        #expect(octets == hand, "A | P as the RFC builds it from the message sent")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rekey-sig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyURL = try #require(Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Vectors"))
        let data = directory.appendingPathComponent("data.bin"), sig = directory.appendingPathComponent("sig.bin")
        let pub = directory.appendingPathComponent("pub.pem")
        try Data(octets).write(to: data)
        try Data(signature.signature).write(to: sig)
        guard let derive = Self.openssl(["pkey", "-in", keyURL.path, "-pubout", "-out", pub.path]) else {
            withKnownIssue("no openssl command line on this machine") { Issue.record("openssl missing") }
            return
        }
        #expect(derive == 0)
        #expect(Self.openssl(["dgst", "-sha256", "-verify", pub.path, "-signature", sig.path, data.path]) == 0)
        // And openssl refuses the same signature over other octets.
        var other = octets
        other[other.count - 40] ^= 1
        try Data(other).write(to: data)
        #expect(Self.openssl(["dgst", "-sha256", "-verify", pub.path, "-signature", sig.path, data.path]) == 1)
    }

    /// Runs the openssl command line; nil when it is not installed.
    static func openssl(_ arguments: [String]) -> Int32? {
        for path in ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        where FileManager.default.isExecutableFile(atPath: path) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return nil }
            process.waitUntilExit()
            return process.terminationStatus
        }
        return nil
    }
}
