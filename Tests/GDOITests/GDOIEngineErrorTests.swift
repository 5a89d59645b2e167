import GDOI
import Testing

@Suite("GDOIEngine errors")
struct GDOIEngineErrorTests {
    @Test("Every error has a stable GDOI- code")
    func codes() {
        let errors: [GDOIError] = [.malformed("x"), .decryptionFailed, .authenticationFailed("x"), .noProposalChosen("x"),
                                   .unexpectedMessage("x"), .unknownCookies, .unknownGroup("x"), .notAuthorized("x"),
                                   .replay("x"), .peerRefused(notify: 14), .crypto("x"), .timedOut, .internal("x")]
        #expect(Set(errors.map(\.code)).count == errors.count)
        #expect(errors.allSatisfy { $0.code.hasPrefix("GDOI-") })
        #expect(GDOIError.peerRefused(notify: 14).description.contains("NO-PROPOSAL-CHOSEN"))
    }
}
