import Foundation
import GroupKeyCrypto
import GroupPolicy
import GroupState
import KeyStore

// Writes to a key store until it is killed: the child process of the key store's crash tests.
//
// Usage: KeyStoreCrashHelper counters STATE-FILE
//   Forever: reserves a block of GDOI SEQ numbers of group "crash-group" (committed before use),
//   then "uses" each number by printing "used N", and appends a history line per block.
// Usage: KeyStoreCrashHelper rekey STATE-FILE
//   Creates (or restores) the demo group with a key tree and members, then forever: rolls its
//   TEKs over, evicts a member and admits a new one, saving the whole group after each change,
//   and only then prints "sent SEQ MESSAGE-ID TEK-SPI" (as a key server sends a rekey only after
//   the commit).
//
// Lines are written unbuffered, so whatever the parent reads was durable first.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func countersLoop(_ store: KeyStore) throws {
    var block = 0
    while true {
        var numbers = ReservedNumbers(try store.reserve(counter: .gdoiSequence, group: "crash-group", count: 8))
        while let number = numbers.take() { say("used \(number)") }
        block += 1
        try store.appendHistory(group: "crash-group", kind: "block", detail: "block \(block)", nowMilliseconds: Int64(block))
    }
}

func rekeyLoop(_ store: KeyStore) throws {
    var definition = try PolicyReader.decode(DemoPolicyText.xml).groups[0]
    definition.rekey?.authentication = .implicit
    definition.lkh = LKHParameters(maximumMembers: 64)
    let random = SystemRandom()
    var state: GroupState
    if let stored = try store.load(group: definition.name) {
        state = try GroupState(restoring: stored.snapshot, definition: definition, secrets: GroupSecrets(), random: random)
    } else {
        state = try GroupState(definition: definition, secrets: GroupSecrets(), random: random)
        for index in 0..<32 { _ = try state.admit(member: "gm\(index).example", senderIDCount: 1, random: random) }
        try store.save(state, nowMilliseconds: 0)
    }
    var now = Int64(state.lifecycle.lastGDOISequence) * 1_000
    var joined = state.members.count
    while true {
        now += 1_000
        let rekey = try state.rollOverTEKs(atMilliseconds: now, random: random)
        state.forgetRetiredTEKs(atMilliseconds: now + 3_600_000)
        if let oldest = state.keyTree?.members.first?.value {
            _ = try state.evict([oldest], atMilliseconds: now, random: random)
        }
        _ = try state.admit(member: "gm\(joined).example", senderIDCount: 1, random: random)
        joined += 1
        try store.save(state, nowMilliseconds: now, history: (kind: "rekey", detail: "SEQ \(rekey.gdoiSequence)"))
        let spi = state.currentTEKs.first.map { $0.spi.map { String(format: "%02x", $0) }.joined() } ?? "-"
        say("sent \(state.lifecycle.lastGDOISequence) \(state.rekeySA?.nextMessageID ?? 0) \(spi)")
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, ["counters", "rekey"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: KeyStoreCrashHelper counters|rekey STATE-FILE\n".utf8))
    exit(2)
}
do {
    let store = try KeyStore(path: arguments[2])
    say("ready")
    if arguments[1] == "counters" { try countersLoop(store) } else { try rekeyLoop(store) }
} catch {
    FileHandle.standardError.write(Data("KeyStoreCrashHelper: \(error)\n".utf8))
    exit(1)
}
