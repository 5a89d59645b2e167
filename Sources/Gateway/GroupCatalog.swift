import Foundation
import GroupKeyCrypto
import GroupPolicy
import GroupState

/// Builds the `GroupDirectory` a server serves: from policy files and the secrets they name, or
/// the bundled demo group with the bundled demo secrets.
public enum GroupCatalog {
    /// The demo group 1001 (the policy embedded in `GroupPolicy`) with `DemoSecrets`.
    public static func demo(random: some RandomSource, nowMilliseconds: Int64 = 0) throws(GatewayError) -> GroupDirectory {
        let document: PolicyDocument
        do { document = try PolicyReader.decode(DemoPolicyText.xml, file: "demo-group-1001.xml") } catch {
            throw .policy("the bundled demo policy: \(error)")
        }
        let secrets: GroupSecrets
        do { secrets = try DemoSecrets.secrets() } catch { throw .secrets("the bundled demo signing key: \(error)") }
        var groups: [GroupState] = []
        for definition in document.groups where definition.protocols.gikev2 {
            do {
                groups.append(try GroupState(definition: definition, secrets: secrets, random: random,
                                             nowMilliseconds: nowMilliseconds))
            } catch { throw .policy("demo group \(definition.name): \(error)") }
        }
        return GroupDirectory(groups: groups, memberLists: document.memberLists)
    }

    /// Policy files (name and contents) as `groupkey validate` reads them: any error finding
    /// refuses the whole set, so a server never starts on half a configuration. Every group is
    /// served to the protocols its policy names (GDOI-only groups by the GDOI key server alone).
    public static func load(policies inputs: [PolicyValidator.Input], secrets: SecretsFile,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            random: some RandomSource, nowMilliseconds: Int64 = 0) throws(GatewayError) -> GroupDirectory {
        guard !inputs.isEmpty else { throw .policy("no policy file given") }
        let report = PolicyValidator.validate(inputs)
        if let first = report.findings.first(where: { $0.severity == .error }) {
            throw .policy("\(report.errorCount) error(s) in the policies, first: \(first.file):\(first.line): \(first.message)")
        }
        var groups: [GroupState] = []
        var memberLists: [MemberList] = []
        // Trust anchors are declared once and named by groups in any file; a declared file path
        // is relative to the policy file that declares it.
        var anchorFiles: [String: String] = [:]
        for file in report.files {
            let directory = URL(fileURLWithPath: file.file).deletingLastPathComponent().path
            for anchor in file.document.trustAnchors {
                anchorFiles[anchor.name] = anchor.file.hasPrefix("/") ? anchor.file : directory + "/" + anchor.file
            }
        }
        for file in report.files {
            memberLists += file.document.memberLists
            for definition in file.document.groups where definition.protocols.gikev2 || definition.protocols.gdoi {
                var groupSecrets = try resolveSecrets(of: definition, in: secrets, environment: environment)
                groupSecrets.memberTrustAnchors = try trustAnchors(of: definition, files: anchorFiles)
                do {
                    groups.append(try GroupState(definition: definition, secrets: groupSecrets, random: random,
                                                 nowMilliseconds: nowMilliseconds))
                } catch { throw .policy("group \(definition.name) in \(file.file): \(error)") }
            }
        }
        guard !groups.isEmpty else { throw .policy("no group in the policies serves GDOI or G-IKEv2") }
        return GroupDirectory(groups: groups, memberLists: memberLists)
    }

    /// The trust anchors that may certify the group's members, from the PEM files declared for them.
    static func trustAnchors(of definition: GroupDefinition, files: [String: String]) throws(GatewayError) -> TrustStore? {
        let names = definition.registration.certificateTrustAnchors
        guard !names.isEmpty else { return nil }
        var certificates: [Certificate] = []
        for name in names {
            guard let path = files[name] else { throw .policy("group \(definition.name) names trust anchor \(name), which no policy declares") }
            do {
                certificates += try Certificate.loadAll(pem: String(decoding: try CredentialFiles.read(path), as: UTF8.self))
            } catch let error as GatewayError {
                throw error
            } catch {
                throw .secrets("trust anchor \(name) (\(path)): \(error)")
            }
        }
        do { return try TrustStore(anchors: certificates) } catch {
            throw .secrets("trust anchors of group \(definition.name): \(error)")
        }
    }

    /// Looks up the PSK and rekey-signing key a group names.
    static func resolveSecrets(of definition: GroupDefinition, in secrets: SecretsFile,
                               environment: [String: String]) throws(GatewayError) -> GroupSecrets {
        var result = GroupSecrets()
        switch definition.registration.preSharedKey {
        case .reference(let reference)?:
            result.preSharedKey = try value(reference, for: definition.name, secrets: secrets, environment: environment)
        case .inlineValueDiscarded?:
            throw .policy("group \(definition.name) carries its PSK inline; move it to the secrets file")
        case nil:
            break
        }
        if case .digitalSignature(_, let reference)? = definition.rekey?.authentication {
            let pem = try value(reference, for: definition.name, secrets: secrets, environment: environment)
            do { result.rekeySigningKey = try SigningKey(pemOrDER: pem.unsafeCopyBytes()) } catch {
                throw .secrets("\(reference) of group \(definition.name) is not a private key: \(error)")
            }
        }
        return result
    }

    private static func value(_ reference: SecretReference, for group: String, secrets: SecretsFile,
                              environment: [String: String]) throws(GatewayError) -> SecretBytes {
        switch reference.store {
        case .secretsFile:
            guard let value = secrets.value(named: reference.name) else {
                throw .secrets("group \(group) names \(reference), which the secrets file does not give")
            }
            return value
        case .environment:
            guard let value = environment[reference.name], !value.isEmpty else {
                throw .secrets("group \(group) names \(reference), which is not set in the environment")
            }
            return SecretBytes(Array(value.utf8))
        }
    }
}
