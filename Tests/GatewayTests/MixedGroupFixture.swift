import EngineCore
import Foundation
import KeyStore
import GDOI
import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
import Testing

/// A server serving one group to GDOI and G-IKEv2 members at once, with its `GroupDirectory` in
/// hand (the keys the members must hold), a control socket, and followers of both protocols.
final class MixedGroupFixture: @unchecked Sendable {
    // @unchecked: the collections are read and written under `lock`.
    private let lock = NSLock()
    let directory: GroupDirectory
    let server: GatewayServer
    let socketPath: String
    private let folder: URL
    private var gdoiHoldings: [String: [GDOIMemberHoldings]] = [:]
    private var gdoiNotices: [String: [RekeyNotice]] = [:]
    private var ikeHoldings: [String: GroupMemberHoldings] = [:]
    private var ikeNotices: [String: [RekeyNotice]] = [:]
    private var tasks: [Task<Void, Never>] = []

    static let group = "demo-1001"

    /// The demo policy for `maxMembers` members, rekeys to `rekeyDestination` (multicast) or unicast.
    static func policy(maxMembers: Int, multicast: (address: String, port: UInt16)?) -> String {
        var text = ControlFixture.demoPolicy(rekeyDestination: multicast?.address ?? "239.192.0.1", rekeyPort: multicast?.port ?? 848)
            .replacingOccurrences(of: #"max-members="16""#, with: #"max-members="\#(maxMembers)""#)
        if multicast == nil {
            text = text.replacingOccurrences(of: #"<rekey transport="multicast" destination="239.192.0.1" port="848">"#,
                                             with: #"<rekey transport="unicast">"#)
        }
        return text
    }

    /// `stateFile`: persist to a KeyStore at that path (the folder's `state.db` when true).
    init(policy: String, push: GDOIRekeyDistributor.Configuration = .init(), stateFile: Bool = false) async throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("gk-mix-\(UUID().uuidString.prefix(8))")
        socketPath = folder.appendingPathComponent("control.sock").path
        var loaded = try ControlFixture.load(policy)
        var persister: StatePersister?
        if stateFile {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let store = try StateFile.open(path: folder.appendingPathComponent("state.db").path)
            loaded = try StateFile.restore(loaded, from: store, random: SystemRandom(), nowMilliseconds: EngineTime(date: Date()).milliseconds,
                                           logger: LoopbackRegistrationTests.quietLogger)
            persister = StatePersister(store: store, directory: loaded)
        }
        directory = loaded
        var configuration = GatewayServer.Configuration(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                        logger: LoopbackRegistrationTests.quietLogger)
        configuration.controlSocketPath = socketPath
        configuration.gdoiPush = push
        configuration.persister = persister
        server = try await GatewayServer.start(configuration: configuration, directory: directory)
    }

    var statePath: String { folder.appendingPathComponent("state.db").path }

    var state: GroupState? { directory.snapshot.first { $0.name == Self.group } }

    func send(_ request: ControlRequest) async throws -> ControlResponse {
        try await ControlClient.send(request, to: socketPath)
    }

    func gdoiOptions(_ name: String) -> GDOIMemberClient.Options {
        GDOIMemberClient.Options(server: server.boundAddresses[0], group: 1001, identity: GDOIMemberClient.memberIdentification(name),
                                 preSharedKey: DemoSecrets.preSharedKey, timeoutMilliseconds: 60_000)
    }

    /// Starts a GDOI follower (`member join --protocol gdoi --follow`).
    func followGDOI(_ name: String) {
        let options = gdoiOptions(name)
        let task = Task {
            _ = try? await GDOIMemberClient.follow(options, logger: LoopbackRegistrationTests.quietLogger,
                                                   onRegistered: { [self] _, held in lock.withLock { gdoiHoldings[name, default: []].append(held) } },
                                                   onPush: { [self] notice, held in
                                                       lock.withLock {
                                                           gdoiNotices[name, default: []].append(notice)
                                                           if notice.accepted, let held { gdoiHoldings[name, default: []].append(held) }
                                                       }
                                                   })
        }
        lock.withLock { tasks.append(task) }
    }

    /// Starts a G-IKEv2 follower (`member join --follow`), which does not register again.
    func followIKE(_ name: String) {
        var options = LoopbackRegistrationTests.options(server)
        options.identity = MemberClient.memberIdentification(name)
        options.timeoutMilliseconds = 60_000
        let task = Task {
            _ = try? await MemberClient.follow(options, reregister: false, logger: LoopbackRegistrationTests.quietLogger,
                                               onRegistered: { [self] held in lock.withLock { ikeHoldings[name] = held } },
                                               onRekey: { [self] notice in lock.withLock { ikeNotices[name, default: []].append(notice) } })
        }
        lock.withLock { tasks.append(task) }
    }

    /// What a GDOI member held at registration and after every push it accepted, in order.
    func gdoi(_ name: String) -> [GDOIMemberHoldings] { lock.withLock { gdoiHoldings[name] ?? [] } }
    func gdoiPushes(_ name: String) -> [RekeyNotice] { lock.withLock { gdoiNotices[name] ?? [] } }
    func ike(_ name: String) -> GroupMemberHoldings? { lock.withLock { ikeHoldings[name] } }
    func ikeRekeys(_ name: String) -> [RekeyNotice] { lock.withLock { ikeNotices[name] ?? [] } }

    /// The TEK SPIs a member holds now, whichever protocol.
    func heldSPIs(_ name: String) -> Set<String> {
        lock.withLock {
            if let held = gdoiHoldings[name]?.last { return Set(held.teks.map { controlHex($0.spi) }) }
            if let last = ikeNotices[name]?.last(where: \.accepted) { return Set(last.dataSecuritySAs) }
            return Set(ikeHoldings[name]?.dataSecuritySAs.map { controlHex($0.spi) } ?? [])
        }
    }

    /// Waits until `condition` holds or `seconds` pass.
    func wait(seconds: Int = 60, _ condition: @escaping () -> Bool) async -> Bool {
        for _ in 0..<(seconds * 20) {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    func stop() async {
        let running = lock.withLock { tasks }
        running.forEach { $0.cancel() }
        for task in running { await task.value }
        await server.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}
