import GroupPolicy

/// SA TEK + transform set + match ACL -> one data-security SA served identically to both
/// protocols (RFC 6407 §5.5; RFC 9838 §4.4.2).
extension PolicyMapper {
    /// Defaults of the devices when the export leaves a value out: IOS-XE and Junos both give
    /// IPsec SAs 3600 s.
    static let defaultTEKLifetime: UInt64 = 3600
    /// Sender-ID width when a counter-mode TEK comes without one (RFC 6054 §3: the KS chooses).
    static let defaultSenderIDBits = 16

    mutating func mapTEK(_ tek: LegacyTEK) -> DataSecurityPolicy? {
        let name = tek.name.policyNameSafe
        guard let legacyCipher = tek.cipher else {
            refuse(.missingElement, tek.location, "SA \(tek.name): no cipher could be found for it; SA not imported")
            return nil
        }
        guard let (encryption, keyLength) = Self.cipher(legacyCipher.value) else {
            refuse(.algorithmRefused, legacyCipher.location, "SA \(tek.name): \(Self.refusalReason(legacyCipher.value)); SA not imported")
            return nil
        }
        let entry = AlgorithmCatalog.entry(encryption)
        var integrity: IntegrityAlgorithm?
        if let legacyHash = tek.integrity {
            let mapped = Self.integrity(legacyHash.value)
            if let reason = Self.isForbidden(Self.strength(mapped)) {
                refuse(.algorithmRefused, legacyHash.location, "SA \(tek.name): \(legacyHash.value.rawValue) integrity refused (\(reason)); SA not imported")
                return nil
            }
            if entry.isAEAD {
                note(.defaultApplied, .changed, legacyHash.location, "SA \(tek.name): \(encryption.rawValue) authenticates by itself; the HMAC is dropped (RFC 9838 §4.4.2.1)")
            } else {
                integrity = mapped
            }
        } else if !entry.isAEAD {
            integrity = .hmacSHA2_256_128
            note(.transformAdded, .changed, legacyCipher.location,
                 "SA \(tek.name): ESP without integrity is not accepted by the native policy; hmac-sha2-256-128 added (both protocols carry it)")
        }
        let cipherText = "\(encryption.rawValue)\(keyLength.map { "-\($0)" } ?? "")" + (integrity.map { " + \($0.rawValue)" } ?? "")
        if let reason = Self.legacyReason(Self.strength(encryption)) {
            note(.legacyAlgorithmKept, .decision, legacyCipher.location,
                 "SA \(tek.name): \(legacyCipher.value) kept so GDOI members keep working, but \(reason); plan the change for all members")
        } else {
            note(.mappedExactly, .exact, legacyCipher.location, "SA \(tek.name): \(legacyCipher.value) -> \(cipherText)")
        }

        var senderIDBits: Int?
        if entry.isCounterMode {
            if let bits = group.senderIDBits {
                senderIDBits = bits.value
                note(.mappedExactly, .exact, bits.location, "SA \(tek.name): Sender-ID size \(bits.value) bits -> <sender-id bits=\"\(bits.value)\">")
            } else {
                senderIDBits = Self.defaultSenderIDBits
                note(.defaultApplied, .changed, legacyCipher.location,
                     "SA \(tek.name): counter-mode cipher needs Sender-IDs (RFC 6054 §3); the export gives no size, \(Self.defaultSenderIDBits) bits written")
            }
        }

        var lifetime = Self.defaultTEKLifetime
        if let given = tek.lifetimeSeconds {
            lifetime = UInt64(clamp(given, to: PolicyLimits.tekLifetime, what: "SA \(tek.name) lifetime"))
        } else {
            note(.defaultApplied, .changed, tek.location, "SA \(tek.name): no lifetime in the export; the device default \(Self.defaultTEKLifetime) s written")
        }

        let selectors = mapSelectors(tek)
        guard !selectors.isEmpty else {
            refuse(.missingElement, tek.location, "SA \(tek.name): no permit line gives it traffic to protect; SA not imported")
            return nil
        }
        return DataSecurityPolicy(name: name, mode: tek.transportMode ? .transport : .tunnel, selectors: selectors,
                                  encryption: encryption, keyLength: keyLength, integrity: integrity,
                                  lifetimeSeconds: UInt32(lifetime), antiReplay: mapReplay(tek), senderIDBits: senderIDBits)
    }

