import Foundation
import GDOI
import GIKEv2
import Logging

/// DEBUG ONLY (`serve --ike-key-log FILE`): appends one line per registration IKE SA to a file
/// in the format of Wireshark's `ikev2_decryption_table` UAT, so tshark can decrypt and check
/// the SK payloads of a capture. The file holds live key material: it is created mode 0600,
/// written only when asked for, and `GatewayServer` refuses it whenever a listener is not on
/// loopback and a served group uses the bundled demo secrets.
///
/// `@unchecked Sendable`: the descriptor is written under a lock (the GCKS calls from its event
/// loop, but nothing here relies on that).
public final class IKEKeyLogFile: @unchecked Sendable {
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()

    /// Opens `path` for appending, creating it (0600) if needed.
    public init(path: String) throws(GatewayError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .secrets("cannot open the IKE key log \(path): errno \(errno)") }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends the record's line; records Wireshark has no names for are skipped.
    public func append(_ record: IKEKeyLogRecord) {
        guard let line = record.wiresharkLine else { return }
        appendLine(line)
    }

    /// Appends an ISAKMP SA's line (`ikev1_decryption_table` format). Wireshark keeps IKEv1 keys
    /// in a table of their own, so `serve --ike-key-log FILE` writes these to `FILE.ikev1`.
    public func append(_ record: Phase1KeyLogRecord) {
        appendLine(record.wiresharkLine)
    }

    private func appendLine(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        // One write per line with O_APPEND: lines from several servers sharing a file do not interleave.
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
