import ArgumentParser
import Foundation
import GIKEv2
import GroupKeyCrypto
import GroupPolicy
import GroupState

/// Times building an eviction GSA_REKEY (LKH: the evicted path's keys replaced, each wrapped under
/// the children the remaining members hold, the new rekey SA under the new root) for groups of
/// 1k, 10k and 100k members, and reports its size beside a flat rekey that wraps the new group
/// key once per remaining member.
struct BenchRekeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Time and size of an LKH eviction rekey beside a flat (one wrap per member) rekey."
    )

    @Option(parsing: .upToNextOption, help: "Group sizes.")
    var members: [Int] = [1_000, 10_000, 100_000]

    @Option(help: "Evictions timed per group size; the median is reported.")
    var runs: Int = 21

    @Option(help: "Key-wrap key size in bits (kw-5649-128 or kw-5649-256); node keys have this size.")
    var keyWrapBits: Int = 128

    @Option(help: "Tree degree (RFC 2627 §5.4).")
    var degree: Int = 2

    func validate() throws {
        guard members.allSatisfy({ (2...1_000_000).contains($0) }) else { throw ValidationError("--members must be 2...1000000") }
        guard (1...1_000).contains(runs) else { throw ValidationError("--runs must be 1...1000") }
        guard [128, 256].contains(keyWrapBits) else { throw ValidationError("--key-wrap-bits is 128 or 256") }
        guard (2...16).contains(degree) else { throw ValidationError("--degree must be 2...16") }
    }

    func run() throws {
        print("members  depth  eviction: median ms  p90 ms  octets  wraps | flat: ms  octets")
        for count in members {
            let result = try measure(count)
            print(String(format: "%7d  %5d  %19.3f  %6.3f  %6d  %5d | %8.2f  %7d", count, result.depth, result.medianMS, result.p90MS,
                         result.octets, result.wraps, result.flatMS, result.flatOctets))
        }
        print("eviction: evict one member and build its GSA_REKEY (AES-CBC-256 + HMAC-SHA2-256 rekey SA, implicit GCAUTH);")
        print("flat: wrap the new \(keyWrapBits / 8)-octet group key under each remaining member's key (KD attribute octets).")
    }

    struct Result {
        var depth: Int, medianMS: Double, p90MS: Double, octets: Int, wraps: Int, flatMS: Double, flatOctets: Int
    }

    func measure(_ count: Int) throws -> Result {
        var definition = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
        definition.rekey?.authentication = .implicit
        definition.rekey?.keyWrap = keyWrapBits == 128 ? .kw5649_128 : .kw5649_256
        definition.lkh = LKHParameters(degree: degree, maximumMembers: count)
        let random = SystemRandom()
        var state = try GroupState(definition: definition, secrets: GroupSecrets(), random: random)
        for index in 0..<count { _ = try state.admit(member: "gm\(index)", senderIDCount: nil, random: random) }
        let depth = state.keyTree?.shape.depth ?? 0

        let clock = ContinuousClock()
        var timings: [Double] = []
        var octets = 0, wraps = 0
        for run in 0..<runs {
            // Members spread over the tree, each evicted once.
            let victim = "gm\((run * 7_919) % count)"
            let start = clock.now
            let rekeys = try state.evict([victim], atMilliseconds: Int64(run), random: random)
            let datagram = try GSARekeyMessage.build(rekeys[0], group: state, random: random)
            timings.append((clock.now - start).seconds * 1000)
            octets = datagram.count
            wraps = rekeys[0].keyTreeUpdate?.wraps.count ?? 0
        }
        timings.sort()

        // Flat: one wrap of the new group key per remaining member.
        let keyLength = keyWrapBits / 8
        let memberKeys = try (0..<(count - runs)).map { _ in try random.secret(keyLength) }
        let groupKey = try random.secret(keyLength)
        let flatStart = clock.now
        var flatOctets = 0
        for key in memberKeys {
            // Attribute header (4) + Key ID (4) + KWK ID (4) + wrapped key (RFC 9838 §4.5.4).
            flatOctets += 12 + (try AESKeyWrap(mode: .rfc5649, kek: key).wrap(key: groupKey)).count
        }
        let flatMS = (clock.now - flatStart).seconds * 1000
        return Result(depth: depth, medianMS: timings[timings.count / 2], p90MS: timings[min(timings.count - 1, timings.count * 9 / 10)],
                      octets: octets, wraps: wraps, flatMS: flatMS, flatOctets: flatOctets)
    }
}