    /// Each permit line -> selectors (one per source-port x destination-port range); deny lines
    /// are reported as bypass, since a native SA lists only what it protects.
    mutating func mapSelectors(_ tek: LegacyTEK) -> [TrafficSelector] {
        var selectors: [TrafficSelector] = []
        var seen: Set<SelectorKey> = []  // ACLs run to thousands of lines: no quadratic dedupe
        var permitLines = 0
        for line in tek.selectors {
            guard line.permit else {
                note(.denyLineAsBypass, .decision, line.location,
                     "SA \(tek.name): \"\(line.summary)\" excluded this traffic from encryption; the native SA has no exclusions, so configure it as bypass on members or narrow the permit selectors")
                continue
            }
            permitLines += 1
            for sourcePorts in line.sourcePorts {
                for destinationPorts in line.destinationPorts {
                    let selector = TrafficSelector(ipProtocol: line.ipProtocol, source: line.source, destination: line.destination,
                                                   sourcePorts: sourcePorts, destinationPorts: destinationPorts)
                    if seen.insert(SelectorKey(selector)).inserted { selectors.append(selector) }
                }
            }
        }
        if permitLines > 0 {
            note(.mappedExactly, .exact, tek.selectors.first(where: \.permit)?.location ?? tek.location,
                 "SA \(tek.name): \(permitLines) permit line(s) -> \(selectors.count) traffic selector(s)")
        }
        return selectors
    }

    /// Counter windows are packets (RFC 4303 §3.4.3); time windows become whole seconds.
    mutating func mapReplay(_ tek: LegacyTEK) -> AntiReplay {
        guard let replay = tek.replay else { return .none }
        switch replay.value {
        case .counter(let window):
            let range = PolicyLimits.counterReplayWindow
            let fitted = UInt32(min(max(window, UInt64(range.lowerBound)), UInt64(range.upperBound)))
            if UInt64(fitted) == window {
                note(.mappedExactly, .exact, replay.location, "SA \(tek.name): counter anti-replay window \(window) packets")
            } else {
                note(.valueClamped, .decision, replay.location, "SA \(tek.name): counter window \(window) is outside \(range); \(fitted) written")
            }
            return .counter(window: fitted)
        case .time(let milliseconds, let unit):
            let seconds = (milliseconds + 999) / 1000
            let range = PolicyLimits.timeReplayWindow
            let fitted = UInt32(min(max(seconds, UInt64(range.lowerBound)), UInt64(range.upperBound)))
            if unit == "ms" {
                let exact = milliseconds % 1000 == 0
                note(.unitConverted, exact ? .changed : .decision, replay.location,
                     "SA \(tek.name): time-based anti-replay \(milliseconds) ms -> \(fitted) s" + (exact ? "" : " (rounded up to whole seconds, the native unit)"))
            } else if UInt64(fitted) == seconds {
                note(.mappedExactly, .exact, replay.location, "SA \(tek.name): time-based anti-replay window \(seconds) s")
            }
            if UInt64(fitted) != seconds {
                note(.valueClamped, .decision, replay.location, "SA \(tek.name): time window \(seconds) s is outside \(range) s; \(fitted) s written")
            }
            return .time(windowSeconds: fitted)
        }
    }

    /// A TEK may not outlive the KEK that protects its replacement (validator GP104): shorten
    /// the TEK and say so.
    mutating func fitLifetimes(_ policies: [DataSecurityPolicy], _ rekey: inout RekeyPolicy?) -> [DataSecurityPolicy] {
        guard let kekLifetime = rekey?.lifetimeSeconds else { return policies }
        return policies.map { policy in
            guard policy.lifetimeSeconds > kekLifetime else { return policy }
            var fitted = policy
            fitted.lifetimeSeconds = kekLifetime
            note(.valueClamped, .decision, group.location,
                 "SA \(policy.name) lived \(policy.lifetimeSeconds) s, longer than the rekey SA's \(kekLifetime) s; shortened to \(kekLifetime) s")
            return fitted
        }
    }
}

/// TrafficSelector is Equatable only; this is its hashable identity for duplicate removal.
struct SelectorKey: Hashable {
    var ipProtocol: UInt8?
    var source: IPPrefix
    var destination: IPPrefix
    var sourcePorts: PortRange
    var destinationPorts: PortRange

    init(_ selector: TrafficSelector) {
        ipProtocol = selector.ipProtocol
        source = selector.source
        destination = selector.destination
        sourcePorts = selector.sourcePorts
        destinationPorts = selector.destinationPorts
    }
}
