import Foundation
import MCATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README's example inputs.
let fixtureArguments = [
    "--customers", "Fixtures/customers.csv", "--agreements", "Fixtures/agreements.csv",
    "--orders", "Fixtures/orders.csv", "--as-of", "2018-11-30", "--run-date", "2018-12-03",
]

func audit(_ extra: [String], out: URL) throws -> BinaryRun {
    try MCAAuditBinary.run(["audit"] + fixtureArguments + ["--out", out.path] + extra)
}

func files(in dir: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
}

/// Runs the built binary as a user would and checks exit codes, stdout and stderr (README, "Usage").
@Suite(.serialized) struct EndToEndTests {
    @Test func fixturesAuditSucceedsAndPointsLatestAtTheReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit([], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("as of 2018-11-30 (MANDATORY): 14 customers (5 CONFIRMED, 3 UNCONFIRMED, 3 INVALID, 3 OUT_OF_SCOPE)"))
        #expect(run.stderr.contains("Fixtures/customers.csv:16: error: customer '0a1b2c3d-1111-4e5f-8a9b-00000000C001' appears again"))
        #expect(run.stderr.contains("Fixtures/orders.csv:24: error: "))
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: tmp.url.appendingPathComponent("latest").path)
        #expect(latest == "2018-11-30")
        let report = tmp.url.appendingPathComponent("2018-11-30")
        #expect(try files(in: report) == [
            "blocked-new-orders.csv", "blocked-seat-changes.csv", "changes.csv", "customers.csv", "data-quality.csv",
            "invalid-confirmations.csv", "manifest.json", "order-violations.csv", "report.html", "report.json",
            "resellers.csv", "summary.md",
        ])
        let attrs = try FileManager.default.attributesOfItem(atPath: report.appendingPathComponent("report.json").path)
        #expect((attrs[.posixPermissions] as? Int) == 0o640)
        let dirAttrs = try FileManager.default.attributesOfItem(atPath: report.path)
        #expect((dirAttrs[.posixPermissions] as? Int) == 0o750)
    }

    @Test(arguments: [("violations", Int32(1)), ("blocked", 1), ("at-risk", 0), ("invalid", 1), ("rejected", 1)])
    func failOn(condition: String, status: Int32) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--fail-on", condition, "--quiet"], out: tmp.url)
        #expect(run.status == status, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("2018-11-30/report.json").path))
    }

    @Test func atRiskBeforeTheCutover() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv",
                                          "--as-of", "2018-10-01", "--run-date", "2018-12-03", "--out", tmp.url.path,
                                          "--fail-on", "at-risk,blocked", "--quiet"])
        #expect(run.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.url.appendingPathComponent("2018-10-01/report.json"))) as? [String: Any]
        #expect(json?["phase"] as? String == "OPTIONAL")
    }

    @Test func strictWithRejectedRowsWritesNoReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--strict"], out: tmp.url)
        #expect(run.status == 65)
        #expect(run.stderr.contains("--strict: 7 rows were rejected; no report written"))
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("2018-11-30").path))
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("latest").path))
    }

    @Test func missingFileIs66() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/nope.csv", "--orders", "Fixtures/orders.csv",
                                          "--out", tmp.url.path])
        #expect(run.status == 66)
        #expect(run.stderr.contains("Fixtures/nope.csv: customers file not found"))
    }

    @Test func missingRequiredColumnIs65() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/customers.csv",
                                          "--orders", "Fixtures/broken/orders-missing-column.csv", "--out", tmp.url.path])
        #expect(run.status == 65)
        #expect(run.stderr.contains("Fixtures/broken/orders-missing-column.csv:1: fatal: required column missing from the header: creationDate"))
    }

    @Test func unterminatedQuoteIs65WithTheLine() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/broken/customers-unterminated-quote.csv",
                                          "--orders", "Fixtures/orders.csv", "--out", tmp.url.path])
        #expect(run.status == 65)
        #expect(run.stderr.contains("Fixtures/broken/customers-unterminated-quote.csv:3: fatal: a quoted field opened on line 3 is never closed"))
    }

    @Test(arguments: [
        ["--customers", "Fixtures/customers.csv"],
        ["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv", "--as-of", "30/11/2018"],
        ["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv", "--fail-on", "sometimes"],
        ["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv", "--time-zone", "Mars/Olympus"],
        ["--customers", "Fixtures/customers.csv", "--orders", "Fixtures/orders.csv", "--date-format", "M/d"],
    ])
    func usageErrorsAre64(arguments: [String]) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit"] + arguments + ["--out", tmp.url.path])
        #expect(run.status == 64, "\(run.stderr)")
    }

    @Test func aHeldLockIs75() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let fd = open(tmp.url.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o640)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let run = try audit([], out: tmp.url)
        #expect(run.status == 75)
        #expect(run.stderr.contains("is locked by another mca-audit run"))
        flock(fd, LOCK_UN)
        #expect(try audit(["--quiet"], out: tmp.url).status == 0)
    }

    @Test func aFailedRunLeavesThePreviousReportUntouched() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        #expect(try audit(["--quiet"], out: tmp.url).status == 0)
        let report = tmp.url.appendingPathComponent("2018-11-30/report.json")
        let before = try Data(contentsOf: report)
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/broken/customers-unterminated-quote.csv",
                                          "--orders", "Fixtures/orders.csv", "--as-of", "2018-11-30",
                                          "--out", tmp.url.path])
        #expect(run.status == 65)
        #expect(try Data(contentsOf: report) == before)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tmp.url.appendingPathComponent("latest").path) == "2018-11-30")
        #expect(try files(in: tmp.url).filter { $0.hasPrefix(".tmp") }.isEmpty)
    }

    @Test func aKilledRunLeavesThePreviousReportUntouchedAndTheNextRunCleansUp() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        #expect(try audit(["--quiet"], out: tmp.url).status == 0)
        let reportDir = tmp.url.appendingPathComponent("2018-11-30")
        let before = try files(in: reportDir).map { try Data(contentsOf: reportDir.appendingPathComponent($0)) }

        // A big orders file so that the run is still going when it is killed.
        let big = tmp.url.appendingPathComponent("big-orders.csv")
        var text = "OrderId,CustomerId,CreationDate,Quantity,BillingType,SubscriptionId,TransactionType\n"
        for i in 0..<300_000 {
            text += "o-\(i),0A1B2C3D-1111-4E5F-8A9B-00000000C00\(i % 9 + 1),2018-11-1\(i % 10),\(i % 50),license,sub-\(i % 5000),new\n"
        }
        try text.write(to: big, atomically: false, encoding: .utf8)
        for delay in [0.05, 0.2, 0.5] {
            let p = try MCAAuditBinary.start(["audit", "--customers", "Fixtures/customers.csv", "--orders", big.path,
                                              "--as-of", "2018-11-30", "--out", tmp.url.path, "--quiet"])
            Thread.sleep(forTimeInterval: delay)
            kill(p.process.processIdentifier, SIGKILL)
            p.process.waitUntilExit()
            let after = try files(in: reportDir).map { try Data(contentsOf: reportDir.appendingPathComponent($0)) }
            if p.process.terminationReason == .uncaughtSignal {
                #expect(after == before, "killed after \(delay)s: the report changed")
            }
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tmp.url.appendingPathComponent("latest").path) == "2018-11-30")
        }
        let next = try audit(["--quiet"], out: tmp.url)
        #expect(next.status == 0)
        #expect(try files(in: tmp.url).filter { $0.hasPrefix(".tmp") || $0.hasPrefix(".old") }.isEmpty)
        let final = try files(in: reportDir).map { try Data(contentsOf: reportDir.appendingPathComponent($0)) }
        #expect(final == before)
    }

    @Test func reRunsAreByteIdentical() throws {
        let a = try TemporaryFolder(), b = try TemporaryFolder()
        defer { a.remove(); b.remove() }
        #expect(try audit(["--quiet"], out: a.url).status == 0)
        #expect(try audit(["--quiet"], out: b.url).status == 0)
        let da = a.url.appendingPathComponent("2018-11-30"), db = b.url.appendingPathComponent("2018-11-30")
        for name in try files(in: da) {
            #expect(try Data(contentsOf: da.appendingPathComponent(name)) == Data(contentsOf: db.appendingPathComponent(name)), "\(name)")
        }
    }
}
