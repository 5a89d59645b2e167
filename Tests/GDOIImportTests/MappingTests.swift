import GroupPolicy
import Testing
@testable import GDOIImport

/// The mapping rules, checked against values worked out by hand from the sample exports and from
/// the ACL, RFC 6407 and RFC 9838 semantics (not against recorded output).
@Suite struct MappingTests {
    static func prefix(_ text: String) throws -> IPPrefix { try #require(IPPrefix(text)) }

    static func policy(_ result: ImportResult, _ group: String) throws -> GroupDefinition {
        try #require(result.policies.flatMap(\.document.groups).first { $0.name == group })
    }

    static func items(_ result: ImportResult, _ code: ImportCode) -> [ReportItem] {
        result.report.groups.flatMap(\.items).filter { $0.code == code } + result.report.files.flatMap(\.items).filter { $0.code == code }
    }

    @Test func wildcardMasksBecomePrefixesOnlyWhenContiguous() {
        #expect(CiscoACLReader.prefixLength(wildcard: "0.0.0.0") == 32)
        #expect(CiscoACLReader.prefixLength(wildcard: "0.0.0.255") == 24)
        #expect(CiscoACLReader.prefixLength(wildcard: "0.15.255.255") == 12)
        #expect(CiscoACLReader.prefixLength(wildcard: "255.255.255.255") == 0)
        #expect(CiscoACLReader.prefixLength(wildcard: "0.255.0.255") == nil)
        #expect(CiscoACLReader.prefixLength(wildcard: "0.0.0.254") == nil)
    }

    /// ACL DATA-ACL of cisco/03: eq with named ports, gt, lt, neq, range, names and numbers.
    @Test func aclPortOperatorsBecomeRanges() throws {
        let result = try SampleFiles.importSample("cisco/03-acl-operators-two-teks.xml")
        let group = try Self.policy(result, "DC-APPS")
        let a = try Self.prefix("10.1.0.0/16"), b = try Self.prefix("10.2.0.0/16")
        let any = try Self.prefix("0.0.0.0/0")
        let h1 = try Self.prefix("10.1.1.1/32"), h2 = try Self.prefix("10.2.2.2/32")
        let expected: [TrafficSelector] = [
            TrafficSelector(ipProtocol: 6, source: a, destination: b, destinationPorts: PortRange(lower: 53, upper: 53)),  // domain
            TrafficSelector(ipProtocol: 6, source: a, destination: b, destinationPorts: PortRange(lower: 80, upper: 80)),  // www
            TrafficSelector(ipProtocol: 6, source: a, destination: b, destinationPorts: PortRange(lower: 443, upper: 443)),
            TrafficSelector(ipProtocol: 17, source: a, destination: b, sourcePorts: PortRange(lower: 1024, upper: 65535),
                            destinationPorts: PortRange(lower: 0, upper: 1023)),                                        // gt 1023, lt 1024
            TrafficSelector(ipProtocol: 6, source: h1, destination: h2, destinationPorts: PortRange(lower: 0, upper: 22)),   // neq 23
            TrafficSelector(ipProtocol: 6, source: h1, destination: h2, destinationPorts: PortRange(lower: 24, upper: 65535)),
            TrafficSelector(ipProtocol: 17, source: any, destination: b, sourcePorts: PortRange(lower: 5000, upper: 5100)),
            TrafficSelector(ipProtocol: 1, source: a, destination: b),
            TrafficSelector(ipProtocol: 47, source: try Self.prefix("10.1.0.1/32"), destination: try Self.prefix("10.2.0.1/32")),
        ]
        #expect(group.dataSecurity.first?.selectors == expected)
        // The deny line (sequence 10, line 60) is reported as bypass, never turned into a selector.
        let deny = Self.items(result, .denyLineAsBypass)
        #expect(deny.map(\.location.line) == [60])
        #expect(deny.first?.outcome == .decision)
        // Non-contiguous wildcard (line 67) and object group (line 68) need a decision.
        #expect(Self.items(result, .selectorNotExpressible).map(\.location.line) == [67, 68])
    }

    @Test func rekeyACLIsTheDestinationNotASelector() throws {
        let result = try SampleFiles.importSample("cisco/01-multicast-aes-1715.xml")
        let group = try Self.policy(result, "GETVPN-BRANCH")
        let rekey = try #require(group.rekey)
        #expect(rekey.transport == .multicast)
        #expect(rekey.destination == IPAddress("239.192.1.1"))
        let multicast = try Self.prefix("239.192.1.1/32")
        #expect(!group.dataSecurity.flatMap(\.selectors).contains { $0.destination == multicast || $0.source == multicast })
        #expect(group.identity.gdoiID == 1001)
        #expect(group.identity.effectiveIDg == .keyID([0, 0, 0x03, 0xE9]))
        #expect(group.keyServers.map(\.address.description) == ["192.0.2.10", "192.0.2.11", "192.0.2.12"])
        #expect(result.report.exitStatus == 0)
    }

    /// The same group written with the ≤17.14 and the 17.15+ spellings maps to the same policy.
    @Test func bothCiscoSpellingsGiveOnePolicy() throws {
        let old = CiscoTemplate.export(algorithm: "<aes-256/>", peers: "<peer><address><ipv4>192.0.2.2</ipv4></address></peer>",
                                       lifetime: "<seconds>3600</seconds>")
        let new = CiscoTemplate.export(algorithm: "<aes>256</aes>", peers: "<peer><address><ipv4-addr>192.0.2.2</ipv4-addr></address></peer>",
                                       lifetime: "<seconds-case>3600</seconds-case>")
        let a = GDOIImporter.run([ExportInput(name: "x.xml", bytes: Array(old.utf8))])
        let b = GDOIImporter.run([ExportInput(name: "x.xml", bytes: Array(new.utf8))])
        #expect(a.policies.count == 1)
        #expect(a.policies.map(\.text) == b.policies.map(\.text))
        let group = try Self.policy(a, "G")
        #expect(group.rekey?.keyLength == 256)
        #expect(group.keyServers.count == 2)
        #expect(group.dataSecurity.first?.lifetimeSeconds == 3600)
    }

    @Test func tripleDESKEKIsUpgradedAndDESIsRefused() throws {
        let upgraded = try SampleFiles.importSample("cisco/02-unicast-gcm-1714-restconf.xml")
        let rekey = try #require(try Self.policy(upgraded, "GCM-EAST").rekey)
        #expect(rekey.encryption == .aesCBC && rekey.keyLength == 256)
        #expect(rekey.lifetimeSeconds == 2 * 86_400)
        #expect(Self.items(upgraded, .cipherUpgraded).first?.location.line == 51)

        let refused = try SampleFiles.importSample("cisco/06-des-md5-and-long-lifetimes.xml")
        let group = try Self.policy(refused, "LEGACY")
        #expect(group.rekey == nil)
        #expect(group.dataSecurity.map(\.name) == ["LEGACY-3", "LEGACY-4"])
        let refusals = Self.items(refused, .algorithmRefused)
        #expect(refusals.allSatisfy { $0.outcome == .refused })
        #expect(Set(refusals.map(\.location.line)) == [11, 12, 17, 18, 34])
        // 30-day "long SA" lifetime clamped, 60 s raised, integrity added where the transform had none.
        #expect(group.dataSecurity.map(\.lifetimeSeconds) == [86_400, 120])
        #expect(group.dataSecurity.last?.integrity == .hmacSHA2_256_128)
        #expect(refused.report.exitStatus == 1)
    }

    @Test func duplicateIdentityAcrossGDOIAndGKMIsRefused() throws {
        let result = try SampleFiles.importSample("cisco/04-gdoi-and-gkm-duplicate.xml")
        #expect(result.policies.map(\.fileName) == ["VOICE.xml", "VIDEO.xml"])
        let duplicate = try #require(Self.items(result, .duplicateGroup).first)
        #expect(duplicate.location.line == 36)
        #expect(duplicate.message.contains(":20"))
    }

    @Test func junosAntiReplayMillisecondsBecomeSeconds() throws {
        let one = try Self.policy(try SampleFiles.importSample("junos/01-unicast-server.xml"), "GVPN-1")
        #expect(one.dataSecurity.first?.antiReplay == .time(windowSeconds: 1))
        let rounded = try SampleFiles.importSample("junos/02-whole-configuration-cluster.xml")
        #expect(try Self.policy(rounded, "RETAIL").dataSecurity.first?.antiReplay == .time(windowSeconds: 3))
        #expect(Self.items(rounded, .unitConverted).first?.outcome == .decision)
        let sixty = try SampleFiles.importSample("junos/08-lifetimes-and-unknown.xml")
        let bounds = try Self.policy(sixty, "BOUNDS")
        #expect(bounds.dataSecurity.first?.antiReplay == .time(windowSeconds: 60))
        // KEK 300 s < TEK 3600 s: the TEK is shortened; 60 retransmissions clamp to 10.
        #expect(bounds.dataSecurity.first?.lifetimeSeconds == 300)
        #expect(bounds.rekey?.retransmissions.count == 10)
        #expect(Self.items(sixty, .unknownElement).first?.location.line == 25)
    }

    @Test func junosGatewaysAuthoriseMembersAndClusterServersServe() throws {
        let result = try SampleFiles.importSample("junos/02-whole-configuration-cluster.xml")
        let group = try Self.policy(result, "RETAIL")
        #expect(group.keyServers.map(\.address.description) == ["203.0.113.1", "203.0.113.2"])
        #expect(group.authorization == [.member(MemberIdentity(kind: .ipv4, value: "203.0.113.21"))])
        #expect(group.lkh?.maximumMembers == 2000)
        #expect(group.timing.activationDelay == 15)
        #expect(group.registration.preSharedKey == .reference(SecretReference(store: .secretsFile, name: "junos-ike-policy-MEMBERS")))
        let ports = group.dataSecurity.first?.selectors.map(\.destinationPorts)
        #expect(ports == [PortRange(lower: 443, upper: 443), PortRange(lower: 514, upper: 514)])
    }

    @Test func identityAddressServesGIKEv2Only() throws {
        let result = try SampleFiles.importSample("cisco/08-identity-address-gikev2-only.xml")
        let group = try Self.policy(result, "SENSORS")
        #expect(group.protocols == ServedProtocols(gdoi: false, gikev2: true))
        #expect(group.identity.idg == .ipv4(try #require(IPAddress("192.0.2.80"))))
        #expect(group.dataSecurity.first?.mode == .transport)
        #expect(group.rekey?.port == 1848)
    }

    @Test func exitStatusesFollowTheOutcome() throws {
        #expect(try SampleFiles.importSample("gdoi-xml/01-basic-multicast.xml").report.exitStatus == 0)
        #expect(try SampleFiles.importSample("gdoi-xml/03-selectors-and-deny.xml").report.exitStatus == 1)
        #expect(try SampleFiles.importSample("cisco/07-missing-references.xml").report.exitStatus == 2)
    }

    @Test func sameExportTwiceRefusesTheSecondCopy() throws {
        let sample = try #require(SampleFiles.samples(.cisco).first)
        let input = try sample.input()
        let twice = GDOIImporter.run([input, ExportInput(name: "copy.xml", bytes: input.bytes)])
        #expect(twice.policies.count == 1)
        #expect(twice.report.groups.last?.items.contains { $0.code == .duplicateGroup } == true)
    }

    /// Every report item of every sample points at a real line of its file.
    @Test func everyItemHasASourceLine() throws {
        for sample in SampleFiles.allSamples {
            let result = GDOIImporter.run([try sample.input()])
            let lineCount = try SampleFiles.text(sample.url).split(separator: "\n", omittingEmptySubsequences: false).count
            for item in result.report.groups.flatMap(\.items) + result.report.files.flatMap(\.items) {
                #expect(item.location.file == sample.name)
                #expect((1...lineCount).contains(item.location.line), "\(sample.name): \(item.message)")
            }
        }
    }
}

/// A minimal Cisco key-server export with the version-dependent parts left open.
enum CiscoTemplate {
    static func export(algorithm: String, peers: String, lifetime: String, extra: String = "") -> String {
        """
        <native xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-native"><crypto>
        <isakmp xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto"><policy><number>1</number><authentication>pre-share</authentication><encryption><aes-choice><key-type>256</key-type></aes-choice></encryption><group>14</group><hash>sha256</hash></policy></isakmp>
        <ipsec xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto"><transform-set><tag>T</tag><esp>esp-aes</esp><key-bit>256</key-bit><esp-hmac>esp-sha256-hmac</esp-hmac></transform-set>
        <profile><name>P</name><set><transform-set>T</transform-set><security-association><lifetime>\(lifetime)</lifetime></security-association></set></profile></ipsec>
        <gdoi xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-crypto"><group><name>G</name><identity><number>77</number></identity>
        <server><local><address><ipv4>192.0.2.1</ipv4></address><gdoi/>\(extra)
        <rekey><transport><unicast/></transport><algorithm>\(algorithm)</algorithm><sig-hash><algorithm>sha256</algorithm></sig-hash><authentication><mypubkey><rsa>K</rsa></mypubkey></authentication></rekey>
        <redundancy>\(peers)</redundancy>
        <sa><ipsec><sequence>1</sequence><profile>P</profile><match><address><ipv4>A</ipv4></address></match></ipsec></sa>
        </local></server></group></gdoi></crypto>
        <ip><access-list xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-acl"><extended><name>A</name><access-list-seq-rule><sequence>10</sequence>
        <ace-rule><action>permit</action><protocol>ip</protocol><any/><dst-any/></ace-rule></access-list-seq-rule></extended></access-list></ip></native>
        """
    }
}

extension MappingTests {
    /// A group with a long match ACL keeps every line, in order, once (duplicates dropped), and
    /// two groups claiming the same traffic leave only the first (the validator's GP105 rule).
    @Test func longACLAndOverlappingGroups() throws {
        var lines = ""
        for index in 0..<3_000 {
            let host = "10.\(index >> 8).\(index & 0xFF).1"
            lines += "<access-list-seq-rule><sequence>\(index * 10 + 10)</sequence><ace-rule><action>permit</action><protocol>ip</protocol>"
                + "<host-address>\(host)</host-address><dst-host-address>\(host)</dst-host-address></ace-rule></access-list-seq-rule>"
        }
        lines += "<access-list-seq-rule><sequence>99999</sequence><ace-rule><action>permit</action><protocol>ip</protocol>"
            + "<host-address>10.0.0.1</host-address><dst-host-address>10.0.0.1</dst-host-address></ace-rule></access-list-seq-rule>"
        let text = CiscoTemplate.export(algorithm: "<aes>256</aes>", peers: "", lifetime: "<seconds>3600</seconds>")
            .replacingOccurrences(of: "<ace-rule><action>permit</action><protocol>ip</protocol><any/><dst-any/></ace-rule></access-list-seq-rule>",
                                  with: "<ace-rule><action>deny</action><protocol>udp</protocol><any/><dst-any/></ace-rule></access-list-seq-rule>" + lines)
        let result = GDOIImporter.run([ExportInput(name: "long.xml", bytes: Array(text.utf8))])
        let selectors = try #require(result.policies.first?.document.groups.first?.dataSecurity.first?.selectors)
        #expect(selectors.count == 3_000)
        #expect(selectors.first?.source == IPPrefix("10.0.0.1/32"))
        #expect(selectors.last?.source == IPPrefix("10.11.183.1/32"))

        let twice = text.replacingOccurrences(of: "<gdoi xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XE-crypto\"><group>",
                                              with: "<gdoi xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XE-crypto\"><group><name>H</name><identity><number>78</number></identity><server><local><address><ipv4>192.0.2.1</ipv4></address><gdoi/><sa><ipsec><sequence>1</sequence><profile>P</profile><match><address><ipv4>A</ipv4></address></match></ipsec></sa></local></server></group><group>")
        let overlapping = GDOIImporter.run([ExportInput(name: "overlap.xml", bytes: Array(twice.utf8))])
        #expect(overlapping.policies.map(\.fileName) == ["H.xml"])
        let refused = try #require(overlapping.report.groups.first { $0.name == "G" })
        #expect(refused.items.contains { $0.code == .groupRefused && $0.message.contains("overlap group H") })
    }
}
