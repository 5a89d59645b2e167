import Testing
@testable import GroupKeyCrypto

@Suite struct SymmetricSelfTestTests {
    @Test func selfTestIncludesAEADAndKeyWrap() {
        let results = CryptoSelfTest.run()
        #expect(results.contains { $0.name.contains("GCM") && $0.passed })
        #expect(results.contains { $0.name.contains("KWP") && $0.passed })
    }
}
