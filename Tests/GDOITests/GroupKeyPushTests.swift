import EngineCore
import Foundation
import GDOI
import GDOIWire
import GroupKeyCrypto
import GroupKeyTestSupport
import GroupState
import LKH
import Testing

/// Pushes built from the shared group state and delivered to members registered by GROUPKEY-PULL.
enum PushFixtures {
    static func newTEK(like old: DataSecuritySA, spi: [UInt8], fill: UInt8) -> DataSecuritySA {
        DataSecuritySA(policy: old.policy, spi: spi,
                       keyMaterial: SecretBytes([UInt8](repeating: fill, count: old.keyMaterial.count)),
                       encryptionKeyLength: old.encryptionKeyLength, integrityKeyLength: old.integrityKeyLength,
                       createdAtMilliseconds: 1000)
    }

    static func newRekeySA(like old: RekeySA, spi: [UInt8], fill: UInt8) -> RekeySA {
        RekeySA(policy: old.policy, spi: spi, keyMaterial: SecretBytes([UInt8](repeating: fill, count: old.keyMaterial.count)),
                encryptionKeyLength: old.encryptionKeyLength, integrityKeyLength: old.integrityKeyLength,
                keyWrapKeyLength: old.keyWrapKeyLength, signatureScheme: old.signatureScheme, signingPublicKey: old.signingPublicKey)
    }

    static func deliver(_ push: [UInt8], to client: inout GroupKeyPullClient) throws -> [Action] {
        client.handle(datagram: push, header: try GroupKeyFixtures.header(push), under: nil, from: GroupKeyFixtures.serverAddress,
                      now: EngineTime(milliseconds: 5000))
    }

    /// Decrypts a push under `kek`, lets `change` edit the plaintext and encrypts it again: a push
    /// whose encryption is right and whose content is not what the key server signed.
    static func reencrypted(_ push: [UInt8], kek: GDOIKEKKey, change: (inout [UInt8]) -> Void) throws -> [UInt8] {
        let cipher = try CBCCipher(kek.algorithm, key: kek.key)
        var plaintext = try cipher.decrypt(Array(push[28...]), iv: kek.iv, aad: [UInt8]())
        change(&plaintext)
        return Array(push[0..<28]) + (try cipher.encrypt(plaintext, iv: kek.iv, aad: [UInt8]()))
    }

    /// The payloads of a decrypted push, walked by hand: (type, offset in plaintext, length).
    static func walk(_ plaintext: [UInt8], first: UInt8) -> [(type: UInt8, offset: Int, length: Int)] {
        var out: [(UInt8, Int, Int)] = []
        var type = first, offset = 0
        while type != 0, offset + 4 <= plaintext.count {
            let length = Int(plaintext[offset + 2]) << 8 | Int(plaintext[offset + 3])
            out.append((type, offset, length))
            type = plaintext[offset]
            offset += length
        }
        return out
    }
}

