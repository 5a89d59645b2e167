import GDOIWire
import GroupKeyCrypto

/// The member's LKH processing (RFC 6407 §4.4, §5.6.3.2): find an update array that starts under a
/// key it holds, decrypt each key under the one before it, replace those path keys; the final key
/// is the new group KEK. No array under a held key means the member was excluded.
enum LKHUpdate {
    static func follow(_ packet: GDOIKeyPacket, held: [LKHKey], algorithm: CBCCipher.Algorithm) throws -> (keys: [LKHKey], root: SecretBytes) {
        let ivLength = algorithm.parameters.ivLength
        for case .secret(2, let value) in packet.attributes {
            let array: LKHUpdateArray
            do { array = try LKHUpdateArray.decode(value) } catch { throw GroupKeyError.malformed("LKH_UPDATE_ARRAY: \(error)") }
            guard let start = held.first(where: { $0.lkhID == array.lkhID && $0.keyHandle == array.keyHandle }) else { continue }
            var previous = start.keyData
            var updated = held
            for key in array.keys {
                let cipher = try CBCCipher(algorithm, key: previous.slice(ivLength..<previous.count))
                let clear = try cipher.decryptKeyMaterial(key.keyData.unsafeCopyBytes(), iv: previous.slice(0..<ivLength).unsafeCopyBytes())
                guard clear.count == ivLength + algorithm.parameters.keyLength else {
                    throw GroupKeyError.unacceptablePolicy("LKH key of \(clear.count) octets")
                }
                let fresh = LKHKey(lkhID: key.lkhID, keyType: key.keyType, creationDate: key.creationDate,
                                   expirationDate: key.expirationDate, keyHandle: key.keyHandle, keyData: clear)
                if let index = updated.firstIndex(where: { $0.lkhID == key.lkhID }) { updated[index] = fresh } else { updated.append(fresh) }
                previous = clear
            }
            return (updated, previous)
        }
        throw GroupKeyError.unacceptablePolicy("no LKH_UPDATE_ARRAY starts under a key this member holds: excluded from the group")
    }
}
