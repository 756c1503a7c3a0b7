import Foundation
import MCATestSupport
import Testing

/// A history file written by mca-audit 0.1.0, which kept every customer of every run
/// (Fixtures/history-v1, made by Scripts/make-history-v1-fixture.sh), opened by this build.
@Suite struct HistoryMigrationTests {
    static let fixture = RepoPaths.fixture("history-v1")

    func copyOfTheFixture(_ tmp: TemporaryFolder) throws -> URL {
        let copy = tmp.url.appendingPathComponent("history.sqlite")
        try FileManager.default.copyItem(at: HistoryMigrationTests.fixture.appendingPathComponent("history.sqlite"), to: copy)
        return copy
    }

    func text(_ name: String) throws -> String {
        try String(contentsOf: HistoryMigrationTests.fixture.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func everyRunCountAndTimelineIsWhatTheOldReleaseListed() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let history = try copyOfTheFixture(tmp)
        // A reports folder that does not exist: nothing to settle, the file is only migrated and read.
        let base = ["history", "--out", tmp.url.appendingPathComponent("none").path, "--history", history.path]
        let json = try MCAAuditBinary.run(base + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == (try text("runs.json")))
        #expect(try MCAAuditBinary.run(base).stdout == (try text("runs.txt")))

        let names = try FileManager.default.contentsOfDirectory(atPath: HistoryMigrationTests.fixture.appendingPathComponent("customers").path)
        let keys = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        #expect(keys.count == 15)
        for key in keys {
            let asJSON = try MCAAuditBinary.run(base + ["--customer", key, "--format", "json"])
            #expect(asJSON.status == 0, "\(key): \(asJSON.stderr)")
            #expect(asJSON.stdout == (try text("customers/\(key).json")), "\(key)")
            #expect(try MCAAuditBinary.run(base + ["--customer", key]).stdout == (try text("customers/\(key).txt")), "\(key)")
        }

        // Migrated once: the old table is gone, and what it held is in the new ones.
        let schema = try runPython3("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print([m for (m,) in c.execute('SELECT identifier FROM grdb_migrations ORDER BY identifier')])
            print(sorted(n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")))
            print(c.execute('SELECT count(*) FROM customer_state').fetchone()[0], c.execute('PRAGMA integrity_check').fetchone()[0])
            """, history.path)
        #expect(schema == """
            ['v1: runs and customer outcomes', 'v2: what each run changed']
            ['customer_change', 'customer_state', 'grdb_migrations', 'run']
            15 ok

            """)
    }

    /// The next night, recorded into the migrated history, is compared with the newest migrated run
    /// and given the trend of the migrated runs, exactly as 0.1.0 did.
    @Test func aNextRunReportsTheChangesAndTrendTheOldReleaseReported() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let history = try copyOfTheFixture(tmp)
        let out = tmp.url.appendingPathComponent("next")
        let run = try MCAAuditBinary.run([
            // The exports as they were when the fixture was made (Fixtures/*.csv may change since).
            "audit", "--customers", HistoryMigrationTests.fixture.appendingPathComponent("customers.csv").path,
            "--agreements", HistoryMigrationTests.fixture.appendingPathComponent("agreements-other.csv").path,
            "--orders", HistoryMigrationTests.fixture.appendingPathComponent("orders.csv").path,
            "--as-of", "2018-12-01", "--run-date", "2018-12-01",
            "--out", out.path, "--history", history.path, "--quiet",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try jsonObject(out.appendingPathComponent("2018-12-01/report.json"))
        let expected = try jsonObject(HistoryMigrationTests.fixture.appendingPathComponent("next-run.json"))
        #expect((report["changes"] as? NSDictionary) == (expected["changes"] as? NSDictionary))
        #expect((report["trend"] as? NSArray) == (expected["trend"] as? NSArray))
        #expect(((report["changes"] as? [String: Any])?["newlyConfirmed"] as? [Any])?.isEmpty == false)
        #expect((report["trend"] as? [Any])?.count == 5)
    }
}

/// Runs a Python 3 script with arguments and returns what it printed.
func runPython3(_ script: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readAllRetryingInterrupts()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
}
