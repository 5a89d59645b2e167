// libFuzzer entry point for the IKEv2 / G-IKEv2 codec. Built by scripts/fuzz.sh with
// -DFUZZING -sanitize=fuzzer; an ordinary build gets a stub that says how to fuzz.
import GIKEv2Wire
import NIOCore
import WireCore

/// Stands in for a cipher so that SK/SKF opening is exercised end to end: identity "encryption",
/// ICV of zeros. Fuzz inputs that happen to end in 16 zero octets reach the inner-payload parser.
struct FuzzProtection: IKEv2PayloadProtection {
    var ivLength: Int { 16 }
    var blockSize: Int { 16 }
    var icvLength: Int { 16 }
    var isAEAD: Bool { false }
    struct Rejected: Error {}
    func encrypt(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { plaintext }
    func decrypt(_ input: [UInt8], iv: [UInt8], aad: [UInt8]?) throws -> [UInt8] { input }
    func computeICV(over data: [UInt8]) throws -> [UInt8] { [UInt8](repeating: 0, count: 16) }
    func verifyICV(_ icv: [UInt8], over data: [UInt8]) throws { if icv.contains(where: { $0 != 0 }) { throw Rejected() } }
}

/// One input through every entry point a received datagram can reach. Any error is fine; a trap
/// or a sanitizer report is the finding.
func fuzzOne(_ bytes: [UInt8]) {
    if let kind = try? DatagramClassifier.classify(ByteBuffer(bytes: bytes), port: .natTraversal), case .ikev2(let buffer) = kind {
        if let message = try? IKEv2Message.parse(buffer) {
            try? message.checkClearRules()
            _ = try? message.serializedBytes()
        }
    }
    if let message = try? IKEv2Message.parse(bytes) {
        _ = try? message.serializedBytes()
        if let opened = try? SKProtection.open(bytes, protection: FuzzProtection()) {
            try? IKEv2ExchangeRules.check(opened)
            _ = try? IKEv2Message.serializeInnerPayloads(opened.innerPayloads)
        }
        if let fragment = try? SKProtection.openFragment(bytes, protection: FuzzProtection()) {
            _ = try? SKProtection.reassemble([fragment])
        }
    }
    // The first octet names the first inner payload; the rest is decrypted SK content.
    if let first = bytes.first,
       let inner = try? IKEv2Message.parseInnerPayloads(first: first, bytes: ByteBuffer(bytes: bytes.dropFirst()), origin: 0) {
        _ = try? IKEv2Message.serializeInnerPayloads(inner.payloads)
        for case .groupSecurityAssociation(let gsa) in inner.payloads {
            for case .securityAssociation(let policy) in gsa.policies { try? policy.checkTransforms(atRegistration: true) }
        }
    }
    var decoder = TCPEncapsulationDecoder(expectPrefix: bytes.first == 0x49)
    _ = try? decoder.feed(ByteBuffer(bytes: bytes))
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

@_cdecl("FuzzGIKEv2Wire_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
#else
@main
struct FuzzGIKEv2WireStub {
    static func main() {
        // Without libFuzzer: run each file named on the command line once (corpus replay).
        for path in CommandLine.arguments.dropFirst() {
            if let bytes = FileBytes.read(path) { fuzzOne(bytes) }
        }
    }
}
#endif