@Suite("GroupKeyPush rekeys")
struct GroupKeyPushRekeyTests {
    @Test("A TEK rollover push is accepted: new TEK installed with the shared keys, old one removed after the deactivation delay, SEQ advanced")
    func tekRollover() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1)
        let group = directory.snapshot[0]
        let old = group.dataSecuritySAs[0]
        let fresh = PushFixtures.newTEK(like: old, spi: [0x12, 0x34, 0x56, 0x78], fill: 0x5A)
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], deletedTEKSPIs: [old.spi], sequence: 1),
                                                   group: group, encryptingUnder: kek)
        let header = try GroupKeyFixtures.header(push)
        #expect(header.exchangeType == 33 && header.flags == 1 && header.messageID == 0 && header.cookiePair == kek.spi)
        let actions = try PushFixtures.deliver(push, to: &member)   // at t = 5 s
        let holdings = try #require(member.holdings)
        #expect(holdings.sequence == 1)
        #expect(holdings.tek(spi: fresh.spi)?.keyMaterial == fresh.keyMaterial)
        #expect(actions.contains { if case .installSA(let sa) = $0 { return sa.reference.spi == fresh.spi } else { return false } })
        #expect(member.pushes.accepted == 1)
        // The demo group's DEACTIVATION_TIME_DELAY is 30 s: the old TEK stays for inbound traffic until then.
        #expect(!actions.contains(.removeSA(SAReference(group: "1001", kind: .esp, spi: old.spi))))
        #expect(actions.contains(.scheduleTimer(TimerID("gdoi-tek-retire"), at: EngineTime(milliseconds: 35_000))))
        #expect(holdings.teks.map(\.spi) == [old.spi, fresh.spi])
        #expect(member.tick(now: EngineTime(milliseconds: 34_999)).isEmpty)
        #expect(member.tick(now: EngineTime(milliseconds: 35_000)) == [.removeSA(SAReference(group: "1001", kind: .esp, spi: old.spi))])
        #expect(member.holdings?.teks.map(\.spi) == [fresh.spi])
    }

    @Test("A sender installs a pushed TEK inbound at once and for sending after the 10 s activation delay")
    func activationDelayForSenders() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(activationDelay: 10)])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1, senderIDs: 1)
        #expect(member.holdings?.activationDelay == 10)
        let group = directory.snapshot[0]
        let fresh = PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 4, 0, 1], fill: 0x44)
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], sequence: 1), group: group,
                                                   encryptingUnder: kek)
        func installs(_ actions: [Action]) -> [SAInstallation] {
            actions.compactMap { if case .installSA(let sa) = $0 { return sa } else { return nil } }
        }
        let now = try PushFixtures.deliver(push, to: &member)   // at t = 5 s
        #expect(installs(now).map(\.direction) == [.inbound])
        #expect(member.tick(now: EngineTime(milliseconds: 14_999)).isEmpty)
        let later = member.tick(now: EngineTime(milliseconds: 15_000))
        #expect(installs(later).map(\.direction) == [.both])
        #expect(installs(later).first?.keyMaterial == fresh.keyMaterial)
    }

    @Test("A KEK rollover push replaces the KEK; the next push, under the new KEK, is accepted too")
    func kekRollover() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        var member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1)
        let group = directory.snapshot[0]
        let rekey = try #require(group.rekeySA)
        let newRekey = PushFixtures.newRekeySA(like: rekey, spi: [UInt8](repeating: 0x77, count: 16), fill: 0x3C)
        let oldKEK = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let content = GDOIPushContent(group: group.name, newKEK: newRekey, sequence: 1)
        let push = try GroupKeyPushBuilder().build(content, group: group, encryptingUnder: oldKEK)
        _ = try PushFixtures.deliver(push, to: &member)
        let newKEK = try GroupKeyPushBuilder.kekAfter(content, group: group, current: oldKEK)
        #expect(member.holdings?.kek?.key == newKEK)
        #expect(newKEK.key == newRekey.keyMaterial.slice(0..<newRekey.encryptionKeyLength))

        let fresh = PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 0, 9, 9], fill: 0x11)
        let next = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], sequence: 2), group: group,
                                                   encryptingUnder: newKEK)
        _ = try PushFixtures.deliver(next, to: &member)
        #expect(member.holdings?.sequence == 2)
        #expect(member.holdings?.teks.map(\.spi).contains(fresh.spi) == true)
    }

    @Test("The push signature verifies against the openssl-made public key, over \"rekey\" | HDR | payloads before SIG")
    func signatureAgainstOpenSSLKey() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        let member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1)
        let group = directory.snapshot[0]
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        let push = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, deletedTEKSPIs: [[1, 2, 3, 4]], sequence: 1),
                                                   group: group, encryptingUnder: kek)
        let plaintext = try CBCCipher(.aes256, key: kek.key).decrypt(Array(push[28...]), iv: kek.iv, aad: [UInt8]())
        let payloads = PushFixtures.walk(plaintext, first: push[16])
        #expect(payloads.map(\.type) == [18, 12, 9])   // SEQ, D, SIG: a delete-only push (RFC 6407 §5.9)
        let sig = payloads[2]
        let signature = Array(plaintext[(sig.offset + 4)..<(sig.offset + sig.length)])
        let pem = try VectorLoader.text(named: "gdoi-rekey-rsa2048-public.pem", in: .module)
        let publicKey = try VerifyingKey(pem: pem)
        try publicKey.verify(signature, for: Array("rekey".utf8) + Array(push[0..<28]) + Array(plaintext[0..<sig.offset]),
                             scheme: .rsaPKCS1v15(.sha256))
        // The member holds the same SubjectPublicKeyInfo openssl wrote.
        let der = Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()).map { [UInt8]($0) }
        #expect(member.holdings?.kek?.signingPublicKey == der)
    }
}

