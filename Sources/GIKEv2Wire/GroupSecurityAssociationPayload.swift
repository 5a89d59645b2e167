import NIOCore
import WireCore

/// GSA payload (RFC 9838 §4.4): a list of group policies. The first octet of each substructure
/// decides its kind: 0 is the group-wide policy, anything else the Protocol of a GSA policy (§4.4.1).
public struct GroupSecurityAssociationPayload: Equatable, Sendable {
    public var policies: [GroupPolicy]
    public init(policies: [GroupPolicy]) { self.policies = policies }

    public func write(to buffer: inout ByteBuffer) throws {
        for policy in policies {
            switch policy {
            case .securityAssociation(let gsa): try gsa.write(to: &buffer)
            case .groupWide(let gw): try gw.write(to: &buffer)
            }
        }
    }

    public static func read(from reader: inout WireReader) throws -> GroupSecurityAssociationPayload {
        var policies: [GroupPolicy] = []
        while !reader.isEmpty {
            let start = reader.offset
            var peek = reader
            let kind = try peek.readUInt8("Protocol")
            _ = try peek.readUInt8(kind == 0 ? "RESERVED" : "SPI Size")
            let length = Int(try peek.readUInt16("Length"))
            guard length >= 4, length <= reader.remaining else {
                throw WireError.invalidLength(payload: reader.context, offset: start + 2, declared: length,
                                              reason: "is not between 4 and the \(reader.remaining) octets remaining")
            }
            var body = try reader.readSubReader(length, context: kind == 0 ? "GSA GW policy" : "GSA policy")
            policies.append(kind == 0 ? .groupWide(try GroupWidePolicy.read(from: &body))
                                      : .securityAssociation(try GroupSAPolicy.read(from: &body)))
        }
        // "either one GSA KEK or GSA TEK policy MUST be present" (RFC 9838 §4.4.1).
        let gsaCount = policies.filter { if case .securityAssociation = $0 { return true } else { return false } }.count
        let gwCount = policies.count - gsaCount
        guard gsaCount >= 1 else {
            throw WireError.invalidCount(payload: reader.context, offset: reader.origin, declared: 1, found: 0)
        }
        guard gwCount <= 1 else {
            throw WireError.invalidCount(payload: reader.context, offset: reader.origin, declared: 1, found: gwCount)
        }
        return GroupSecurityAssociationPayload(policies: policies)
    }
}

public enum GroupPolicy: Equatable, Sendable {
    /// A GSA policy: the Rekey SA (GIKE_UPDATE) or a Data-Security SA (AH, ESP).
    case securityAssociation(GroupSAPolicy)
    /// The group-wide policy (RFC 9838 §4.4.3).
    case groupWide(GroupWidePolicy)
}

/// GSA policy substructure (RFC 9838 §4.4.2, Fig. 15):
/// `Protocol(1) | SPI Size(1) | Length(2) | SPI | Source TS | Destination TS | Transforms | Attributes`.
public struct GroupSAPolicy: Equatable, Sendable {
    public var protocolID: UInt8
    public var spi: [UInt8]
    public var source: TrafficSelector
    public var destination: TrafficSelector
    public var transforms: [IKEv2Transform]
    public var attributes: [DataAttribute]

    public init(protocolID: UInt8, spi: [UInt8], source: TrafficSelector, destination: TrafficSelector,
                transforms: [IKEv2Transform], attributes: [DataAttribute] = []) {
        self.protocolID = protocolID
        self.spi = spi
        self.source = source
        self.destination = destination
        self.transforms = transforms
        self.attributes = attributes
    }

    /// SPI Size per protocol: 16 for GIKE_UPDATE, 4 for AH and ESP (RFC 9838 §4.4.2).
    static func requiredSPISize(_ protocolID: UInt8) -> Int? {
        switch protocolID {
        case IKEv2ProtocolID.gikeUpdate: return IKEv2Limits.rekeySASPISize
        case IKEv2ProtocolID.ah, IKEv2ProtocolID.esp: return IKEv2Limits.childSPISize
        default: return nil
        }
    }

    /// GSA_KEY_LIFETIME in seconds, if present (RFC 9838 §4.4.2.2.1).
    public var keyLifetime: UInt32? { attributes.first { $0.type == GSAAttributeType.keyLifetime }.flatMap { $0.integerValue.map(UInt32.init) } }
    /// GSA_INITIAL_MESSAGE_ID, if present (RFC 9838 §4.4.2.2.2).
    public var initialMessageID: UInt32? { attributes.first { $0.type == GSAAttributeType.initialMessageID }.flatMap { $0.integerValue.map(UInt32.init) } }

    func write(to buffer: inout ByteBuffer) throws {
        let start = buffer.writerIndex
        guard spi.count <= Int(UInt8.max) else {
            throw WireError.limitExceeded(payload: "GSA policy", offset: start, limit: "8-bit SPI Size", value: spi.count)
        }
        buffer.writeInteger(protocolID)
        buffer.writeInteger(UInt8(spi.count))
        try buffer.writeLength16Backfilled(countingFrom: start) { b in
            b.writeBytes(spi)
            try source.write(to: &b)
            try destination.write(to: &b)
            for (index, transform) in transforms.enumerated() {
                try transform.write(to: &b, last: index == transforms.count - 1)
            }
            try DataAttribute.writeAll(attributes, to: &b)
        }
    }

