import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import LKH
import Testing

@Suite("Protocol-neutral group state")
struct GroupStateTests {
    static func demoDefinition() throws -> GroupDefinition {
        try PolicyReader.decode(DemoPolicyText.xml).groups[0]
    }

    static func implicitDemo() throws -> GroupDefinition {
        var definition = try demoDefinition()
        definition.rekey?.authentication = .implicit
        return definition
    }

    @Test("The demo group's TEK and rekey SA have the key lengths their algorithms need")
    func demoKeyLengths() throws {
        let state = try GroupState(definition: try Self.implicitDemo(), secrets: GroupSecrets(preSharedKey: GroupSecrets.demoPreSharedKey),
                                   random: DeterministicRandom(seed: 1))
        let tek = try #require(state.dataSecuritySAs.first)
        #expect(tek.keyMaterial.count == 36, "AES-GCM-16-256 ESP: 32-octet key + 4-octet salt (RFC 4106 §8.1)")
        #expect(tek.integrityKeyLength == 0)
        #expect(tek.isCounterMode)
        let value = tek.spi.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(value > 255, "SPIs 0-255 are reserved (RFC 4303 §2.1)")
        let rekey = try #require(state.rekeySA)
        #expect(rekey.spi.count == 16)
        #expect(rekey.keyMaterial.count == 32 + 32 + 32, "AES-CBC-256 | HMAC-SHA2-256 key | KW-5649-256 key")
        #expect(rekey.nextMessageID == 0, "a new rekey SA starts at Message ID 0 (RFC 9838 §2.4.1.3)")
        #expect(state.groupWide.senderIDBits == 16 && state.groupWide.deactivationDelay == 30)
        #expect(state.keyTree == nil)
    }

    @Test("A reloaded policy's activation and deactivation delays govern the next rekey; the Sender-ID width stays")
    func adoptedTimingIsUsed() throws {
        var state = try GroupState(definition: try Self.implicitDemo(), secrets: GroupSecrets(preSharedKey: GroupSecrets.demoPreSharedKey),
                                   random: DeterministicRandom(seed: 1))
        var reloaded = try Self.implicitDemo()
        reloaded.timing.activationDelay = 5
        reloaded.timing.deactivationDelay = 120
        try state.adopt(definition: reloaded, secrets: state.secrets)
        #expect(state.groupWide.activationDelay == 5 && state.groupWide.deactivationDelay == 120)
        #expect(state.groupWide.senderIDBits == 16)
        // The retiring TEK is kept for the new deactivation delay, not the old 30 s.
        let old = try #require(state.dataSecuritySAs.first)
        let rekey = try state.rollOverTEKsToCurrentPolicy(atMilliseconds: old.createdAtMilliseconds + 1_000, random: DeterministicRandom(seed: 2))
        #expect(rekey.retiredTEKSPIs == [old.spi])
        #expect(state.lifecycle.retiringTEKs.first?.removeAtMilliseconds == old.createdAtMilliseconds + 1_000 + 120_000)
    }