@Suite("GroupKeyPush sender")
struct GroupKeyPushSenderTests {
    @Test("The sender keeps the KEK members hold across a KEK rollover and an eviction; members follow every push")
    func senderTracksKEK() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(lkh: true)])
        var members = try ["a.example", "b.example"].enumerated().map { index, name in
            try GroupKeyFixtures.registeredMember(directory: directory, member: name, seed: UInt8(index + 1))
        }
        let group = directory.snapshot[0]
        var sender = GroupKeyPushSender()
        try sender.prime(group)
        let rekey = try #require(group.rekeySA)
        var tree = try #require(group.keyTree)
        let eviction = try tree.evict([LKHMemberID("id2:b.example")], random: DeterministicRandom(seed: 77))
        let contents = [
            GDOIPushContent(group: group.name, teks: [PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 3, 0, 1], fill: 1)], sequence: 1),
            GDOIPushContent(group: group.name, newKEK: PushFixtures.newRekeySA(like: rekey, spi: [UInt8](repeating: 5, count: 16), fill: 9),
                            sequence: 2),
            GDOIPushContent(group: group.name, teks: [PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 3, 0, 3], fill: 3)], sequence: 3),
            GDOIPushContent(group: group.name, lkhUpdate: eviction, sequence: 4),
            GDOIPushContent(group: group.name, teks: [PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 3, 0, 5], fill: 5)], sequence: 5),
        ]
        for content in contents {
            let push = try sender.push(content, group: group)
            for index in members.indices { _ = try PushFixtures.deliver(push, to: &members[index]) }
        }
        #expect(members[0].holdings?.sequence == 5)
        #expect(members[0].pushes.accepted == 5)
        #expect(members[0].holdings?.kek?.key == sender.kek(of: group.name))
        #expect(members[0].holdings?.kek?.key.key == eviction.newRoot.key)
        #expect(members[0].holdings?.kek?.key.spi == [UInt8](repeating: 5, count: 16))
        // The evicted member followed up to the eviction and no further.
        #expect(members[1].holdings?.sequence == 3)
        #expect(members[1].pushes.accepted == 3)
    }
}

