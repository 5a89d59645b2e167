import EngineCore
import Gateway
import GroupKeyCrypto
import Testing

@Suite("Listen addresses and the secrets file")
struct ListenAddressTests {
    @Test("ADDR:PORT parses IPv4 and bracketed IPv6, and knows loopback")
    func parses() throws {
        let v4 = try ListenAddress(parsing: "127.0.0.1:848")
        #expect(v4.endpoint == .ipv4(127, 0, 0, 1, port: 848) && v4.isLoopback)
        let v6 = try ListenAddress(parsing: "[::1]:0")
        #expect(v6.endpoint.addressOctets == Array(repeating: 0, count: 15) + [1] && v6.isLoopback)
        #expect(try !ListenAddress(parsing: "192.0.2.1:848").isLoopback)
        #expect(try !ListenAddress(parsing: "[::]:848").isLoopback)
        for bad in ["127.0.0.1", "::1:848", "localhost:848", "127.0.0.1:65536", "[::1]848", "1.2.3.4:-1", ""] {
            #expect(throws: GatewayError.self, "\(bad)") { _ = try ListenAddress(parsing: bad) }
        }
    }

    @Test("The secrets file reads text, hex: and file: values, skips comments, refuses the rest")
    func secretsFile() throws {
        let text = """
        # comment
        demo-psk = groupkey-demo-psk

        raw = hex:00ff10
        key=file:key.pem
        """
        let file = try SecretsFile.parse(text, file: "s") { path throws(GatewayError) in
            #expect(path == "key.pem")
            return Array("PEM".utf8)
        }
        #expect(file.names == ["demo-psk", "key", "raw"])
        #expect(file.value(named: "demo-psk") == SecretBytes(Array("groupkey-demo-psk".utf8)))
        #expect(file.value(named: "raw") == SecretBytes([0x00, 0xFF, 0x10]))
        #expect(file.value(named: "key") == SecretBytes(Array("PEM".utf8)))
        for bad in ["novalue", "a = ", "b c = x", "x = hex:0", "x = hex:zz", "d = 1\nd = 2"] {
            #expect(throws: GatewayError.self, "\(bad)") {
                _ = try SecretsFile.parse(bad, file: "s") { _ throws(GatewayError) in [] }
            }
        }
    }
}
