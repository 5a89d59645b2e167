import NIOCore
import WireCore

/// KD payload (RFC 9838 §4.5): a list of key bags. The first octet of a bag decides its kind: 0 is
/// a Member Key Bag, anything else the Protocol of a Group Key Bag (§4.5.1).
public struct KeyDownloadPayload: Equatable, Sendable {
    public var bags: [KeyBag]
    public init(bags: [KeyBag]) { self.bags = bags }

    public func write(to buffer: inout ByteBuffer) throws {
        for bag in bags {
            let start = buffer.writerIndex
            switch bag {
            case .group(let group):
                guard group.spi.count <= Int(UInt8.max) else {
                    throw WireError.limitExceeded(payload: "Group Key Bag", offset: start, limit: "8-bit SPI Size", value: group.spi.count)
                }
                buffer.writeInteger(group.protocolID)
                buffer.writeInteger(UInt8(group.spi.count))
                try buffer.writeLength16Backfilled(countingFrom: start) { b in
                    b.writeBytes(group.spi)
                    for attribute in group.attributes { try attribute.dataAttribute.write(to: &b) }
                }
            case .member(let member):
                buffer.writeInteger(UInt8(0))
                buffer.writeInteger(UInt8(0))
                try buffer.writeLength16Backfilled(countingFrom: start) { b in
                    for attribute in member.attributes { try attribute.dataAttribute.write(to: &b) }
                }
            }
        }
    }

    public static func read(from reader: inout WireReader) throws -> KeyDownloadPayload {
        var bags: [KeyBag] = []
        while !reader.isEmpty {
            let start = reader.offset
            var peek = reader
            let kind = try peek.readUInt8("Protocol")
            let spiSize = Int(try peek.readUInt8(kind == 0 ? "RESERVED" : "SPI Size"))
            let length = Int(try peek.readUInt16("Length"))
            guard length >= 4, length <= reader.remaining else {
                throw WireError.invalidLength(payload: reader.context, offset: start + 2, declared: length,
                                              reason: "is not between 4 and the \(reader.remaining) octets remaining")
            }
            var body = try reader.readSubReader(length, context: kind == 0 ? "Member Key Bag" : "Group Key Bag")
            _ = try body.readBytes(4, "key bag header")
            if kind == 0 {
                // RESERVED: "MUST be ignored on receipt" as for the GW policy (RFC 9838 §4.5.3).
                bags.append(.member(try MemberKeyBag.readAttributes(from: &body)))
            } else {
                if let required = GroupSAPolicy.requiredSPISize(kind), required != spiSize {
                    throw WireError.invalidValue(payload: body.context, offset: start + 1, field: "SPI Size", value: spiSize)
                }
                let spi = try body.readBytes(spiSize, "SPI")
                bags.append(.group(try GroupKeyBag.readAttributes(protocolID: kind, spi: spi, from: &body)))
            }
        }
        return KeyDownloadPayload(bags: bags)
    }
}

public enum KeyBag: Equatable, Sendable {
    case group(GroupKeyBag)
    case member(MemberKeyBag)
}

/// Wrapped Key (RFC 9838 §4.5.4, Fig. 21): `Key ID(4) | KWK ID(4) | Encrypted Key`. Key ID 0 is SA
/// keying material; KWK ID 0 means the default key-wrap key GSK_w. The encrypted key's format is
/// the key-wrap algorithm's (e.g. RFC 5649: 8·ceil(n/8) + 8 octets), checked by the unwrapper.
public struct WrappedKey: Equatable, Sendable {
    public var keyID: UInt32
    public var kwkID: UInt32
    public var encryptedKey: [UInt8]

    public init(keyID: UInt32, kwkID: UInt32, encryptedKey: [UInt8]) {
        self.keyID = keyID
        self.kwkID = kwkID
        self.encryptedKey = encryptedKey
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + encryptedKey.count)
        for value in [keyID, kwkID] { out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        return out + encryptedKey
    }

    static func parse(_ attribute: DataAttribute, context: String, offset: Int) throws -> WrappedKey {
        try attribute.checkFormat(.tlv, payload: context, offset: offset)
        guard case .tlv(let value) = attribute.value, value.count > 8 else {
            throw WireError.invalidAttribute(payload: context, offset: offset, attributeType: attribute.type,
                                             reason: "a Wrapped Key needs Key ID, KWK ID and an encrypted key")
        }
        var reader = WireReader(bytes: value, origin: offset + 4, context: context)
        return WrappedKey(keyID: try reader.readUInt32("Key ID"), kwkID: try reader.readUInt32("KWK ID"),
                          encryptedKey: reader.readRemainingBytes())
    }
}

/// Group Key Bag (RFC 9838 §4.5.2, Fig. 19): `Protocol(1) | SPI Size(1) | Length(2) | SPI | attributes`.
public struct GroupKeyBag: Equatable, Sendable {
    public var protocolID: UInt8
    public var spi: [UInt8]
    public var attributes: [GroupKeyBagAttribute]

    public init(protocolID: UInt8, spi: [UInt8], attributes: [GroupKeyBagAttribute]) {
        self.protocolID = protocolID
        self.spi = spi
        self.attributes = attributes
    }

