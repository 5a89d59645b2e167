// libFuzzer entry point for the ISAKMP / IKEv1 / GDOI codec. Built by scripts/fuzz.sh with
// -DFUZZING -sanitize=fuzzer; an ordinary build gets a corpus-replay stub.
import GDOIWire
import NIOCore
import WireCore

/// One input through every entry point a received datagram or decrypted body can reach.
func fuzzOne(_ bytes: [UInt8]) {
    if let kind = try? DatagramClassifier.classify(ByteBuffer(bytes: bytes), port: .gdoi), case .isakmp(let buffer) = kind,
       let message = try? ISAKMPMessage.parse(buffer) {
        for number in 1...6 {
            try? GDOIExchangeRules.check(header: message.header, payloads: message.payloads, offsets: message.payloadOffsets, message: number)
        }
        _ = try? message.serializedBytes()
    }
    // Treat the input as a decrypted body: the first octet picks the exchange, the second the first
    // payload type, the rest is plaintext (padding allowed).
    guard bytes.count >= 2 else { return }
    let exchanges: [UInt8] = [2, 4, 5, 32, 33, 35]
    let header = ISAKMPHeader(initiatorCookie: 1, responderCookie: 2, nextPayload: bytes[1],
                              exchangeType: exchanges[Int(bytes[0]) % exchanges.count], flags: 1, messageID: 0)
    guard let (payloads, offsets) = try? ISAKMPMessage.parsePayloads(plaintext: Array(bytes.dropFirst(2)), header: header) else { return }
    _ = try? ISAKMPMessage.serializePayloads(payloads)
    for number in 1...4 { try? GDOIExchangeRules.check(header: header, payloads: payloads, offsets: offsets, message: number) }
    for case .keyDownload(let kd) in payloads {
        for packet in kd.packets {
            if let download = packet.secret(1) { _ = try? LKHDownloadArray.decode(download) }
            if let update = packet.secret(2) { _ = try? LKHUpdateArray.decode(update) }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// SwiftPM links an executable target's entry point as `<Target>_main`; hand control to libFuzzer's
/// driver from there (LLVMFuzzerRunDriver, libFuzzer since LLVM 11).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzGDOIWire_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
#else
@main
struct FuzzGDOIWireStub {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            if let bytes = FileBytes.read(path) { fuzzOne(bytes) }
        }
    }
}
#endif