@Suite("GroupKeyPush refusals")
struct GroupKeyPushRefusalTests {
    struct Setup {
        var member: GroupKeyPullClient
        let group: GroupState
        let kek: GDOIKEKKey
        func push(sequence: UInt32, spi: [UInt8] = [0, 0, 0x10, 0x01]) throws -> [UInt8] {
            let fresh = PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: spi, fill: UInt8(truncatingIfNeeded: sequence))
            return try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], sequence: sequence), group: group,
                                                   encryptingUnder: kek)
        }
    }

    static func setup() throws -> Setup {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup()])
        let member = try GroupKeyFixtures.registeredMember(directory: directory, member: "gm1.example", seed: 1)
        let group = directory.snapshot[0]
        return Setup(member: member, group: group, kek: try #require(try GroupKeyPushBuilder.currentKEK(of: group)))
    }

    /// Delivers `push`, expects it refused with `code` and the holdings unchanged.
    static func expectRefused(_ push: [UInt8], setup: inout Setup, code: String) throws {
        let before = setup.member.holdings
        let refusedBefore = setup.member.pushes.rejected[code, default: 0]
        let actions = try PushFixtures.deliver(push, to: &setup.member)
        #expect(GroupKeyFixtures.logCodes(actions) == ["GDOI-PUSH-REFUSED"])
        #expect(!actions.contains { if case .installSA = $0 { return true } else { return false } })
        #expect(setup.member.holdings == before)
        #expect(setup.member.pushes.rejected[code, default: 0] == refusedBefore + 1, "expected \(code), got \(setup.member.pushes.rejected)")
    }

    @Test("A push with a bad signature (content changed after signing, encryption right) is refused, state unchanged")
    func forgedSignature() throws {
        var setup = try Self.setup()
        let forged = try PushFixtures.reencrypted(try setup.push(sequence: 1), kek: setup.kek) { plaintext in
            // The TEK key octets the key server signed, changed: the signature no longer covers them.
            let payloads = PushFixtures.walk(plaintext, first: 18)
            let kd = payloads.first { $0.type == 17 }!
            plaintext[kd.offset + kd.length - 1] ^= 0xFF
        }
        try Self.expectRefused(forged, setup: &setup, code: "GROUPKEY-SIGNATURE")
        let flippedSignature = try PushFixtures.reencrypted(try setup.push(sequence: 1), kek: setup.kek) { plaintext in
            let sig = PushFixtures.walk(plaintext, first: 18).last!
            plaintext[sig.offset + 10] ^= 0x01
        }
        try Self.expectRefused(flippedSignature, setup: &setup, code: "GROUPKEY-SIGNATURE")
    }

    @Test("A push with a flipped ciphertext octet is refused, state unchanged")
    func flippedCiphertext() throws {
        var setup = try Self.setup()
        var push = try setup.push(sequence: 1)
        push[40] ^= 0x80   // garbles the first plaintext block: SEQ and the start of SA
        let before = setup.member.holdings
        let actions = try PushFixtures.deliver(push, to: &setup.member)
        #expect(GroupKeyFixtures.logCodes(actions) == ["GDOI-PUSH-REFUSED"])
        #expect(setup.member.holdings == before)
        #expect(setup.member.pushes.accepted == 0)
    }

    @Test("Replayed and reordered pushes (SEQ not above the last) are refused and counted")
    func replayedAndReordered() throws {
        var setup = try Self.setup()
        let first = try setup.push(sequence: 1)
        _ = try PushFixtures.deliver(first, to: &setup.member)
        #expect(setup.member.holdings?.sequence == 1)
        try Self.expectRefused(first, setup: &setup, code: "GROUPKEY-REPLAY")
        let third = try setup.push(sequence: 3, spi: [0, 0, 0x10, 0x03]), second = try setup.push(sequence: 2, spi: [0, 0, 0x10, 0x02])
        _ = try PushFixtures.deliver(third, to: &setup.member)
        #expect(setup.member.holdings?.sequence == 3)
        try Self.expectRefused(second, setup: &setup, code: "GROUPKEY-REPLAY")
        #expect(setup.member.holdings?.tek(spi: [0, 0, 0x10, 0x02]) == nil)
        #expect(setup.member.pushes.accepted == 2)
    }

    @Test("A push under cookies that are not the KEK's, and a push from another group's key server, are refused")
    func wrongKEK() throws {
        var setup = try Self.setup()
        var push = try setup.push(sequence: 1)
        push[3] ^= 0x01   // the Initiator Cookie no longer names the KEK held
        try Self.expectRefused(push, setup: &setup, code: "GROUPKEY-UNEXPECTED")
        // Another group state (other KEK, same openssl signing key): its push does not decrypt here.
        let other = try GroupKeyFixtures.demoGroup(random: DeterministicRandom(seed: 99))
        let otherKEK = try #require(try GroupKeyPushBuilder.currentKEK(of: other))
        var foreign = try GroupKeyPushBuilder().build(GDOIPushContent(group: other.name, deletedTEKSPIs: [[1, 1, 1, 1]], sequence: 9),
                                                      group: other, encryptingUnder: otherKEK)
        foreign.replaceSubrange(0..<16, with: setup.kek.spi)   // even under the right cookies
        let before = setup.member.holdings
        _ = try PushFixtures.deliver(foreign, to: &setup.member)
        #expect(setup.member.holdings == before)
        #expect(setup.member.pushes.accepted == 0)
    }

    @Test("Truncated pushes are refused, state unchanged")
    func truncated() throws {
        var setup = try Self.setup()
        let push = try setup.push(sequence: 1)
        // Cut short as received: the header Length no longer matches.
        try Self.expectRefused(Array(push.dropLast(16)), setup: &setup, code: "GROUPKEY-MALFORMED")
        // Cut short and the Length fixed up: whole blocks, but the payload chain runs past the end.
        var cut = Array(push.dropLast(32))
        cut.replaceSubrange(24..<28, with: [UInt8(cut.count >> 24), UInt8(cut.count >> 16 & 0xFF), UInt8(cut.count >> 8 & 0xFF), UInt8(cut.count & 0xFF)])
        try Self.expectRefused(cut, setup: &setup, code: "GROUPKEY-MALFORMED")
        // Only the header left, its Length saying 28: nothing to decrypt.
        var headerOnly = Array(push.prefix(28))
        headerOnly.replaceSubrange(24..<28, with: [0, 0, 0, 28])
        try Self.expectRefused(headerOnly, setup: &setup, code: "GROUPKEY-DECRYPT")
    }
}

