import EngineCore
import GIKEv2Wire
import GroupKeyCrypto
import LKH
import WireCore

/// The member side of GSA_REKEY (RFC 9838 §2.4.1): takes over what a registration delivered
/// (`GroupMemberHoldings`) and keeps it current. Each message is checked in this order, and a
/// message that fails any check is dropped, counted, and leaves the holdings unchanged:
/// header and rekey SA SPI; Message ID against the replay window (§2.4.1.4); ICV and decryption
/// under GSK_e/GSK_a; payload rules; the GCKS signature against AUTH_KEY when GCAUTH is Digital
/// Signature (§2.4.1.1); GSA transforms and key bags, keys unwrapped through GSK_w or the
/// Working Key Path (§3.3). Only then are new SAs installed and old ones scheduled for removal.
public struct GroupRekeyReceiver: Sendable {
    /// Why a rekey message was dropped. Stable codes for counters and logs.
    public enum Rejection: String, Sendable, Hashable, CaseIterable {
        case malformed = "GM-REKEY-MALFORMED"
        case wrongSPI = "GM-REKEY-WRONG-SPI"
        case replay = "GM-REKEY-REPLAY"
        case integrity = "GM-REKEY-ICV"
        case signature = "GM-REKEY-SIGNATURE"
        case policy = "GM-REKEY-POLICY"
        /// No key path from this message's keys to ours: the GCKS excluded us (RFC 9838 §3.3).
        case excluded = "GM-REKEY-EXCLUDED"
    }

    /// Why the member should register again.
    public enum ReregistrationReason: String, Sendable, Equatable {
        /// A Message ID was skipped: some rekey never arrived.
        case messageIDGap = "message-id-gap"
        /// A TEK or the rekey SA is about to expire and no replacement came.
        case tekExpiring = "tek-expiring"
        case rekeySAExpiring = "rekey-sa-expiring"
        /// The GCKS excluded this member, or a Delete removed every SA.
        case excluded
    }

    public internal(set) var holdings: GroupMemberHoldings
    let configuration: GroupMemberConfiguration
    /// Whether this member sends (installs data-security SAs outbound): it asked for Sender-IDs.
    public var isSender: Bool { configuration.senderIDsRequested != nil }
    /// Dropped messages by reason, and accepted ones.
    public private(set) var rejected: [Rejection: Int] = [:]
    public private(set) var accepted = 0
    /// Set when a missed rekey was detected; the owner re-registers and starts a new receiver.
    public internal(set) var reregistration: ReregistrationReason?
    /// Whether the owner has already asked to register again for this receiver's reason.
    var reregistrationRequested = false
    /// SPIs senders use now: a new TEK becomes outbound after the activation delay (RFC 5374
    /// §4.2.1; RFC 9838 §4.4.3.1).
    public internal(set) var outboundSPIs: [[UInt8]]
    /// How long before an SA's expiry a missing replacement counts as missed.
    public let expiryMargin: Int64

    /// Last Message ID accepted on the current rekey SA; nil before the first.
    var lastMessageID: UInt32?
    /// When each held SA (TEK SPIs and the rekey SA SPI) expires, in engine milliseconds.
    var expiry: [[UInt8]: Int64] = [:]
    var scheduled: [ScheduledChange] = []

    struct ScheduledChange: Sendable {
        enum Change: Sendable {
            case activate(spi: [UInt8])
            case retireOutbound(spi: [UInt8])
            case remove(spi: [UInt8], kind: SAKind)
        }
        var at: Int64
        var change: Change
    }

    static let timer = TimerID("gm-rekey")

    /// - Parameters:
    ///   - holdings: what the registration delivered.
    ///   - configuration: the member's configuration (acceptable algorithms, sender or not).
    ///   - now: when the holdings were received; lifetimes count from here.
    public init(holdings: GroupMemberHoldings, configuration: GroupMemberConfiguration, now: EngineTime,
                expiryMarginSeconds: Int64 = 30) {
        self.holdings = holdings
        self.configuration = configuration
        expiryMargin = expiryMarginSeconds * 1000
        // A member registering while an old and a new TEK overlap gets both; it sends on the
        // newest of each selector pair (the GSA lists them in creation order).
        var newest: [String: [UInt8]] = [:]
        for sa in holdings.dataSecuritySAs { newest["\(sa.protocolID) \(sa.sourceSelector) \(sa.destinationSelector)"] = sa.spi }
        outboundSPIs = configuration.senderIDsRequested != nil ? holdings.dataSecuritySAs.map(\.spi).filter { newest.values.contains($0) } : []
        for sa in holdings.dataSecuritySAs {
            if let lifetime = sa.lifetimeSeconds { expiry[sa.spi] = now.milliseconds + Int64(lifetime) * 1000 }
        }
        if let rekey = holdings.rekeySA, let lifetime = rekey.lifetimeSeconds {
            expiry[rekey.spi] = now.milliseconds + Int64(lifetime) * 1000
        }
    }

