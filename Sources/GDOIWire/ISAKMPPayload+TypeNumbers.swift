/// Each payload type's number beside the type (RFC 2408 §3.1; RFC 6407 §5; RFC 3947).
/// CERT and CR share `ISAKMPCertificate`; both SA layouts use number 1.
extension ISAKMPSecurityAssociation { public static let payloadType = ISAKMPPayloadType.securityAssociation }
extension GDOISecurityAssociation { public static let payloadType = ISAKMPPayloadType.securityAssociation }
extension ISAKMPIdentification { public static let payloadType = ISAKMPPayloadType.identification }
extension ISAKMPNotification { public static let payloadType = ISAKMPPayloadType.notification }
extension ISAKMPDelete { public static let payloadType = ISAKMPPayloadType.delete }
extension SAKEKPayload { public static let payloadType = ISAKMPPayloadType.saKEK }
extension SATEKPayload { public static let payloadType = ISAKMPPayloadType.saTEK }
extension GroupAssociatedPolicy { public static let payloadType = ISAKMPPayloadType.groupAssociatedPolicy }
extension GDOIKeyDownload { public static let payloadType = ISAKMPPayloadType.keyDownload }
extension GDOISequenceNumber { public static let payloadType = ISAKMPPayloadType.sequenceNumber }
extension NATOriginalAddress { public static let payloadType = ISAKMPPayloadType.natOriginalAddress }
