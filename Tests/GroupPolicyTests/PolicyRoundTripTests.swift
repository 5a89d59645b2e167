import Foundation
import Testing
@testable import GroupPolicy

@Suite struct PolicyRoundTripTests {
    /// Model -> XML -> model is the identity, and writing is a fixed point (same model, same bytes).
    @Test(arguments: 0..<200)
    func generatedPolicyRoundTrips(seed: Int) throws {
        var generator = PolicyGenerator(seed: UInt64(seed) &* 0x2545_F491_4F6C_DD1D &+ 1)
        let document = generator.document()
        let text = PolicyWriter.write(document)
        let (loaded, findings) = PolicyReader.load(Array(text.utf8), file: "generated-\(seed).xml")
        let schemaFindings = findings.filter { $0.code == .schemaViolation || $0.code == .invalidValue }
        #expect(schemaFindings.isEmpty, "\(schemaFindings.first?.message ?? "")\n\(text)")
        let reread = try #require(loaded?.document)
        let identical = reread == document
        #expect(identical, "seed \(seed) does not round-trip:\n\(text)")
        #expect(PolicyWriter.write(reread) == text)
    }

    @Test func demoPolicyRereadsToTheSameModel() throws {
        let document = try PolicyReader.decode(DemoPolicyText.xml, file: DemoPolicyText.fileName)
        let group = try #require(document.groups.first)
        #expect(group.identity.gdoiID == 1001)
        #expect(group.identity.effectiveIDg == .keyID([0, 0, 0x03, 0xe9]))
        #expect(group.protocols == ServedProtocols(gdoi: true, gikev2: true))
        #expect(group.dataSecurity.first?.encryption == .aesGCM16)
        #expect(group.dataSecurity.first?.keyLength == 256)
        #expect(group.dataSecurity.first?.lifetimeSeconds == 3600)
        #expect(group.rekey?.lifetimeSeconds == 86400)
        #expect(group.rekey?.keyWrap == .kw5649_256)
        #expect(group.registration.preSharedKey == .reference(SecretReference(store: .secretsFile, name: "demo-psk")))
        let canonical = PolicyWriter.write(document)
        #expect(try PolicyReader.decode(canonical) == document)
    }

    @Test func defaultsAreFilledAndWrittenExplicitly() throws {
        let text = """
            <group xmlns="urn:groupkey:policy:1" name="g">
              <identity gdoi-id="07"/>
              <protocols serve="gdoi" migration="legacy"/>
              <key-server address="2001:DB8:0:0::1"/>
              <registration><psk secret-ref="env:PSK"/></registration>
              <data-security>
                <sa name="t"><selector source="10.1.0.0/16" destination="10.2.0.0/16"/>
                  <encryption algorithm="aes-cbc" key-length="128"/><integrity algorithm="hmac-sha2-256-128"/>
                  <lifetime seconds="3600"/></sa>
              </data-security>
            </group>
            """
        let document = try PolicyReader.decode(text)
        let group = try #require(document.groups.first)
        #expect(group.identity.gdoiID == 7)
        #expect(group.keyServers.first?.address.description == "2001:db8::1")
        #expect(group.keyServers.first?.port == 848)
        #expect(group.dataSecurity.first?.mode == .tunnel)
        #expect(group.dataSecurity.first?.addressPreservation == .sourceAndDestination)
        let written = PolicyWriter.write(document)
        #expect(written.contains("address=\"2001:db8::1\" port=\"848\""))
        #expect(written.contains("<sa name=\"t\" protocol=\"esp\" mode=\"tunnel\" address-preservation=\"source-and-destination\">"))
    }

    @Test func inlineKeyIsNeverKeptOrWritten() throws {
        let text = """
            <group xmlns="urn:groupkey:policy:1" name="g">
              <identity gdoi-id="5"/><protocols serve="gdoi" migration="legacy"/>
              <key-server address="192.0.2.1"/>
              <registration><psk inline="hunter2-SECRET"/></registration>
              <data-security><sa name="t"><selector source="10.1.0.0/16" destination="10.2.0.0/16"/>
                <encryption algorithm="aes-gcm-16" key-length="256"/><lifetime seconds="3600"/>
                <sender-id bits="8"/></sa></data-security>
            </group>
            """
        let (loaded, _) = PolicyReader.load(Array(text.utf8), file: "inline.xml")
        let document = try #require(loaded?.document)
        #expect(document.groups.first?.registration.preSharedKey == .inlineValueDiscarded)
        #expect(!PolicyWriter.write(document).contains("hunter2"))
        #expect(!"\(document)".contains("hunter2"))
    }
}
