/// Every way the gateway can refuse to start or to run, each with a stable code (one error type
/// per module, ARCHITECTURE.md practice 8). Peers' bad datagrams are never errors here: the
/// classifier and the engines drop and count them.
public enum GatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `ADDR:PORT` that does not parse.
    case invalidListenAddress(String)
    /// The bundled demo secrets may only be served on loopback (ARCHITECTURE.md, command-line contract).
    case demoSecretOffLoopback(String)
    /// A policy file or directory that cannot be read or does not validate.
    case policy(String)
    /// A secrets file that cannot be read or parsed, or a secret a policy names that it lacks.
    case secrets(String)
    /// A socket could not be opened or bound.
    case socket(String)
    /// The engine could not be built (bad configuration, random source failure).
    case engine(String)
    /// The state file (KeyStore) cannot be opened, read or written.
    case stateFile(String)

    public var code: String {
        switch self {
        case .invalidListenAddress: return "GW-LISTEN"
        case .demoSecretOffLoopback: return "GW-DEMO-OFF-LOOPBACK"
        case .policy: return "GW-POLICY"
        case .secrets: return "GW-SECRETS"
        case .socket: return "GW-SOCKET"
        case .engine: return "GW-ENGINE"
        case .stateFile: return "GW-STATE"
        }
    }

    public var description: String {
        switch self {
        case .invalidListenAddress(let text): return "\(code): \(text) is not ADDR:PORT (IPv6 as [ADDR]:PORT)"
        case .demoSecretOffLoopback(let address):
            return "\(code): the bundled demo secrets are served on loopback only, not on \(address)"
        case .policy(let what), .secrets(let what), .socket(let what), .engine(let what), .stateFile(let what): return "\(code): \(what)"
        }
    }
}
