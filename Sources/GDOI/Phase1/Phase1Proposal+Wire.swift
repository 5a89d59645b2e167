import GDOIWire
import GroupKeyCrypto
import GroupKeyTypes
import WireCore

/// Phase-1 attribute classes (RFC 2409 App. A).
enum Phase1AttributeType {
    static let encryptionAlgorithm: UInt16 = 1
    static let hashAlgorithm: UInt16 = 2
    static let authenticationMethod: UInt16 = 3
    static let groupDescription: UInt16 = 4
    static let lifeType: UInt16 = 11
    static let lifeDuration: UInt16 = 12
    static let keyLength: UInt16 = 14
    /// Life Type value "seconds" (RFC 2409 App. A).
    static let lifeTypeSeconds: UInt16 = 1
}

extension Phase1Proposal {
    /// The transform's attributes in the order RFC 2409 App. A lists the classes.
    func transform(number: UInt8) -> ISAKMPTransform {
        var attributes: [DataAttribute] = [
            .tv(Phase1AttributeType.encryptionAlgorithm,
                (cipher == .tripleDES ? IKEv1EncryptionAlgorithm.tripleDESCBC : .aesCBC).rawValue),
        ]
        if cipher != .tripleDES {
            // Key Length in bits, required for AES (RFC 3602 §5 via RFC 2409 App. A class 14).
            attributes.append(.tv(Phase1AttributeType.keyLength, UInt16(cipher.parameters.keyLength * 8)))
        }
        attributes += [
            .tv(Phase1AttributeType.hashAlgorithm, hash.rawValue),
            .tv(Phase1AttributeType.authenticationMethod, authentication.rawValue),
            .tv(Phase1AttributeType.groupDescription, group.rawValue),
            .tv(Phase1AttributeType.lifeType, Phase1AttributeType.lifeTypeSeconds),
            // Life Duration is variable length; a value that fits 16 bits goes Basic (App. A).
            lifetimeSeconds <= UInt32(UInt16.max)
                ? .tv(Phase1AttributeType.lifeDuration, UInt16(lifetimeSeconds))
                : .tlv(Phase1AttributeType.lifeDuration, lifetimeSeconds.bigEndianOctets),
        ]
        return ISAKMPTransform(number: number, transformID: ISAKMPTransform.keyIKE, attributes: attributes)
    }

    /// Reads an offered transform. Nil when it holds anything groupkey does not do (another
    /// cipher or hash, a private group, a PRF attribute, an unknown class): the responder then
    /// looks at the next transform (RFC 2408 §4.2).
    init?(transform: ISAKMPTransform, defaultLifetimeSeconds: UInt32) {
        guard transform.transformID == ISAKMPTransform.keyIKE else { return nil }
        var encryption: UInt16?, hashValue: UInt16?, authValue: UInt16?, groupValue: UInt16?, keyBits: UInt16?
        var lifeType: UInt16?
        var lifetime: UInt32?
        for attribute in transform.attributes {
            guard let value = attribute.integerValue else { return nil }
            switch attribute.type {
            case Phase1AttributeType.encryptionAlgorithm: encryption = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.hashAlgorithm: hashValue = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.authenticationMethod: authValue = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.groupDescription: groupValue = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.keyLength: keyBits = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.lifeType: lifeType = UInt16(truncatingIfNeeded: value)
            case Phase1AttributeType.lifeDuration:
                // A duration applies to the Life Type before it; kilobyte lives are not enforced.
                if lifeType == Phase1AttributeType.lifeTypeSeconds {
                    lifetime = UInt32(clamping: value)
                }
            default: return nil
            }
        }
        guard let encryption, let hashValue, let authValue, let groupValue,
              let hash = IKEv1HashAlgorithm(rawValue: hashValue),
              let authentication = Phase1AuthenticationMethod(rawValue: authValue),
              let group = KeyExchangeMethodID(rawValue: groupValue) else { return nil }
        let cipher: CBCCipher.Algorithm
        switch IKEv1EncryptionAlgorithm(rawValue: encryption) {
        case .aesCBC?:
            guard let keyBits, let aes = try? CBCCipher.Algorithm(aesKeyLength: Int(keyBits) / 8), keyBits % 8 == 0 else { return nil }
            cipher = aes
        case .tripleDESCBC?:
            guard keyBits == nil || keyBits == 192 else { return nil }
            cipher = .tripleDES
        default: return nil
        }
        self.init(cipher: cipher, hash: hash, group: group, authentication: authentication,
                  lifetimeSeconds: lifetime ?? defaultLifetimeSeconds)
    }