    @Test("A digital-signature rekey policy needs its signing key")
    func signingKeyRequired() throws {
        #expect(throws: GroupStateError.self) {
            try GroupState(definition: try Self.demoDefinition(), secrets: GroupSecrets(), random: DeterministicRandom())
        }
    }

    @Test("The demo group is named by ID_KEY_ID 000003e9 and by nothing else")
    func identity() throws {
        let state = try GroupState(definition: try Self.implicitDemo(), secrets: GroupSecrets(), random: DeterministicRandom())
        #expect(state.isNamed(idType: IdentificationType.keyID, data: [0, 0, 3, 0xE9]))
        #expect(!state.isNamed(idType: IdentificationType.keyID, data: [0, 0, 3, 0xEA]))
        #expect(!state.isNamed(idType: IdentificationType.fqdn, data: [0, 0, 3, 0xE9]))
        #expect(state.authorizes(idType: IdentificationType.fqdn, data: Array("anyone".utf8)), "no list: any authenticated member")
    }

    @Test("IDg of every RFC 9838 §4.2 form names its group; FQDN and RFC822 without regard to case")
    func idgForms() throws {
        var definition = try Self.implicitDemo()
        for (idg, type, data) in [(GroupIDg.fqdn("group.example"), IdentificationType.fqdn, Array("Group.EXAMPLE".utf8)),
                                  (GroupIDg.rfc822("g@example.net"), IdentificationType.rfc822Address, Array("G@Example.net".utf8)),
                                  (GroupIDg.ipv4(IPAddress("239.1.2.3")!), IdentificationType.ipv4Address, [239, 1, 2, 3]),
                                  (GroupIDg.ipv6(IPAddress("ff15::1")!), IdentificationType.ipv6Address,
                                   [0xFF, 0x15] + Array(repeating: 0, count: 13) + [1])] {
            definition.identity = GroupIdentity(gdoiID: 1001, idg: idg)
            let state = try GroupState(definition: definition, secrets: GroupSecrets(), random: DeterministicRandom())
            #expect(state.isNamed(idType: type, data: data), "\(idg)")
            #expect(!state.isNamed(idType: IdentificationType.keyID, data: [0, 0, 3, 0xE9]), "an explicit IDg replaces the default")
        }
    }

    @Test("Authorization lists match by identity type and value, member lists included")
    func authorization() throws {
        var definition = try Self.implicitDemo()
        definition.authorization = [.member(MemberIdentity(kind: .keyID, value: "0a0b")), .memberList("branch")]
        let state = try GroupState(definition: definition, secrets: GroupSecrets(), random: DeterministicRandom())
        let lists = [MemberList(name: "branch", members: [MemberIdentity(kind: .ipv4, value: "192.0.2.7"),
                                                          MemberIdentity(kind: .rfc822, value: "gm@example.net")])]
        #expect(state.authorizes(idType: IdentificationType.keyID, data: [0x0A, 0x0B], memberLists: lists))
        #expect(state.authorizes(idType: IdentificationType.ipv4Address, data: [192, 0, 2, 7], memberLists: lists))
        #expect(state.authorizes(idType: IdentificationType.rfc822Address, data: Array("GM@example.net".utf8), memberLists: lists))
        #expect(!state.authorizes(idType: IdentificationType.ipv4Address, data: [192, 0, 2, 8], memberLists: lists))
        #expect(!state.authorizes(idType: IdentificationType.keyID, data: [0x0A, 0x0B, 0], memberLists: lists))
        #expect(!state.authorizes(idType: IdentificationType.ipv4Address, data: [192, 0, 2, 7]), "list not supplied")
    }

    @Test("Sender-IDs are allocated from 0, at least one per sender, and run out cleanly")
    func senderIDs() throws {
        var allocator = SenderIDAllocator(bits: 2)
        let first = try allocator.allocate(count: 0), second = try allocator.allocate(count: 2)
        #expect(first == [0])
        #expect(second == [1, 2])
        #expect(throws: GroupStateError.senderIDsExhausted(bits: 2)) { try allocator.allocate(count: 2) }
        let last = try allocator.allocate(count: 1)
        #expect(last == [3])
        #expect(throws: GroupStateError.tooManySenderIDsRequested(requested: 17, limit: 16)) { try allocator.allocate(count: 17) }
    }

    @Test("Admission gives Sender-IDs only to senders and changes nothing when it fails")
    func admission() throws {
        var state = try GroupState(definition: try Self.implicitDemo(), secrets: GroupSecrets(), random: DeterministicRandom())
        let receiver = try state.admit(member: "a", senderIDCount: nil, random: DeterministicRandom())
        let sender = try state.admit(member: "b", senderIDCount: 3, random: DeterministicRandom())
        #expect(receiver.senderIDs.isEmpty)
        #expect(sender.senderIDs == [0, 1, 2])
        #expect(throws: GroupStateError.self) { try state.admit(member: "c", senderIDCount: 99, random: DeterministicRandom()) }
        #expect(state.members == ["a", "b"])
        #expect(state.senderIDs?.next == 3)
    }

    @Test("With an LKH policy every member gets its leaf-to-root path; re-registration returns the same path")
    func keyTree() throws {
        var definition = try Self.implicitDemo()
        definition.lkh = LKHParameters(maximumMembers: 4)
        var state = try GroupState(definition: definition, secrets: GroupSecrets(), random: DeterministicRandom(seed: 3))
        let first = try state.admit(member: "a", senderIDCount: nil, random: DeterministicRandom(seed: 50))
        let second = try state.admit(member: "b", senderIDCount: nil, random: DeterministicRandom(seed: 90))
        #expect(first.keyPath.count == 3 && second.keyPath.count == 3, "a 4-leaf binary tree: leaf, parent, root")
        #expect(first.keyPath.last?.serial == second.keyPath.last?.serial, "one root for the group")
        #expect(first.keyPath.allSatisfy { $0.key.count == 32 }, "node keys are KW-5649-256 keys")
        let again = try state.admit(member: "a", senderIDCount: nil, random: DeterministicRandom(seed: 70))
        #expect(again.keyPath.map(\.serial) == first.keyPath.map(\.serial))
        #expect(state.members == ["a", "b"])
    }

    @Test("Groups shared through the directory see each other's changes")
    func directory() throws {
        let directory = GroupDirectory(groups: [try GroupState(definition: try Self.implicitDemo(), secrets: GroupSecrets(),
                                                               random: DeterministicRandom())])
        #expect(directory.groupName(idType: IdentificationType.keyID, data: [0, 0, 3, 0xE9]) == "demo-1001")
        _ = try directory.withGroup(named: "demo-1001") { (state) throws(GroupStateError) in
            try state.admit(member: "x", senderIDCount: 1, random: DeterministicRandom())
        }
        #expect(directory.snapshot[0].members == ["x"])
        #expect(throws: GroupStateError.unknownGroup("nope")) {
            try directory.withGroup(named: "nope") { (_) throws(GroupStateError) in () }
        }
    }
}
