import Foundation
import KeyStore

// Writes to a key store until it is killed: the child process of the key store's crash tests.
// Usage: KeyStoreCrashHelper STATE-FILE
// Forever: reserves a block of GDOI SEQ numbers (committed before use), then "uses" each number
// of the block by printing "used N" on standard output, unbuffered, and appends a history line
// per block (a second transaction racing the kill). A number is printed only after the block
// holding it is committed, as a key server sends it only after the commit.
let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: KeyStoreCrashHelper STATE-FILE\n".utf8))
    exit(2)
}
do {
    let store = try KeyStore(path: arguments[1])
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    var block = 0
    while true {
        var numbers = ReservedNumbers(try store.reserve(counter: .gdoiSequence, group: "crash-group", count: 8))
        while let number = numbers.take() {
            FileHandle.standardOutput.write(Data("used \(number)\n".utf8))
        }
        block += 1
        try store.appendHistory(group: "crash-group", kind: "block", detail: "block \(block)", nowMilliseconds: Int64(block))
    }
} catch {
    FileHandle.standardError.write(Data("KeyStoreCrashHelper: \(error)\n".utf8))
    exit(1)
}
