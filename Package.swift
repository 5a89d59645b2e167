// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "GroupKeyGateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "groupkey", targets: ["groupkey"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        // C system layer: each imported by exactly one Swift module.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // Pure foundation.
        .target(name: "GroupKeyTypes", swiftSettings: strict),
        .target(name: "GroupKeyCrypto", dependencies: ["COpenSSL", "GroupKeyTypes"], swiftSettings: strict),
        .target(name: "XMLSupport", dependencies: ["CLibXML2"], swiftSettings: strict),
        .target(name: "GroupPolicy", dependencies: ["XMLSupport", "GroupKeyTypes"], swiftSettings: strict),

        .target(name: "LKH", dependencies: ["GroupKeyCrypto"], swiftSettings: strict),

        // Vendor GDOI exports -> native policies + migration report. Pure: bytes in, values out.
        .target(name: "GDOIImport", dependencies: ["XMLSupport", "GroupPolicy", "GroupKeyTypes"], swiftSettings: strict),
        // Protocol engines: pure state machines (datagram in, actions out). EngineCore has what
        // every engine shares; GroupState is the one key state GDOI and G-IKEv2 both serve from.
        .target(name: "EngineCore", dependencies: ["GroupKeyCrypto"], swiftSettings: strict),
        .target(name: "GroupState", dependencies: ["GroupPolicy", "GroupKeyCrypto", "GroupKeyTypes", "LKH"],
                swiftSettings: strict),
        // GDOI (RFC 6407): IKEv1 phase 1 and GROUPKEY-PULL/PUSH, key server and member roles.
        .target(name: "GDOI", dependencies: ["EngineCore", "GroupState", "GDOIWire", "WireCore", "GroupKeyCrypto",
                                             "GroupKeyTypes", "GroupPolicy", "LKH",
                                             .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),
        .target(name: "GIKEv2", dependencies: ["EngineCore", "GroupState", "GIKEv2Wire", "WireCore", "GroupKeyCrypto",
                                               "GroupKeyTypes", "GroupPolicy", "LKH",
                                               .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),

        // Durable group state (SQLite): the key server's secret store, below the Gateway.
        .target(name: "KeyStore", dependencies: ["CSQLite", "GroupState", "GroupPolicy", "GroupKeyCrypto", "LKH"],
                swiftSettings: strict),
        // Writes to a store until it is killed: the crash tests' child process.
        .executableTarget(name: "KeyStoreCrashHelper", dependencies: ["KeyStore", "GroupState", "GroupPolicy", "GroupKeyCrypto"],
                          swiftSettings: strict),

        // Wire codecs: pure, no I/O. Only NIOCore (ByteBuffer), never NIOPosix.
        .target(name: "WireCore", dependencies: [.product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),
        .target(name: "GIKEv2Wire", dependencies: ["WireCore", "GroupKeyTypes", "GroupKeyCrypto",
                                                    .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),
        .target(name: "GDOIWire", dependencies: ["WireCore", "GroupKeyTypes", "GroupKeyCrypto",
                                                  .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),

        // libFuzzer targets (scripts/fuzz.sh builds them with -DFUZZING -sanitize=fuzzer; a plain
        // build makes corpus-replay tools).
        .executableTarget(name: "FuzzGIKEv2Wire", dependencies: ["GIKEv2Wire", "WireCore",
                                                                .product(name: "NIOCore", package: "swift-nio")],
                          swiftSettings: strict),
        .executableTarget(name: "FuzzGDOIWire", dependencies: ["GDOIWire", "WireCore",
                                                              .product(name: "NIOCore", package: "swift-nio")],
                          swiftSettings: strict),


        // Transport: UDP listeners, datagram classification, the engines on one event loop.
        .target(name: "Gateway", dependencies: ["EngineCore", "GIKEv2", "GIKEv2Wire", "GDOI", "GDOIWire", "WireCore", "GroupState", "GroupPolicy", "LKH", "KeyStore",
                                                "GroupKeyCrypto",
                                                .product(name: "NIOCore", package: "swift-nio"),
                                                .product(name: "NIOPosix", package: "swift-nio"),
                                                .product(name: "Logging", package: "swift-log"),
                                                .product(name: "Metrics", package: "swift-metrics")],
                swiftSettings: strict),

        // Test support: hex, vector files, deterministic randomness.
        .target(name: "GroupKeyTestSupport", dependencies: ["GroupKeyCrypto", "EngineCore", "LKH"], swiftSettings: strict),

        // Command line.
        .executableTarget(
            name: "groupkey",
            dependencies: [
                "GroupKeyCrypto", "GroupKeyTypes", "GroupPolicy", "GDOIImport", "WireCore", "GIKEv2Wire", "GDOIWire",
                "Gateway", "GIKEv2", "GDOI", "EngineCore", "GroupState",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "GroupKeyCryptoTests",
            dependencies: ["GroupKeyCrypto", "GroupKeyTypes", "GroupKeyTestSupport"],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(name: "LKHTests", dependencies: ["LKH", "GroupKeyCrypto", "GroupKeyTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ArchitectureTests", swiftSettings: strict),
        .testTarget(name: "EngineCoreTests", dependencies: ["EngineCore"], swiftSettings: strict),
        .testTarget(name: "GroupStateTests", dependencies: ["GroupState", "GroupPolicy", "GroupKeyCrypto", "LKH",
                                                            "GroupKeyTestSupport"],
                    swiftSettings: strict),
        .testTarget(
            name: "GIKEv2Tests",
            dependencies: ["GIKEv2", "GIKEv2Wire", "EngineCore", "GroupState", "GroupPolicy", "GroupKeyCrypto",
                           "GroupKeyTypes", "WireCore", "LKH", "GroupKeyTestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GDOITests",
            dependencies: ["GDOI", "GDOIWire", "GroupState", "GroupPolicy", "GroupKeyCrypto", "GroupKeyTypes",
                           "WireCore", "EngineCore", "LKH", "GroupKeyTestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GroupPolicyTests",
            dependencies: ["GroupPolicy", "XMLSupport", "GroupKeyTypes"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GDOIImportTests",
            dependencies: ["GDOIImport", "GroupPolicy", "XMLSupport"],
            // Read from the source tree, like the samples in Migration/samples.
            exclude: ["Vectors"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "GIKEv2", "GIKEv2Wire", "GDOI", "GDOIWire", "EngineCore", "GroupState", "GroupKeyCrypto", "WireCore",
                           "GroupPolicy", "LKH", "KeyStore", "GroupKeyTestSupport",
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "MetricsTestKit", package: "swift-metrics"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GroupKeyCLITests",
            dependencies: ["groupkey", "GroupKeyTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "XMLSupportTests",
            dependencies: ["XMLSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WireCoreTests",
            dependencies: ["WireCore", "GroupKeyTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GIKEv2WireTests",
            dependencies: ["GIKEv2Wire", "WireCore", "GroupKeyCrypto", "GroupKeyTestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KeyStoreTests",
            dependencies: ["KeyStore", "KeyStoreCrashHelper", "groupkey", "GroupState", "GroupPolicy", "GroupKeyCrypto", "LKH", "Gateway",
                           "GIKEv2", "EngineCore", "GroupKeyTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GDOIWireTests",
            dependencies: ["GDOIWire", "WireCore", "GroupKeyCrypto", "GroupKeyTestSupport",
                           .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Vectors")],
            swiftSettings: strict
        ),
    ]
)