    static func read(from reader: inout WireReader) throws -> GroupSAPolicy {
        let context = reader.context
        let protocolOffset = reader.offset
        let protocolID = try reader.readUInt8("Protocol")
        let spiSize = Int(try reader.readUInt8("SPI Size"))
        if let required = requiredSPISize(protocolID), required != spiSize {
            throw WireError.invalidValue(payload: context, offset: protocolOffset + 1, field: "SPI Size", value: spiSize)
        }
        _ = try reader.readUInt16("Length")
        let spi = try reader.readBytes(spiSize, "SPI")
        let source = try TrafficSelector.read(from: &reader)
        let destination = try TrafficSelector.read(from: &reader)
        let transformsOffset = reader.offset
        let transforms = try IKEv2Transform.readList(from: &reader, count: nil, context: context)
        guard !transforms.isEmpty else {
            throw WireError.invalidCount(payload: context, offset: transformsOffset, declared: 1, found: 0)
        }
        let attributesOffset = reader.offset
        let attributes = try DataAttribute.readAll(from: &reader)
        try checkAttributes(attributes, spiSize: spiSize, context: context, offset: attributesOffset)
        return GroupSAPolicy(protocolID: protocolID, spi: spi, source: source, destination: destination,
                             transforms: transforms, attributes: attributes)
    }

    /// Formats and multiplicity from the IANA "Group SA Attributes" registry (RFC 9838 §4.4.2.2).
    static func checkAttributes(_ attributes: [DataAttribute], spiSize: Int, context: String, offset: Int) throws {
        var seen = Set<UInt16>()
        for attribute in attributes {
            switch attribute.type {
            case GSAAttributeType.keyLifetime, GSAAttributeType.initialMessageID:
                try attribute.checkFormat(.tlv, payload: context, offset: offset)
                guard case .tlv(let value) = attribute.value, value.count == 4 else {
                    throw WireError.invalidAttribute(payload: context, offset: offset, attributeType: attribute.type,
                                                     reason: "must hold 4 octets")
                }
                guard seen.insert(attribute.type).inserted else {
                    throw WireError.invalidAttribute(payload: context, offset: offset, attributeType: attribute.type,
                                                     reason: "is not multi-valued")
                }
            case GSAAttributeType.nextSPI:
                try attribute.checkFormat(.tlv, payload: context, offset: offset)
                guard case .tlv(let value) = attribute.value, value.count == spiSize else {
                    throw WireError.invalidAttribute(payload: context, offset: offset, attributeType: attribute.type,
                                                     reason: "must hold an SPI of SPI Size octets")
                }
            default:
                break // unassigned or private: kept for the engine to judge
            }
        }
    }
}

/// Group-wide policy substructure (RFC 9838 §4.4.3, Fig. 17):
/// `Protocol(1)=0 | RESERVED(1) | Length(2) | GW Policy Attributes`.
public struct GroupWidePolicy: Equatable, Sendable {
    public var attributes: [DataAttribute]
    public init(attributes: [DataAttribute]) { self.attributes = attributes }

    public var activationTimeDelay: UInt16? { tvValue(GWPolicyAttributeType.activationTimeDelay) }
    public var deactivationTimeDelay: UInt16? { tvValue(GWPolicyAttributeType.deactivationTimeDelay) }
    public var senderIDBits: UInt16? { tvValue(GWPolicyAttributeType.senderIDBits) }

    private func tvValue(_ type: UInt16) -> UInt16? {
        attributes.first { $0.type == type }.flatMap { if case .tv(let v) = $0.value { return v } else { return nil } }
    }

    func write(to buffer: inout ByteBuffer) throws {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt8(0))
        try buffer.writeLength16Backfilled(countingFrom: start) { b in try DataAttribute.writeAll(attributes, to: &b) }
    }

    static func read(from reader: inout WireReader) throws -> GroupWidePolicy {
        _ = try reader.readUInt8("Protocol")
        try reader.skipIgnoredReserved(1) // "MUST be ignored on receipt" (RFC 9838 §4.4.3)
        _ = try reader.readUInt16("Length")
        let offset = reader.offset
        let attributes = try DataAttribute.readAll(from: &reader)
        var seen = Set<UInt16>()
        for attribute in attributes where (1...3).contains(attribute.type) {
            // GWP_ATD, GWP_DTD, GWP_SENDER_ID_BITS: TV, not multi-valued (RFC 9838 §4.4.3.1).
            try attribute.checkFormat(.tv, payload: reader.context, offset: offset)
            guard seen.insert(attribute.type).inserted else {
                throw WireError.invalidAttribute(payload: reader.context, offset: offset, attributeType: attribute.type,
                                                 reason: "is not multi-valued")
            }
        }
        return GroupWidePolicy(attributes: attributes)
    }
}
