import WireCore

/// Which attributes must be Basic (TV) and which may be Variable, per registry. A "V" attribute
/// holding an integer may be sent Basic when it fits (RFC 2409 App. A: "Variable length attributes
/// ... may be encoded as basic"), so `V` integers accept either.
enum ISAKMPAttributeFormats {
    /// IKEv1 phase-1 (Oakley) attributes (RFC 2409 App. A).
    static func phase1(_ type: UInt16) -> AttributeFormat? {
        switch type {
        case 1, 2, 3, 4, 5, 11, 13, 14, 15: return .tv
        case 12: return .either                 // Life Duration
        case 6, 7, 8, 9, 10, 16: return .tlv    // group prime, generators, curve parameters, order
        default: return nil
        }
    }

    /// IPsec DOI SA attributes, used in SA TEK (RFC 2407 §4.5; RFC 6407 §5.5.1.1).
    static func ipsec(_ type: UInt16) -> AttributeFormat? {
        switch type {
        case 1, 3, 4, 5, 6, 7, 8, 10, 11, 14, 15: return .tv
        case 2: return .either                  // SA Life Duration
        case 9: return .tlv                     // Compress Private Algorithm
        default: return nil
        }
    }

    /// SA KEK attributes (RFC 6407 §5.3).
    static func kek(_ type: UInt16) -> AttributeFormat? {
        switch type {
        case 1, 2, 3, 5, 6, 7, 8, 9: return .tv
        case 4: return .either                  // KEK_KEY_LIFETIME
        default: return nil
        }
    }

    /// GAP attributes (RFC 6407 §5.4): all Basic.
    static func gap(_ type: UInt16) -> AttributeFormat? { (1...3).contains(type) ? .tv : nil }

    /// Reads attributes to the end of `reader`, checking each known type's format.
    static func readChecked(from reader: inout WireReader, formats: (UInt16) -> AttributeFormat?) throws -> [DataAttribute] {
        var attributes: [DataAttribute] = []
        while !reader.isEmpty {
            let offset = reader.offset
            let attribute = try DataAttribute.read(from: &reader)
            if let format = formats(attribute.type) {
                try attribute.checkFormat(format, payload: reader.context, offset: offset)
            }
            attributes.append(attribute)
        }
        return attributes
    }
}
