import Foundation

/// The `groupkey` executable of the same build as the running tests: it sits beside the test
/// bundle, a few directories up from it in `.build`. Tests that run it as an operator would (CLI,
/// strongSwan peers) find it here.
public enum GroupKeyBinary {
    public static func locate() -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("groupkey")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