    /// Takes holdings changed elsewhere (GSA_INBAND_REKEY on the IKE SA), tracking the lifetimes
    /// of SAs it has not seen.
    mutating func adopt(_ changed: GroupMemberHoldings, now: EngineTime) {
        for sa in changed.dataSecuritySAs where expiry[sa.spi] == nil {
            if let lifetime = sa.lifetimeSeconds { expiry[sa.spi] = now.milliseconds + Int64(lifetime) * 1000 }
            if isSender && !outboundSPIs.contains(sa.spi) { outboundSPIs.append(sa.spi) }
        }
        holdings = changed
    }

    var groupName: String { holdings.group.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    /// Total of dropped messages.
    public var rejectedCount: Int { rejected.values.reduce(0, +) }

    /// Handles one GSA_REKEY datagram (no non-ESP marker).
    public mutating func receive(_ datagram: [UInt8], now: EngineTime) -> [Action] {
        do {
            let actions = try process(datagram, now: now)
            accepted += 1
            return actions + scheduleNext()
        } catch let rejection as RejectionError {
            rejected[rejection.reason, default: 0] += 1
            if rejection.reason == .excluded { reregistration = .excluded }
            return [.log(LogEvent(rejection.reason == .excluded ? .warning : .info, rejection.reason.rawValue,
                                  "group \(groupName): GSA_REKEY dropped: \(rejection.detail)"))]
        } catch {
            rejected[.malformed, default: 0] += 1
            return [.log(LogEvent(.info, Rejection.malformed.rawValue, "group \(groupName): GSA_REKEY dropped: \(error)"))]
        }
    }

    /// Performs activations and removals that are due, and checks for SAs about to expire
    /// without replacement.
    public mutating func tick(now: EngineTime) -> [Action] {
        var actions: [Action] = []
        let due = scheduled.filter { $0.at <= now.milliseconds }
        scheduled.removeAll { $0.at <= now.milliseconds }
        for change in due {
            switch change.change {
            case .activate(let spi):
                guard isSender, let sa = holdings.dataSecuritySAs.first(where: { $0.spi == spi }) else { continue }
                if !outboundSPIs.contains(spi) { outboundSPIs.append(spi) }
                actions.append(.installSA(installation(of: sa, direction: .both)))
            case .retireOutbound(let spi):
                outboundSPIs.removeAll { $0 == spi }
            case .remove(let spi, let kind):
                holdings.dataSecuritySAs.removeAll { $0.spi == spi }
                outboundSPIs.removeAll { $0 == spi }
                expiry[spi] = nil
                actions.append(.removeSA(SAReference(group: groupName, kind: kind, spi: spi)))
            }
        }
        // An SA past its lifetime is gone, whether or not a Delete named it (RFC 9838 §4.4.2.2.1).
        for sa in holdings.dataSecuritySAs where (expiry[sa.spi] ?? Int64.max) <= now.milliseconds {
            holdings.dataSecuritySAs.removeAll { $0.spi == sa.spi }
            outboundSPIs.removeAll { $0 == sa.spi }
            expiry[sa.spi] = nil
            actions.append(.removeSA(SAReference(group: groupName, kind: sa.protocolID == IKEv2ProtocolID.ah ? .ah : .esp, spi: sa.spi)))
        }
        // A missed rekey shows as the newest TEK, or the rekey SA, nearing its end.
        if reregistration == nil {
            let newest = holdings.dataSecuritySAs.map(\.spi).filter { expiry[$0] != nil }
            let latestExpiry = newest.compactMap { expiry[$0] }.max()
            if let latestExpiry, latestExpiry - expiryMargin <= now.milliseconds {
                reregistration = .tekExpiring
            } else if let rekey = holdings.rekeySA, let end = expiry[rekey.spi], end - expiryMargin <= now.milliseconds {
                reregistration = .rekeySAExpiring
            }
            if let reason = reregistration {
                actions.append(.log(LogEvent(.warning, "GM-REKEY-MISSED", "group \(groupName): re-registering (\(reason.rawValue))")))
            }
        }
        return actions + scheduleNext()
    }

    /// The next instant something is due, for the owner's timer.
    public var nextEventMilliseconds: Int64? {
        var times = scheduled.map(\.at) + holdings.dataSecuritySAs.compactMap { expiry[$0.spi] }
        if let latest = holdings.dataSecuritySAs.compactMap({ expiry[$0.spi] }).max() { times.append(latest - expiryMargin) }
        if let rekey = holdings.rekeySA, let end = expiry[rekey.spi] { times.append(end - expiryMargin) }
        return times.min()
    }

    func scheduleNext() -> [Action] {
        guard let next = nextEventMilliseconds else { return [] }
        return [.scheduleTimer(Self.timer, at: EngineTime(milliseconds: next))]
    }

    func installation(of sa: GroupMemberHoldings.DataSecuritySA, direction: SADirection) -> SAInstallation {
        SAInstallation(reference: SAReference(group: groupName, kind: sa.protocolID == IKEv2ProtocolID.ah ? .ah : .esp, spi: sa.spi),
                       direction: direction, encryptionTransform: sa.encryption, encryptionKeyBits: sa.keyBits,
                       integrityTransform: sa.integrity, keyMaterial: sa.keyMaterial, lifetimeSeconds: sa.lifetimeSeconds,
                       selectorSummary: "\(sa.sourceSelector) -> \(sa.destinationSelector)")
    }

    struct RejectionError: Error {
        let reason: Rejection
        let detail: String
        init(_ reason: Rejection, _ detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }
}
