// swift-tools-version:6.0
import PackageDescription

// Pipeline: MCAIngest (bytes -> typed rows) -> MCAEvaluate (rows -> outcomes) -> MCAReport (outcomes -> files).
// MCAAudit wires the stages for one run; `mca-audit` only parses the command line.
let package = Package(
    name: "mca-audit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mca-audit", targets: ["mca-audit"]),
        .library(name: "MCAAudit", targets: ["MCAAudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "MCAModel"),
        .target(name: "MCAIngest", dependencies: ["MCAModel", "CLibXML2"]),
        .target(name: "MCAEvaluate", dependencies: ["MCAModel"]),
        .target(
            name: "MCAReport",
            dependencies: ["MCAModel", "MCAEvaluate", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(
            name: "MCAAudit",
            dependencies: ["MCAModel", "MCAIngest", "MCAEvaluate", "MCAReport", .product(name: "Crypto", package: "swift-crypto"),
                           "MCAHistory", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "MCAGenerate", dependencies: ["MCAModel"]),
        .target(name: "MCAHistory", dependencies: ["MCAModel", "MCAEvaluate", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // `mca-audit fetch`: the exports from the Partner Center API (docs/fetch.md).
        .target(
            name: "MCAFetch",
            dependencies: ["MCAAudit", "MCAReport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOFoundationCompat", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "mca-audit",
            dependencies: ["MCAAudit", "MCAGenerate", "MCAFetch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(name: "mca-bench", dependencies: ["MCAIngest", "MCAModel"]),
        .target(name: "MCATestSupport", dependencies: ["MCAModel", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                path: "Tests/MCATestSupport"),
        .testTarget(name: "MCAIngestTests", dependencies: ["MCAIngest", "MCATestSupport"]),
        .testTarget(name: "MCAEvaluateTests", dependencies: ["MCAEvaluate", "MCAIngest", "MCATestSupport"]),
        .testTarget(name: "MCAReportTests", dependencies: ["MCAReport", "MCAEvaluate", "MCATestSupport"]),
        .testTarget(name: "MCAAuditTests", dependencies: ["MCAAudit", "MCATestSupport"]),
        .testTarget(name: "MCAGenerateTests", dependencies: ["MCAGenerate", "MCAIngest", "MCATestSupport"]),
        .testTarget(name: "MCAFetchTests", dependencies: ["MCAFetch", "MCAAudit", "MCATestSupport"],
                    exclude: ["TestPartnerCenter.py"]),
        .testTarget(name: "MCAHistoryTests", dependencies: ["MCAHistory", "MCAEvaluate", "MCAModel", "MCATestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
