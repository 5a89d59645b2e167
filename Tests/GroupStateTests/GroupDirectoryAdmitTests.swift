import GroupKeyCrypto
import GroupKeyTestSupport
import GroupPolicy
import GroupState
import Testing

/// `GroupDirectory.admit`, the in-place admission the GCKS uses on every registration.
@Suite("Admission in place through the directory")
struct GroupDirectoryAdmitTests {
    static func directory() throws -> GroupDirectory {
        GroupDirectory(groups: [try GroupState(definition: try GroupStateTests.implicitDemo(), secrets: GroupSecrets(),
                                               random: DeterministicRandom())])
    }

    @Test("Members admitted in place are seen by every later snapshot, once each, with distinct Sender-IDs")
    func admitsInPlace() throws {
        let directory = try Self.directory()
        let before = directory.snapshot  // a copy held across the admissions must not change
        var senderIDs: [UInt32] = []
        for index in 0..<50 {
            let admission = try directory.admit(member: "m\(index)", senderIDCount: 1, random: DeterministicRandom(), toGroup: "demo-1001", memberProtocol: .gikev2)
            senderIDs += admission.senderIDs
        }
        _ = try directory.admit(member: "m0", senderIDCount: nil, random: DeterministicRandom(), toGroup: "demo-1001", memberProtocol: .gikev2)
        #expect(directory.snapshot[0].members == (0..<50).map { "m\($0)" })
        #expect(Set(senderIDs).count == 50)
        #expect(before[0].members.isEmpty)
    }

    @Test("An unknown group is refused and nothing changes")
    func unknownGroup() throws {
        let directory = try Self.directory()
        #expect(throws: GroupStateError.unknownGroup("nope")) {
            try directory.admit(member: "x", senderIDCount: nil, random: DeterministicRandom(), toGroup: "nope", memberProtocol: .gikev2)
        }
        #expect(directory.snapshot[0].members.isEmpty)
    }
}
