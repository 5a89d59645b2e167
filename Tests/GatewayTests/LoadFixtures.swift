import EngineCore
import Foundation
import Gateway
import GIKEv2
import GIKEv2Wire
import GroupKeyCrypto
import GroupPolicy
import GroupState
import NIOCore
import NIOPosix
import Testing

/// A load-test group: X25519, AES-GCM-16-256 and a PSK for registration, an authorization list
/// naming `load-N.example` members, an AES-GCM TEK with Sender-IDs and a signed rekey SA. Built
/// in the test (not a file) so the list can be as long as the test needs.
enum LoadFixtures {
    static let groupID = MemberClient.groupIdentification("4242")
    static let psk = SecretBytes(Array("load-test-psk-not-a-demo-secret".utf8))
    /// X25519 (31), ENCR_AES_GCM_16 (20) with 256-bit keys, PRF_HMAC_SHA2_256 (5), no INTEG with an AEAD.
    static let proposal = IKEProposal(encryption: 20, keyBits: 256, integrity: nil, prf: 5, keyExchange: 31)

    static func memberName(_ index: Int) -> String { "load-\(index).example" }

    static func policyXML(authorized: Int) -> String {
        let members = (0..<authorized).map { "      <member id-type=\"fqdn\" value=\"\(memberName($0))\"/>" }
            .joined(separator: "\n")
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <policies xmlns="urn:groupkey:policy:1">
          <group name="load-4242">
            <identity gdoi-id="4242">
              <idg type="key-id" value="00001092"/>
            </identity>
            <protocols serve="gikev2" migration="migrated"/>
            <key-server address="127.0.0.1"/>
            <registration>
              <psk secret-ref="secrets:load-psk"/>
              <proposal encryption="aes-gcm-16" key-length="256" prf="hmac-sha2-256" key-exchange="curve25519"/>
            </registration>
            <authorization>
        \(members)
            </authorization>
            <data-security>
              <sa name="load-tek" protocol="esp" mode="tunnel" address-preservation="source-and-destination">
                <selector protocol="any" source="10.0.0.0/8" destination="10.0.0.0/8"/>
                <encryption algorithm="aes-gcm-16" key-length="256"/>
                <lifetime seconds="3600"/>
                <anti-replay type="counter" window="64"/>
                <sender-id bits="16"/>
              </sa>
            </data-security>
            <rekey transport="multicast" destination="239.192.0.42" port="848">
              <encryption algorithm="aes-gcm-16" key-length="256"/>
              <key-wrap algorithm="kw-5649-256"/>
              <authentication method="digital-signature" signature="rsa-pkcs1-sha256" key-ref="secrets:load-rekey-key"/>
              <lifetime seconds="86400"/>
              <lead-time seconds="90"/>
              <retransmit count="2" interval="10"/>
            </rekey>
            <timing activation-delay="0" deactivation-delay="30"/>
          </group>
        </policies>
        """
    }

    static func directory(authorized: Int) throws -> GroupDirectory {
        let pem = try PolicyCatalogTests.rekeyKeyPEM()
        let secrets = try SecretsFile.parse("load-psk = load-test-psk-not-a-demo-secret\nload-rekey-key = file:rekey.pem\n",
                                            file: "secrets") { _ throws(GatewayError) in pem }
        let input = PolicyValidator.Input(name: "load-4242.xml", bytes: Array(policyXML(authorized: authorized).utf8))
        return try GroupCatalog.load(policies: [input], secrets: secrets, environment: [:], random: SystemRandom())
    }

    static func server(authorized: Int, tcp: Bool = false, keyLog: IKEKeyLogFile? = nil) async throws -> GatewayServer {
        try await GatewayServer.start(configuration: .init(listen: [try ListenAddress(parsing: "127.0.0.1:0")],
                                                           tcpListen: tcp ? [try ListenAddress(parsing: "127.0.0.1:0")] : [],
                                                           logger: LoopbackRegistrationTests.quietLogger, ikeKeyLog: keyLog),
                                      directory: try directory(authorized: authorized))
    }

    static func options(to server: EndpointAddress, member index: Int, transport: MemberClient.Transport = .udp) -> MemberClient.Options {
        MemberClient.Options(server: server, groupID: groupID, identity: MemberClient.memberIdentification(memberName(index)),
                             preSharedKey: psk, proposals: [proposal], transport: transport, timeoutMilliseconds: 60_000)
    }

    /// Registers members `indices` at once; outcomes in index order.
    static func registerConcurrently(_ indices: Range<Int>, to server: EndpointAddress,
                                     transport: MemberClient.Transport) async throws -> [MemberClient.Outcome] {
        try await withThrowingTaskGroup(of: (Int, MemberClient.Outcome).self) { group in
            for index in indices {
                group.addTask {
                    (index, try await MemberClient.join(options(to: server, member: index, transport: transport),
                                                        logger: LoopbackRegistrationTests.quietLogger))
                }
            }
            var outcomes: [Int: MemberClient.Outcome] = [:]
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return indices.compactMap { outcomes[$0] }
        }
    }
}
