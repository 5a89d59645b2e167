import Foundation
import GroupKeyTestSupport
import Testing
@testable import GroupKeyCrypto

struct HMACVectorFile: Decodable {
    struct Case: Decodable { let name, key, data, sha256, sha384, sha512: String }
    let source: String
    let cases: [Case]
}

@Suite struct HMACTests {
    @Test func rfc4231KnownAnswers() throws {
        let file = try VectorLoader.load(HMACVectorFile.self, named: "rfc4231-hmac-sha2.json", in: .module)
        #expect(!file.cases.isEmpty)
        for c in file.cases {
            let key = Hex.decode(c.key), data = Hex.decode(c.data)
            #expect(try HMAC(.sha256).authenticationCode(key: key, parts: [data]) == Hex.decode(c.sha256), "\(c.name)")
            #expect(try HMAC(.sha384).authenticationCode(key: key, parts: [data]) == Hex.decode(c.sha384), "\(c.name)")
            #expect(try HMAC(.sha512).authenticationCode(key: key, parts: [data]) == Hex.decode(c.sha512), "\(c.name)")
            // Split input must give the same MAC as contiguous input.
            let split = data.count / 2
            #expect(try HMAC(.sha256).authenticationCode(key: key, parts: [Array(data[..<split]), Array(data[split...])]) == Hex.decode(c.sha256))
        }
    }

    @Test func builtInSelfTestPasses() {
        for result in CryptoSelfTest.run() { #expect(result.passed, "\(result.name)") }
    }
}

@Suite struct HMACEmptyKeyTests {
    /// RFC 2104 allows a zero-length key; OpenSSL treats a null key as "reuse the last one", so
    /// this checks the empty key really is empty. Expected value from Python's hmac module.
    @Test func emptyKeyAndEmptyMessage() throws {
        let mac = try HMAC(.sha256).authenticationCode(key: [UInt8](), parts: [[UInt8]()])
        #expect(mac == Hex.decode("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"))
    }
}