@Suite("GroupKeyPush LKH eviction")
struct GroupKeyPushEvictionTests {
    @Test("After an LKH eviction push the remaining members hold the new root as KEK; the evicted one cannot unwrap it nor read the next push")
    func eviction() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(lkh: true)])
        var members = try ["a.example", "b.example", "c.example"].enumerated().map { index, name in
            try GroupKeyFixtures.registeredMember(directory: directory, member: name, seed: UInt8(index + 1))
        }
        let group = directory.snapshot[0]
        var tree = try #require(group.keyTree)
        let oldKEK = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        #expect(members.allSatisfy { $0.holdings?.kek?.key == oldKEK })
        let eviction = try tree.evict([LKHMemberID("id2:b.example")], random: DeterministicRandom(seed: 200))
        let content = GDOIPushContent(group: group.name, lkhUpdate: eviction, sequence: 1)
        let push = try GroupKeyPushBuilder().build(content, group: group, encryptingUnder: oldKEK)
        let newKEK = try GroupKeyPushBuilder.kekAfter(content, group: group, current: oldKEK)
        #expect(newKEK.key == eviction.newRoot.key)
        // The push's SA KEK names LKH as KEK_MANAGEMENT_ALGORITHM (RFC 6407 §5.3.1; never in a PULL).
        let plaintext = try CBCCipher(.aes256, key: oldKEK.key).decrypt(Array(push[28...]), iv: oldKEK.iv, aad: [UInt8]())
        let parsed = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: try GroupKeyFixtures.header(push))
        let sak = parsed.payloads.compactMap { payload -> SAKEKPayload? in
            if case .groupSecurityAssociation(let sa) = payload { return sa.kek } else { return nil }
        }.first
        #expect(sak?.attributes.first { $0.type == GDOIKEKAttributeType.managementAlgorithm }?.integerValue == 1)

        let evictedBefore = members[1].holdings
        for index in members.indices { _ = try PushFixtures.deliver(push, to: &members[index]) }
        #expect(members[0].holdings?.kek?.key == newKEK)
        #expect(members[2].holdings?.kek?.key == newKEK)
        // The evicted member holds the old KEK, so it can read the push, but no update array starts
        // under a key it holds: it learns nothing, and its state stays as it was.
        #expect(members[1].holdings == evictedBefore)
        #expect(members[1].pushes.rejected["GROUPKEY-POLICY"] == 1)
        // Its LKH keys really cannot open any array: try each held key against each array by hand.
        let heldKeys = try #require(evictedBefore?.lkhKeys)
        let ids = eviction.chains.map { (UInt16(exactly: $0.startingKey.position.rawValue), $0.startingKey.serial) }
        #expect(!heldKeys.contains { key in ids.contains { $0.0 == key.lkhID && $0.1 == key.keyHandle } })
        // The remaining members' path keys were replaced up to the root.
        #expect(members[0].holdings?.lkhKeys.last?.keyHandle == eviction.newRoot.serial)

        // The next push, a TEK rollover under the new KEK: the others follow, the evicted member cannot.
        let fresh = PushFixtures.newTEK(like: group.dataSecuritySAs[0], spi: [0, 0, 0x20, 0x01], fill: 0x42)
        let next = try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: [fresh], sequence: 2), group: group,
                                                   encryptingUnder: newKEK)
        for index in members.indices { _ = try PushFixtures.deliver(next, to: &members[index]) }
        #expect(members[0].holdings?.tek(spi: fresh.spi)?.keyMaterial == fresh.keyMaterial)
        #expect(members[2].holdings?.tek(spi: fresh.spi)?.keyMaterial == fresh.keyMaterial)
        #expect(members[1].holdings == evictedBefore)
        #expect(members[1].pushes.accepted == 0)
    }

    @Test("An eviction push may not carry TEKs (forward access control, RFC 6407 §7.4.1)")
    func evictionWithTEKsRefused() throws {
        let directory = GroupDirectory(groups: [try GroupKeyFixtures.demoGroup(lkh: true)])
        _ = try GroupKeyFixtures.registeredMember(directory: directory, member: "a.example", seed: 1)
        _ = try GroupKeyFixtures.registeredMember(directory: directory, member: "b.example", seed: 2)
        let group = directory.snapshot[0]
        var tree = try #require(group.keyTree)
        let eviction = try tree.evict([LKHMemberID("id2:b.example")], random: DeterministicRandom(seed: 9))
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: group))
        #expect(throws: GroupKeyError.self) {
            try GroupKeyPushBuilder().build(GDOIPushContent(group: group.name, teks: group.dataSecuritySAs, lkhUpdate: eviction, sequence: 1),
                                            group: group, encryptingUnder: kek)
        }
    }
}
