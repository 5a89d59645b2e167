import NIOCore
import WireCore

/// The phase-1 SA payload (RFC 2408 §3.4; IPsec DOI RFC 2407 §4.6.1): `DOI(4) | Situation(4) |
/// Proposal payloads`. Under DOI 2 (GDOI) the phase-1 SA carries the same layout with a zero
/// Situation (WIRE-REFERENCE §18 item 19).
public struct ISAKMPSecurityAssociation: Equatable, Sendable {
    public var doi: UInt32
    public var situation: UInt32
    public var proposals: [ISAKMPProposal]

    public init(doi: UInt32, situation: UInt32, proposals: [ISAKMPProposal]) {
        self.doi = doi
        self.situation = situation
        self.proposals = proposals
    }

    /// SIT_IDENTITY_ONLY (RFC 2407 §4.2); SIT_SECRECY (2) and SIT_INTEGRITY (4) add labelled-domain
    /// fields that groupkey does not implement.
    public static let identityOnly: UInt32 = 1

    func write(to buffer: inout ByteBuffer) throws {
        buffer.writeInteger(doi, endianness: .big)
        buffer.writeInteger(situation, endianness: .big)
        for (index, proposal) in proposals.enumerated() {
            let last = index == proposals.count - 1
            try PayloadChain.writePayload(nextPayload: last ? 0 : ISAKMPPayloadType.proposal, style: .isakmp, to: &buffer) { b in
                guard proposal.spi.count <= Int(UInt8.max), proposal.transforms.count <= Int(UInt8.max) else {
                    throw WireError.limitExceeded(payload: "Proposal", offset: b.writerIndex, limit: "8-bit field",
                                                  value: max(proposal.spi.count, proposal.transforms.count))
                }
                b.writeInteger(proposal.number)
                b.writeInteger(proposal.protocolID)
                b.writeInteger(UInt8(proposal.spi.count))
                b.writeInteger(UInt8(proposal.transforms.count))
                b.writeBytes(proposal.spi)
                for (t, transform) in proposal.transforms.enumerated() {
                    let lastTransform = t == proposal.transforms.count - 1
                    try PayloadChain.writePayload(nextPayload: lastTransform ? 0 : ISAKMPPayloadType.transform,
                                                  style: .isakmp, to: &b) { tb in
                        tb.writeInteger(transform.number)
                        tb.writeInteger(transform.transformID)
                        tb.writeInteger(UInt16(0))
                        try DataAttribute.writeAll(transform.attributes, to: &tb)
                    }
                }
            }
        }
    }

    static func read(from reader: inout WireReader) throws -> ISAKMPSecurityAssociation {
        let doi = try reader.readUInt32("DOI")
        let situationOffset = reader.offset
        let situation = try reader.readUInt32("Situation")
        if doi == ISAKMPDOI.ipsec && situation & ~identityOnly != 0 {
            throw WireError.invalidValue(payload: reader.context, offset: situationOffset, field: "Situation", value: Int(situation))
        }
        // Proposals are payloads of type 2 whose Next Payload is 2 or 0 (RFC 2408 §3.5).
        let raws = try PayloadChain.walk(first: ISAKMPPayloadType.proposal, reader: &reader, style: .isakmp,
                                         name: { $0 == ISAKMPPayloadType.proposal ? "Proposal" : "payload \($0) in SA" })
        var proposals: [ISAKMPProposal] = []
        for raw in raws {
            guard raw.nextPayload == 0 || raw.nextPayload == ISAKMPPayloadType.proposal else {
                throw WireError.invalidValue(payload: "Proposal", offset: raw.offset, field: "Next Payload", value: Int(raw.nextPayload))
            }
            var body = raw.bodyReader(context: "Proposal")
            proposals.append(try ISAKMPProposal.read(from: &body))
        }
        return ISAKMPSecurityAssociation(doi: doi, situation: situation, proposals: proposals)
    }
}

/// Proposal (RFC 2408 §3.5): `Proposal #(1) | Protocol-Id(1) | SPI Size(1) | # of Transforms(1) | SPI | Transforms`.
public struct ISAKMPProposal: Equatable, Sendable {
    public var number: UInt8
    public var protocolID: UInt8
    public var spi: [UInt8]
    public var transforms: [ISAKMPTransform]

    public init(number: UInt8, protocolID: UInt8, spi: [UInt8] = [], transforms: [ISAKMPTransform]) {
        self.number = number
        self.protocolID = protocolID
        self.spi = spi
        self.transforms = transforms
    }

    /// PROTO_ISAKMP (RFC 2407 §4.4.1).
    public static let protoISAKMP: UInt8 = 1

    static func read(from reader: inout WireReader) throws -> ISAKMPProposal {
        let number = try reader.readUInt8("Proposal #")
        let protocolID = try reader.readUInt8("Protocol-Id")
        let spiSize = Int(try reader.readUInt8("SPI Size"))
        let countOffset = reader.offset
        let count = Int(try reader.readUInt8("# of Transforms"))
        let spi = try reader.readBytes(spiSize, "SPI")
        let raws = try PayloadChain.walk(first: ISAKMPPayloadType.transform, reader: &reader, style: .isakmp,
                                         name: { $0 == ISAKMPPayloadType.transform ? "Transform" : "payload \($0) in Proposal" })
        guard raws.count == count else {
            throw WireError.invalidCount(payload: "Proposal", offset: countOffset, declared: count, found: raws.count)
        }
        var transforms: [ISAKMPTransform] = []
        for raw in raws {
            guard raw.nextPayload == 0 || raw.nextPayload == ISAKMPPayloadType.transform else {
                throw WireError.invalidValue(payload: "Transform", offset: raw.offset, field: "Next Payload", value: Int(raw.nextPayload))
            }
            var body = raw.bodyReader(context: "Transform")
            let transformNumber = try body.readUInt8("Transform #")
            let transformID = try body.readUInt8("Transform-Id")
            try body.readReservedZero(2, "RESERVED2")
            let attributes: [DataAttribute]
            if protocolID == protoISAKMP {
                attributes = try ISAKMPAttributeFormats.readChecked(from: &body, formats: ISAKMPAttributeFormats.phase1)
            } else {
                attributes = try ISAKMPAttributeFormats.readChecked(from: &body, formats: ISAKMPAttributeFormats.ipsec)
            }
            transforms.append(ISAKMPTransform(number: transformNumber, transformID: transformID, attributes: attributes))
        }
        return ISAKMPProposal(number: number, protocolID: protocolID, spi: spi, transforms: transforms)
    }
}

/// Transform (RFC 2408 §3.6): `Transform #(1) | Transform-Id(1) | RESERVED2(2) | SA Attributes`.
public struct ISAKMPTransform: Equatable, Sendable {
    public var number: UInt8
    public var transformID: UInt8
    public var attributes: [DataAttribute]

    public init(number: UInt8, transformID: UInt8, attributes: [DataAttribute]) {
        self.number = number
        self.transformID = transformID
        self.attributes = attributes
    }

    /// KEY_IKE (RFC 2407 §4.4.2).
    public static let keyIKE: UInt8 = 1
}
