import EngineCore
import Foundation
import GDOI
import GDOIWire
@testable import Gateway
import GIKEv2
import GroupKeyCrypto
import GroupState
import Testing
import WireCore

/// The hand-off between the engines without sockets: a scheduled rollover the GCKS makes in its
/// tick becomes a GROUPKEY-PUSH to the rekey destination, encrypted under the KEK GDOI members
/// held before it, carrying the SEQ the group's lifecycle allotted and the TEK's SPI.
@Suite("MixedGroup: scheduled rekeys handed to the GDOI key server")
struct MixedGroupHandOffTests {
    @Test("A TEK rollover in the GCKS tick is sent as GROUPKEY-PUSH (SEQ from the lifecycle) besides the GSA_REKEY")
    func scheduledRolloverBecomesPush() throws {
        let directory = try ControlFixture.load(ControlFixture.demoPolicy())
        let before = try #require(directory.snapshot.first)
        let kek = try #require(try GroupKeyPushBuilder.currentKEK(of: before))
        var gcks = try GCKSResponder(configuration: GCKSConfiguration(localEndpoint: .ipv4(127, 0, 0, 1, port: 848),
                                                                      identity: GatewayServer.defaultIdentity),
                                     directory: directory, random: SystemRandom())
        let phase1 = GatewayServer.gdoiPhase1Configuration(GatewayServer.Configuration(listen: []), directory: directory)
        var keyServer = GDOIKeyServer(configuration: phase1, random: SystemRandom())
        var distributor = GDOIRekeyDistributor()
        distributor.prime(directory.snapshot)
        keyServer.distributor = distributor

        // Past the TEK's lead time: the GCKS rolls it over in its tick.
        let later = EngineTime(milliseconds: before.dataSecuritySAs[0].createdAtMilliseconds + 3_600_000)
        let gsaRekeys = gcks.performDueRekeys(now: later).filter { if case .send = $0 { return true } else { return false } }
        #expect(!gsaRekeys.isEmpty, "the GCKS sent its GSA_REKEY")
        let (engineActions, isakmpActions) = GatewayServer.handOff(gcks: &gcks, keyServer: &keyServer, directory: directory, now: later)
        #expect(engineActions.isEmpty)
        let after = try #require(directory.snapshot.first)
        let pushes = isakmpActions.compactMap { action -> ([UInt8], EndpointAddress)? in
            if case .send(let datagram, let to) = action { return (datagram, to) }
            return nil
        }
        let (datagram, destination) = try #require(pushes.first)
        #expect(pushes.count == 1 && destination == .ipv4(239, 192, 0, 1, port: 848))

        // Decrypt it as a member holding the old KEK would (RFC 6407 §4: HDR*, SEQ first).
        let message = try ISAKMPMessage.parse(datagram)
        #expect(message.header.exchangeType == ISAKMPExchangeType.groupkeyPush && message.header.cookiePair == kek.spi)
        let plaintext = try CBCCipher(kek.algorithm, key: kek.key).decrypt(try #require(message.encryptedBody), iv: kek.iv, aad: [UInt8]())
        let payloads = try ISAKMPMessage.parsePayloads(plaintext: plaintext, header: message.header).payloads
        guard case .sequenceNumber(let sequence)? = payloads.first else {
            Issue.record("no SEQ first: \(payloads)")
            return
        }
        #expect(sequence.value == after.lifecycle.lastGDOISequence && sequence.value >= 1)
        let newTEK = try #require(after.dataSecuritySAs.last)
        #expect(newTEK.spi != before.dataSecuritySAs[0].spi)
        let carriesTEK = payloads.contains { payload in
            if case .keyDownload(let download) = payload { return download.packets.contains { $0.spi == newTEK.spi } }
            return false
        }
        #expect(carriesTEK, "the push's key download carries the new TEK's SPI")
        // Nothing is left over for a second hand-off.
        let again = GatewayServer.handOff(gcks: &gcks, keyServer: &keyServer, directory: directory, now: later)
        #expect(again.engine.isEmpty && again.isakmp.isEmpty)
        #expect(keyServer.distributor?.statistics.pushesSent == 1)
    }
}
