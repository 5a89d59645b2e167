import Foundation
import GroupKeyCrypto
import GroupPolicy
import GroupState
@testable import KeyStore
import LKH

/// Groups and temporary files the key store suites share.
enum KeyStoreFixtures {
    /// The demo group with implicit rekey authentication (no signing key needed) and an LKH tree.
    static func definition(maximumMembers: Int = 8) throws -> GroupDefinition {
        var definition = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
        definition.rekey?.authentication = .implicit
        definition.lkh = LKHParameters(maximumMembers: maximumMembers)
        return definition
    }

    /// A group with `members` admitted, each asking for one Sender-ID.
    static func state(members: [String]) throws -> GroupState {
        var state = try GroupState(definition: try definition(), secrets: GroupSecrets(), random: SystemRandom(),
                                   nowMilliseconds: 1_000)
        for member in members {
            _ = try state.admit(member: member, senderIDCount: 1, random: SystemRandom())
        }
        return state
    }

    /// A fresh directory under the system's temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keystore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The LKH path of every member, as (position, serial, key) triples, for equality checks.
    static func paths(_ state: GroupState) throws -> [String: [LKHNodeKey]] {
        guard let tree = state.keyTree else { return [:] }
        var out: [String: [LKHNodeKey]] = [:]
        for member in tree.members { out[member.value] = try tree.path(of: member) }
        return out
    }
}
