/// Declarative payload rules for one message of one exchange: which payloads, how many, whether
/// inside the encrypted payload (IKEv2 SK; an ISAKMP message with the E flag) or in the clear, and
/// in what order. A message that breaks its rules is rejected before any engine sees it
/// (RFC 7296 §2.5 and §3; RFC 2408 §5; RFC 6407 §3.2, §4).
public struct PayloadRule: Sendable, Equatable {
    public var payload: UInt8
    public var name: String
    public var min: Int
    public var max: Int
    /// True: only inside the encrypted part. False: only in the clear.
    public var mustBeEncrypted: Bool

    public init(_ payload: UInt8, _ name: String, min: Int, max: Int, mustBeEncrypted: Bool) {
        precondition(min >= 0 && max >= min, "bad rule bounds for \(name)")
        self.payload = payload
        self.name = name
        self.min = min
        self.max = max
        self.mustBeEncrypted = mustBeEncrypted
    }
}

/// One payload as the rule checker sees it.
public struct FoundPayload: Sendable, Equatable {
    public var type: UInt8
    public var encrypted: Bool
    public var critical: Bool
    /// Whether this codec knows the type; an unknown one is skipped unless critical (RFC 7296 §2.5).
    public var known: Bool
    public var offset: Int

    public init(type: UInt8, encrypted: Bool, critical: Bool = false, known: Bool = true, offset: Int = 0) {
        self.type = type
        self.encrypted = encrypted
        self.critical = critical
        self.known = known
        self.offset = offset
    }
}

/// One allowed shape of a message.
public struct PayloadRuleSet: Sendable {
    public var rules: [PayloadRule]
    /// If true, payloads named by rules must appear in the order the rules are listed
    /// (repeats of one rule adjacent or not, but never going back to an earlier rule).
    public var ordered: Bool

    public init(_ rules: [PayloadRule], ordered: Bool = false) {
        self.rules = rules
        self.ordered = ordered
    }

    func check(_ payloads: [FoundPayload], exchange: String) throws {
        var counts = [Int](repeating: 0, count: rules.count)
        var lastRuleIndex = -1
        for found in payloads {
            guard let index = rules.firstIndex(where: { $0.payload == found.type }) else {
                if found.known {
                    throw WireError.ruleViolation(exchange: exchange, payload: "payload type \(found.type)",
                                                  offset: found.offset, reason: "not allowed in this message")
                }
                if found.critical {
                    throw WireError.unsupportedCriticalPayload(payloadType: found.type, offset: found.offset)
                }
                continue // unknown, non-critical: skipped (RFC 7296 §2.5)
            }
            let rule = rules[index]
            if rule.mustBeEncrypted != found.encrypted {
                throw WireError.ruleViolation(exchange: exchange, payload: rule.name, offset: found.offset,
                                              reason: rule.mustBeEncrypted ? "must be encrypted" : "must be in the clear")
            }
            if ordered && index < lastRuleIndex {
                throw WireError.ruleViolation(exchange: exchange, payload: rule.name, offset: found.offset,
                                              reason: "out of order")
            }
            lastRuleIndex = Swift.max(lastRuleIndex, index)
            counts[index] += 1
            if counts[index] > rule.max {
                throw WireError.ruleViolation(exchange: exchange, payload: rule.name, offset: found.offset,
                                              reason: "more than \(rule.max)")
            }
        }
        for (index, rule) in rules.enumerated() where counts[index] < rule.min {
            throw WireError.ruleViolation(exchange: exchange, payload: rule.name, offset: 0,
                                          reason: "missing (at least \(rule.min) required)")
        }
    }
}

/// The rules of one message (exchange and direction): one or more allowed shapes, e.g. a success
/// response and an error response.
public struct MessageRules: Sendable {
    public var exchange: String
    public var shapes: [PayloadRuleSet]

    public init(exchange: String, shapes: [PayloadRuleSet]) {
        precondition(!shapes.isEmpty, "a message needs at least one shape")
        self.exchange = exchange
        self.shapes = shapes
    }

    /// Passes if any shape accepts the payloads. Otherwise throws what the first shape (the main
    /// form) objected to; an unknown critical payload is reported as such whichever shape is tried.
    public func check(_ payloads: [FoundPayload]) throws {
        var firstError: Error?
        for shape in shapes {
            do {
                try shape.check(payloads, exchange: exchange)
                return
            } catch let error as WireError {
                if case .unsupportedCriticalPayload = error { throw error }
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }
}
