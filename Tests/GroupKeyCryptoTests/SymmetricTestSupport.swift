import GroupKeyTestSupport
@testable import GroupKeyCrypto

/// The stable code of the `CryptoError` a body throws, "none" if it throws nothing, or a
/// description of a foreign error. Lets a test name the exact refusal it expects.
func cryptoErrorCode(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "none"
    } catch let error as CryptoError {
        return error.code
    } catch {
        return "foreign error: \(error)"
    }
}

func secret(_ hex: String) -> SecretBytes { SecretBytes(Hex.decode(hex)) }

/// A copy of `bytes` with one bit flipped.
func flippingBit(_ bit: Int, of bytes: [UInt8]) -> [UInt8] {
    var copy = bytes
    copy[bit / 8] ^= UInt8(1 << (bit % 8))
    return copy
}