    /// Same algorithms (the lifetime is negotiated apart).
    func sameSuite(as other: Phase1Proposal) -> Bool {
        cipher == other.cipher && hash == other.hash && group == other.group && authentication == other.authentication
    }
}

/// The outcome of a responder's proposal selection.
struct Phase1Selection {
    /// The suite, with the lifetime we will hold the SA to.
    var proposal: Phase1Proposal
    /// The SA payload to answer with: the initiator's chosen transform, unchanged (RFC 2408 §4.2).
    var reply: ISAKMPSecurityAssociation
}

enum Phase1ProposalSelection {
    /// The initiator's SA payload: one proposal (RFC 2409 §5: phase 1 has exactly one) with a
    /// transform per suite.
    static func offer(_ proposals: [Phase1Proposal], doi: UInt32) -> ISAKMPSecurityAssociation {
        let transforms = proposals.enumerated().map { $0.element.transform(number: UInt8(truncatingIfNeeded: $0.offset + 1)) }
        return ISAKMPSecurityAssociation(doi: doi, situation: situation(for: doi), proposals: [
            ISAKMPProposal(number: 1, protocolID: ISAKMPProposal.protoISAKMP, transforms: transforms),
        ])
    }

    /// SIT_IDENTITY_ONLY under the IPsec DOI (RFC 2407 §4.2); zero under GDOI (WIRE-REFERENCE §18.19).
    static func situation(for doi: UInt32) -> UInt32 { doi == ISAKMPDOI.ipsec ? ISAKMPSecurityAssociation.identityOnly : 0 }

    /// The first offered transform matching one of `acceptable` (the initiator's preference
    /// order, RFC 2408 §4.2). Lifetime: the shorter of the offer and ours.
    static func select(from offer: ISAKMPSecurityAssociation, acceptable: [Phase1Proposal]) throws -> Phase1Selection {
        guard offer.doi == ISAKMPDOI.ipsec || offer.doi == ISAKMPDOI.gdoi else {
            throw GDOIError.noProposalChosen("phase-1 SA under DOI \(offer.doi)")
        }
        for proposal in offer.proposals where proposal.protocolID == ISAKMPProposal.protoISAKMP {
            for transform in proposal.transforms {
                guard let offered = Phase1Proposal(transform: transform, defaultLifetimeSeconds: UInt32.max),
                      let ours = acceptable.first(where: { $0.sameSuite(as: offered) }) else { continue }
                var chosen = ours
                chosen.lifetimeSeconds = min(ours.lifetimeSeconds, offered.lifetimeSeconds)
                let reply = ISAKMPSecurityAssociation(doi: offer.doi, situation: offer.situation, proposals: [
                    ISAKMPProposal(number: proposal.number, protocolID: proposal.protocolID, spi: proposal.spi,
                                   transforms: [transform]),
                ])
                return Phase1Selection(proposal: chosen, reply: reply)
            }
        }
        throw GDOIError.noProposalChosen("none of \(offer.proposals.reduce(0) { $0 + $1.transforms.count }) offered transforms is acceptable")
    }

    /// The initiator's check of the responder's choice: one transform, one we offered, unchanged.
    static func accept(_ answer: ISAKMPSecurityAssociation, offered: [Phase1Proposal]) throws -> Phase1Proposal {
        guard answer.proposals.count == 1, let proposal = answer.proposals.first, proposal.transforms.count == 1,
              let transform = proposal.transforms.first,
              let chosen = Phase1Proposal(transform: transform, defaultLifetimeSeconds: UInt32.max),
              let ours = offered.first(where: { $0.sameSuite(as: chosen) }) else {
            throw GDOIError.noProposalChosen("the responder chose a transform we did not offer")
        }
        var result = ours
        result.lifetimeSeconds = min(ours.lifetimeSeconds, chosen.lifetimeSeconds)
        return result
    }
}