    public var saKeys: [WrappedKey] {
        attributes.compactMap { if case .saKey(let key) = $0 { return key } else { return nil } }
    }

    static func readAttributes(protocolID: UInt8, spi: [UInt8], from reader: inout WireReader) throws -> GroupKeyBag {
        var attributes: [GroupKeyBagAttribute] = []
        while !reader.isEmpty {
            let offset = reader.offset
            let attribute = try DataAttribute.read(from: &reader)
            if attribute.type == GroupKeyBagAttributeType.saKey {
                let key = try WrappedKey.parse(attribute, context: reader.context, offset: offset)
                // "the Key ID field MUST be set to zero" for SA_KEY (RFC 9838 §4.5.2.1).
                guard key.keyID == 0 else {
                    throw WireError.invalidValue(payload: reader.context, offset: offset + 4, field: "SA_KEY Key ID", value: Int(key.keyID))
                }
                // Multi-valued only for GIKE_UPDATE (IANA "Group Key Bag Attributes").
                if protocolID != IKEv2ProtocolID.gikeUpdate && attributes.contains(where: { if case .saKey = $0 { true } else { false } }) {
                    throw WireError.invalidAttribute(payload: reader.context, offset: offset, attributeType: attribute.type,
                                                     reason: "SA_KEY is single-valued for AH and ESP")
                }
                attributes.append(.saKey(key))
            } else {
                attributes.append(.other(attribute))
            }
        }
        return GroupKeyBag(protocolID: protocolID, spi: spi, attributes: attributes)
    }
}

public enum GroupKeyBagAttribute: Equatable, Sendable {
    case saKey(WrappedKey)
    case other(DataAttribute)

    var dataAttribute: DataAttribute {
        switch self {
        case .saKey(let key): return .tlv(GroupKeyBagAttributeType.saKey, key.bytes)
        case .other(let attribute): return attribute
        }
    }
}

/// Member Key Bag (RFC 9838 §4.5.3, Fig. 20): `Protocol(1)=0 | RESERVED(1) | Length(2) | attributes`.
public struct MemberKeyBag: Equatable, Sendable {
    public var attributes: [MemberKeyBagAttribute]
    public init(attributes: [MemberKeyBagAttribute]) { self.attributes = attributes }

    static func readAttributes(from reader: inout WireReader) throws -> MemberKeyBag {
        var attributes: [MemberKeyBagAttribute] = []
        var sawAuthKey = false
        while !reader.isEmpty {
            let offset = reader.offset
            let attribute = try DataAttribute.read(from: &reader)
            switch attribute.type {
            case MemberKeyBagAttributeType.wrapKey:
                let key = try WrappedKey.parse(attribute, context: reader.context, offset: offset)
                // WRAP_KEY carries a key-tree node: its Key ID is never 0 (RFC 9838 §4.5.3.1).
                guard key.keyID != 0 else {
                    throw WireError.invalidValue(payload: reader.context, offset: offset + 4, field: "WRAP_KEY Key ID", value: 0)
                }
                attributes.append(.wrapKey(key))
            case MemberKeyBagAttributeType.authKey:
                try attribute.checkFormat(.tlv, payload: reader.context, offset: offset)
                guard !sawAuthKey, case .tlv(let spki) = attribute.value else {
                    throw WireError.invalidAttribute(payload: reader.context, offset: offset, attributeType: attribute.type,
                                                     reason: "AUTH_KEY is single-valued")
                }
                sawAuthKey = true
                attributes.append(.authKey(spki))
            case MemberKeyBagAttributeType.gmSenderID:
                try attribute.checkFormat(.tlv, payload: reader.context, offset: offset)
                guard case .tlv(let id) = attribute.value, !id.isEmpty else {
                    throw WireError.invalidAttribute(payload: reader.context, offset: offset, attributeType: attribute.type,
                                                     reason: "GM_SENDER_ID is empty")
                }
                attributes.append(.gmSenderID(id))
            default:
                attributes.append(.other(attribute))
            }
        }
        return MemberKeyBag(attributes: attributes)
    }
}

public enum MemberKeyBagAttribute: Equatable, Sendable {
    /// A key-tree node key (RFC 9838 §4.5.3.1).
    case wrapKey(WrappedKey)
    /// DER SubjectPublicKeyInfo of the GCKS rekey-signing key (RFC 9838 §4.5.3.2).
    case authKey([UInt8])
    /// One Sender-ID, big-endian, as long as the attribute (RFC 9838 §4.5.3.3; WIRE-REFERENCE §18.6).
    case gmSenderID([UInt8])
    case other(DataAttribute)

    var dataAttribute: DataAttribute {
        switch self {
        case .wrapKey(let key): return .tlv(MemberKeyBagAttributeType.wrapKey, key.bytes)
        case .authKey(let spki): return .tlv(MemberKeyBagAttributeType.authKey, spki)
        case .gmSenderID(let id): return .tlv(MemberKeyBagAttributeType.gmSenderID, id)
        case .other(let attribute): return attribute
        }
    }
}
