// swift-tools-version:6.0
import PackageDescription

// Pipeline: MCAIngest (bytes -> typed rows) -> MCAEvaluate (rows -> outcomes) -> MCAReport
// (outcomes -> files), with MCAHistory beside it; MCAAudit wires the stages for one run and
// `mca-audit` only parses the command line. docs/architecture.md draws it.
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
        // Bytes kept compactly: growable buffers, hash tables of byte keys, the orders of texts
        // held as bytes, and the spool that moves what grows with the input to disk.
        .target(name: "MCAStorage"),
        // The shared vocabulary: rows, values, the policy, findings, and what an audit found
        // (outcomes, violations, summary, AuditResult), which every stage reads.
        .target(name: "MCAModel", dependencies: ["MCAStorage"]),
        // Reading: CSV, XML and JSON bytes, in every known layout, to typed rows and findings.
        .target(name: "MCAIngest", dependencies: ["MCAModel", "MCAStorage", "CLibXML2"]),
        // Judging: the rules (Rules/), and the engine that applies them to millions of rows.
        .target(name: "MCAEvaluate", dependencies: ["MCAModel", "MCAStorage"]),
        // Writing: one writer per report format from an AuditResult, published atomically.
        .target(
            name: "MCAReport",
            dependencies: ["MCAModel", "MCAStorage", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Remembering: the run history in SQLite, from which changes, trend and timelines come.
        .target(name: "MCAHistory", dependencies: ["MCAModel", .product(name: "GRDB", package: "GRDB.swift"),
                                                   .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // One run: inputs read into the evaluator, the history updated, the reports written.
        .target(
            name: "MCAAudit",
            dependencies: ["MCAModel", "MCAStorage", "MCAIngest", "MCAEvaluate", "MCAReport", "MCAHistory",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
        // Fetching: the exports from the Partner Center API, to disk, resumable (docs/fetch.md).
        .target(
            name: "MCAFetch",
            dependencies: ["MCAAudit", "MCAReport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOFoundationCompat", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Synthetic exports of any size, for demos and benchmarks.
        .target(name: "MCAGenerate", dependencies: ["MCAModel"]),
        // The command line: parses options and hands them to MCAAudit or MCAGenerate.
        .executableTarget(
            name: "mca-audit",
            dependencies: ["MCAAudit", "MCAGenerate", "MCAFetch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Reader-only throughput measurements (Scripts/bench-readers.sh).
        .executableTarget(name: "mca-bench", dependencies: ["MCAIngest", "MCAModel", "MCAStorage"]),
        // Conveniences for tests only: row builders, report readers, small fixtures.
        .target(name: "MCATestSupport", dependencies: ["MCAModel", "MCAStorage", "MCAEvaluate",
                                                       .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                path: "Tests/MCATestSupport"),
        .testTarget(name: "MCAStorageTests", dependencies: ["MCAStorage", "MCAModel", "MCATestSupport"]),
        .testTarget(name: "MCAIngestTests", dependencies: ["MCAIngest", "MCAStorage", "MCATestSupport"]),
        .testTarget(name: "MCAEvaluateTests", dependencies: ["MCAEvaluate", "MCAStorage", "MCAIngest", "MCATestSupport"]),
        .testTarget(name: "MCAReportTests", dependencies: ["MCAReport", "MCAEvaluate", "MCAStorage", "MCATestSupport"]),
        .testTarget(name: "MCAAuditTests", dependencies: ["MCAAudit", "MCAStorage", "MCATestSupport"]),
        .testTarget(name: "MCAFetchTests", dependencies: ["MCAFetch", "MCAAudit", "MCATestSupport"],
                    exclude: ["TestPartnerCenter.py"]),
        .testTarget(name: "MCAGenerateTests", dependencies: ["MCAGenerate", "MCAIngest", "MCATestSupport"]),
        .testTarget(name: "MCAHistoryTests", dependencies: ["MCAHistory", "MCAEvaluate", "MCAModel", "MCAStorage", "MCATestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
