/// The names Cisco IOS-XE accepts for protocols and ports in access-list entries
/// (Cisco-IOS-XE-acl.yang: the ace protocol choice and typedef acl-port-type;
/// gdoi-xml-exports.md §a "Match ACL"). Numbers are the IANA assignments.
enum NamedPortsAndProtocols {
    /// nil value = "ip" (any protocol).
    static let protocols: [String: UInt8?] = [
        "ip": nil, "icmp": 1, "igmp": 2, "nos": 4, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ahp": 51,
        "eigrp": 88, "ospf": 89, "ipinip": 94, "pim": 103, "pcp": 108,
    ]

    static let ports: [String: UInt16] = [
        "echo": 7, "discard": 9, "daytime": 13, "chargen": 19, "ftp-data": 20, "ftp": 21, "telnet": 23,
        "smtp": 25, "time": 37, "nameserver": 42, "whois": 43, "tacacs": 49, "domain": 53, "bootps": 67,
        "bootpc": 68, "tftp": 69, "gopher": 70, "finger": 79, "www": 80, "hostname": 101, "pop2": 109,
        "pop3": 110, "sunrpc": 111, "ident": 113, "nntp": 119, "ntp": 123, "netbios-ns": 137,
        "netbios-dgm": 138, "netbios-ss": 139, "snmp": 161, "snmptrap": 162, "xdmcp": 177, "bgp": 179,
        "irc": 194, "dnsix": 195, "mobile-ip": 434, "pim-auto-rp": 496, "isakmp": 500, "biff": 512,
        "exec": 512, "login": 513, "cmd": 514, "syslog": 514, "lpd": 515, "talk": 517, "rip": 520,
        "uucp": 540, "klogin": 543, "kshell": 544, "drip": 3949, "non500-isakmp": 4500,
    ]

    /// A protocol token: a name above or a number 0...255. The outer optional is nil for junk.
    static func protocolNumber(_ token: String) -> UInt8?? {
        if let named = protocols[token.lowercased()] { return .some(named) }
        if let number = UInt8(token) { return .some(number == 0 ? nil : number) }
        return nil
    }

    static func port(_ token: String) -> UInt16? {
        UInt16(token) ?? ports[token.lowercased()]
    }
}
