/// Each payload type's number beside the type (RFC 7296 §3.2; RFC 7383 §2.5; RFC 9838 §4.2–4.5).
/// IDi, IDr and IDg share `IdentificationPayload`; CERT and CERTREQ share `CertificatePayload`;
/// SA and SAg share `SecurityAssociationPayload` and its number.
extension SecurityAssociationPayload { public static let payloadType = IKEv2PayloadType.securityAssociation }
extension KeyExchangePayload { public static let payloadType = IKEv2PayloadType.keyExchange }
extension AuthenticationPayload { public static let payloadType = IKEv2PayloadType.authentication }
extension NoncePayload { public static let payloadType = IKEv2PayloadType.nonce }
extension NotifyPayload { public static let payloadType = IKEv2PayloadType.notify }
extension DeletePayload { public static let payloadType = IKEv2PayloadType.delete }
extension VendorIDPayload { public static let payloadType = IKEv2PayloadType.vendorID }
extension EncryptedPayload { public static let payloadType = IKEv2PayloadType.encrypted }
extension EncryptedFragmentPayload { public static let payloadType = IKEv2PayloadType.encryptedFragment }
extension GroupSecurityAssociationPayload { public static let payloadType = IKEv2PayloadType.groupSecurityAssociation }
extension KeyDownloadPayload { public static let payloadType = IKEv2PayloadType.keyDownload }
