import Foundation
import MCATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Small exports written into a temporary folder, night after night.
struct NightlyExports {
    let folder: URL

    func write(customers: [String], agreements: [String], orders: [String]) throws {
        try (["customerId,companyName,cloud"] + customers).joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("customers.csv"), atomically: true, encoding: .utf8)
        try (["customerId,firstName,lastName,email,dateAgreed"] + agreements).joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("agreements.csv"), atomically: true, encoding: .utf8)
        try (["orderId,customerId,creationDate,status,offerId,subscriptionId,quantity,billingType,transactionType"] + orders)
            .joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
    }

    /// Writes one night's exports (`HistoryRunTests.night1` …).
    func write(_ night: (customers: [String], agreements: [String], orders: [String])) throws {
        try write(customers: night.customers, agreements: night.agreements, orders: night.orders)
    }

    func arguments(asOf: String, out: URL) -> [String] {
        ["audit", "--customers", folder.appendingPathComponent("customers.csv").path,
         "--agreements", folder.appendingPathComponent("agreements.csv").path,
         "--orders", folder.appendingPathComponent("orders.csv").path,
         "--as-of", asOf, "--run-date", asOf, "--out", out.path, "--quiet"]
    }
}

func jsonObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

func snapshot(_ status: String, _ reasons: [String], _ newOrders: String, _ seatChanges: String, seats: Int = 0,
              violations: Int = 0) -> [String: Any] {
    ["status": status, "reasons": reasons, "newOrders": newOrders, "seatChanges": seatChanges, "seats": seats,
     "violations": violations]
}

func change(_ id: String, _ company: String, _ before: [String: Any]?, _ after: [String: Any]) -> [String: Any] {
    ["customerId": id, "companyName": company, "before": before ?? NSNull(), "after": after]
}

func changes(previous: String, runDate: String, newlyBlocked: [[String: Any]] = [], newlyConfirmed: [[String: Any]] = [],
             newlyInvalid: [[String: Any]] = [], resolved: [[String: Any]] = [], newViolations: [[String: Any]] = []) -> NSDictionary {
    ["previousAsOf": previous, "previousRunDate": runDate, "newlyBlocked": newlyBlocked, "newlyConfirmed": newlyConfirmed,
     "newlyInvalid": newlyInvalid, "resolved": resolved, "newViolations": newViolations] as NSDictionary
}

/// The trend as (asOf, customers, blockedNewOrders, violations) per run.
func trendCounts(_ report: [String: Any]) -> [String] {
    ((report["trend"] as? [[String: Any]]) ?? []).map { point in
        let s = point["summary"] as? [String: Any] ?? [:]
        return "\(point["asOf"] ?? "?") \(s["customers"] ?? "?") \(s["blockedNewOrders"] ?? "?") \(s["violations"] ?? "?")"
    }
}

/// Audits over changing exports, night after night, through the built binary (docs/operations.md, "Run history").
@Suite(.serialized) struct HistoryRunTests {
    static let night1 = (customers: ["A,Alpha Ltd,public", "B,Beta Ltd,public", "C,Gamma Ltd,public", "D,Delta Ltd,public"],
                         agreements: ["A,Ann,Smith,ann@alpha.example,2018-09-01", "D,Dan,Jones,,2018-09-01"],
                         orders: ["O1,B,2018-10-01,completed,OFF-1,S-B,5,license,new"])
    static let night2 = (customers: night1.customers + ["E,Epsilon Ltd,public"],
                         agreements: night1.agreements + ["B,Bob,Brown,bob@beta.example,2018-11-06"],
                         orders: night1.orders + ["O2,C,2018-11-07,completed,OFF-2,S-C,3,license,new"])
    static let night3 = (customers: night2.customers,
                         agreements: ["A,Ann,Smith,not-an-email,2018-09-01", "D,Dan,Jones,,2018-09-01",
                                      "B,Bob,Brown,bob@beta.example,2018-11-06", "C,Cy,Green,cy@gamma.example,2018-11-08"],
                         orders: night2.orders + ["O3,E,2018-11-08,completed,OFF-3,,1,usage,new"])

    /// Runs the three nights into `out` and returns each night's report.json.
    func threeNights(_ tmp: TemporaryFolder, out: URL) throws -> [[String: Any]] {
        let exports = NightlyExports(folder: tmp.url)
        var reports: [[String: Any]] = []
        for (night, asOf) in [(HistoryRunTests.night1, "2018-11-05"), (HistoryRunTests.night2, "2018-11-07"),
                              (HistoryRunTests.night3, "2018-11-08")] {
            try exports.write(night)
            let run = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out))
            try #require(run.status == 0, "\(run.stderr)")
            reports.append(try jsonObject(out.appendingPathComponent("\(asOf)/report.json")))
        }
        return reports
    }

    @Test func threeConsecutiveAuditsReportExactChangesAndTrend() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let reports = try threeNights(tmp, out: out)

        // Night 1: nothing to compare with; the trend is this run.
        let empty = ["previousAsOf": NSNull(), "previousRunDate": NSNull(), "newlyBlocked": [], "newlyConfirmed": [],
                     "newlyInvalid": [], "resolved": [], "newViolations": []] as NSDictionary
        #expect((reports[0]["changes"] as? NSDictionary) == empty)
        #expect(trendCounts(reports[0]) == ["2018-11-05 4 3 0"])

        // Night 2 (the cutover): B confirmed; C, D blocked at the cutover now blocked; E new and blocked; C's new order.
        let atCutover = "BLOCKED_AT_CUTOVER"
        #expect((reports[1]["changes"] as? NSDictionary) == changes(
            previous: "2018-11-05", runDate: "2018-11-05",
            newlyBlocked: [
                change("C", "Gamma Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], atCutover, "NONE"),
                       snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "BLOCKED", seats: 3, violations: 1)),
                change("D", "Delta Ltd", snapshot("INVALID", ["MISSING_EMAIL"], atCutover, "NONE"),
                       snapshot("INVALID", ["MISSING_EMAIL"], "BLOCKED", "NONE")),
                change("E", "Epsilon Ltd", nil, snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "NONE")),
            ],
            newlyConfirmed: [change("B", "Beta Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], atCutover, atCutover, seats: 5),
                                    snapshot("CONFIRMED", [], "ALLOWED", "ALLOWED", seats: 5))],
            resolved: [change("B", "Beta Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], atCutover, atCutover, seats: 5),
                              snapshot("CONFIRMED", [], "ALLOWED", "ALLOWED", seats: 5))],
            newViolations: [change("C", "Gamma Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], atCutover, "NONE"),
                                   snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "BLOCKED", seats: 3, violations: 1))]))
        #expect(trendCounts(reports[1]) == ["2018-11-05 4 3 0", "2018-11-07 5 3 1"])

        // Night 3: A's only record is now invalid; C confirmed (its order of the 7th stays a violation); E's new order.
        #expect((reports[2]["changes"] as? NSDictionary) == changes(
            previous: "2018-11-07", runDate: "2018-11-07",
            newlyBlocked: [change("A", "Alpha Ltd", snapshot("CONFIRMED", [], "ALLOWED", "NONE"),
                                  snapshot("INVALID", ["INVALID_EMAIL"], "BLOCKED", "NONE"))],
            newlyConfirmed: [change("C", "Gamma Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "BLOCKED", seats: 3, violations: 1),
                                    snapshot("CONFIRMED", [], "ALLOWED", "ALLOWED", seats: 3, violations: 1))],
            newlyInvalid: [change("A", "Alpha Ltd", snapshot("CONFIRMED", [], "ALLOWED", "NONE"),
                                  snapshot("INVALID", ["INVALID_EMAIL"], "BLOCKED", "NONE"))],
            resolved: [change("C", "Gamma Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "BLOCKED", seats: 3, violations: 1),
                              snapshot("CONFIRMED", [], "ALLOWED", "ALLOWED", seats: 3, violations: 1))],
            newViolations: [change("E", "Epsilon Ltd", snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "NONE"),
                                   snapshot("UNCONFIRMED", ["NO_CONFIRMATION"], "BLOCKED", "NONE", violations: 1))]))
        #expect(trendCounts(reports[2]) == ["2018-11-05 4 3 0", "2018-11-07 5 3 1", "2018-11-08 5 3 2"])
        // The last trend point is this run's own summary.
        let last = (reports[2]["trend"] as? [[String: Any]])?.last?["summary"] as? NSDictionary
        #expect(last == reports[2]["summary"] as? NSDictionary)

        // The other reports show the changes too.
        let csv = try String(contentsOf: out.appendingPathComponent("2018-11-08/changes.csv"), encoding: .utf8)
        #expect(csv.contains("newlyInvalid,A,Alpha Ltd,CONFIRMED,INVALID"))
        let summary = try String(contentsOf: out.appendingPathComponent("2018-11-08/summary.md"), encoding: .utf8)
        #expect(summary.contains("2018-11-07"))
        let html = try String(contentsOf: out.appendingPathComponent("2018-11-08/report.html"), encoding: .utf8)
        #expect(html.contains("<section id=\"changes\""))
        #expect(html.contains("<svg"))
    }

    @Test func aReRunForTheSameAsOfReplacesItAndReproducesItsReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        _ = try threeNights(tmp, out: out)
        let before = try Data(contentsOf: out.appendingPathComponent("2018-11-07/report.json"))
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night2)
        let rerun = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-07", out: out))
        #expect(rerun.status == 0, "\(rerun.stderr)")
        // Compared with the 5th again (not the later 8th): the same bytes as the first time.
        #expect(try Data(contentsOf: out.appendingPathComponent("2018-11-07/report.json")) == before)
        let history = try MCAAuditBinary.run(["history", "--out", out.path, "--format", "json"])
        #expect(history.status == 0, "\(history.stderr)")
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        #expect(runs.map { $0["asOf"] as? String } == ["2018-11-08", "2018-11-07", "2018-11-05"])
    }

    @Test func historyListsTheRunsAndOneCustomerOverTime() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        _ = try threeNights(tmp, out: out)
        let list = try MCAAuditBinary.run(["history", "--out", out.path])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == """
            as of       run date    phase      exit  customers  confirmed  unconfirmed  invalid  out of scope  blocked orders  blocked seats  seats affected  violations  rejected
            2018-11-08  2018-11-08  MANDATORY     0          5          2            1        2             0               3              0               0           2         0
            2018-11-07  2018-11-07  MANDATORY     0          5          2            2        1             0               3              1               3           1         0
            2018-11-05  2018-11-05  OPTIONAL      0          4          1            2        1             0               3              1               5           0         0

            """)
        let limited = try MCAAuditBinary.run(["history", "--out", out.path, "--limit", "1"])
        #expect(limited.stdout.split(separator: "\n").count == 2)
        let customer = try MCAAuditBinary.run(["history", "--out", out.path, "--customer", "c"])
        #expect(customer.status == 0, "\(customer.stderr)")
        #expect(customer.stdout == """
            Customer C (Gamma Ltd): 3 runs
            as of       run date    status       reasons          confirmed on  new orders          seat changes  seats  violations
            2018-11-05  2018-11-05  UNCONFIRMED  NO_CONFIRMATION  -             BLOCKED_AT_CUTOVER  NONE              0           0
            2018-11-07  2018-11-07  UNCONFIRMED  NO_CONFIRMATION  -             BLOCKED             BLOCKED           3           1
            2018-11-08  2018-11-08  CONFIRMED    -                2018-11-08    ALLOWED             ALLOWED           3           1

            """)
        let json = try MCAAuditBinary.run(["history", "--out", out.path, "--customer", "E", "--format", "json"])
        let outcomes = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { "\($0["asOf"] ?? "") \($0["status"] ?? "") \($0["violations"] ?? "")" } == ["2018-11-07 UNCONFIRMED 0", "2018-11-08 UNCONFIRMED 1"])
        let unknown = try MCAAuditBinary.run(["history", "--out", out.path, "--customer", "nobody"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("customer 'nobody' is in no run of"))
        let missing = try MCAAuditBinary.run(["history", "--out", tmp.url.appendingPathComponent("none").path])
        #expect(missing.status == 66)
    }

    @Test func noHistoryLeavesChangesAndTrendNullAndWritesNoFile() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        let run = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--no-history"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try jsonObject(out.appendingPathComponent("2018-11-05/report.json"))
        #expect(report["changes"] is NSNull)
        #expect(report["trend"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("history.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("2018-11-05/changes.csv").path))
        let both = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--no-history", "--history", "h.sqlite"])
        #expect(both.status == 64)
    }

    @Test func historyFileCanLiveElsewhere() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let file = tmp.url.appendingPathComponent("nightly-history.sqlite")
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        let run = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--history", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("history.sqlite").path))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let list = try MCAAuditBinary.run(["history", "--out", out.path, "--history", file.path, "--format", "json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"asOf\" : \"2018-11-05\""))
    }

    @Test func keepLeavesTheNewestReportFoldersAndTheOneLatestPointsAt() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        func folders() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: out.path).filter { !$0.hasPrefix(".") }.sorted()
        }
        for asOf in ["2018-11-01", "2018-11-02", "2018-11-03", "2018-11-04"] {
            let run = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out) + ["--keep", "2"])
            try #require(run.status == 0, "\(run.stderr)")
        }
        #expect(try folders().filter { !$0.hasPrefix("history.sqlite") } == ["2018-11-03", "2018-11-04", "latest"])
        // Re-running an older date points `latest` at it: kept, besides the newest.
        let old = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-01", out: out) + ["--keep", "1"])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(try folders().filter { $0.hasPrefix("2018") } == ["2018-11-01", "2018-11-04"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("latest").path) == "2018-11-01")
        // The history keeps every run.
        let list = try MCAAuditBinary.run(["history", "--out", out.path])
        #expect(list.stdout.split(separator: "\n").count == 5)
        let bad = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--keep", "0"])
        #expect(bad.status == 64)
    }

    /// Scripts/nightly.sh: the summary on exit 1, an alert on 64–75, nothing on 0; the audit's exit code.
    @Test(arguments: [
        (["--fail-on", "blocked"], Int32(1), "action needed (exit 1)", "# MCA confirmation audit as of 2018-11-07"),
        ([], 0, nil, nil),
        (["--orders", "/nonexistent/orders.csv"], 66, "FAILED (exit 66)", "mca-audit exited with 66: an input export is missing or unreadable."),
        (["--keep", "0"], 64, "FAILED (exit 64)", "mca-audit exited with 64: usage error"),
    ] as [([String], Int32, String?, String?)])
    func nightlyWrapper(extra: [String], status: Int32, subject: String?, body: String?) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night2)
        let mailbox = tmp.url.appendingPathComponent("mailbox")
        let notify = tmp.url.appendingPathComponent("notify.sh")
        try "#!/bin/sh\n{ echo \"SUBJECT: $1\"; cat; } >> '\(mailbox.path)'\n".write(to: notify, atomically: true, encoding: .utf8)
        chmod(notify.path, 0o755)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [RepoPaths.root.appendingPathComponent("Scripts/nightly.sh").path]
            + Array(exports.arguments(asOf: "2018-11-07", out: out).dropFirst()) + extra
        p.environment = ["PATH": "/usr/bin:/bin", "MCA_AUDIT_BIN": MCAAuditBinary.url.path, "MCA_NOTIFY_COMMAND": notify.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == status)
        let mail = (try? String(contentsOf: mailbox, encoding: .utf8)) ?? ""
        if let subject, let body {
            #expect(mail.hasPrefix("SUBJECT: mca-audit on "), "\(mail)")
            #expect(mail.split(separator: "\n").first?.hasSuffix(subject) == true, "\(mail)")
            #expect(mail.contains(body), "\(mail)")
        } else {
            #expect(mail.isEmpty, "\(mail)")
        }
    }

    @Test func jsonLogLinesCarryTheFindingFields() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit"] + fixtureArguments + ["--out", tmp.url.path, "--log-format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every stderr line is a JSON object")
        let duplicate = objects.first { $0["code"] as? String == "DUPLICATE_CUSTOMER" }
        #expect(duplicate?["file"] as? String == "Fixtures/customers.csv")
        #expect(duplicate?["line"] as? Int == 16)
        #expect(duplicate?["severity"] as? String == "error")
        #expect(duplicate?["level"] as? String == "error")
        // The text format keeps the compiler-style diagnostics.
        let text = try MCAAuditBinary.run(["audit"] + fixtureArguments + ["--out", tmp.url.path])
        #expect(text.stderr.contains("Fixtures/customers.csv:16: error: customer '0a1b2c3d-1111-4e5f-8a9b-00000000C001' appears again"))
    }
}

/// A generated export of about `megabytes` MB of order lines, with customers and agreements to match.
struct LargeExports {
    let folder: URL

    init(folder: URL, customers: Int, megabytes: Int) throws {
        self.folder = folder
        var text = "customerId,companyName,cloud\n"
        for c in 0..<customers { text += "CUST-\(c),Company \(c),\(c % 17 == 0 ? "germany" : "public")\n" }
        try text.write(to: folder.appendingPathComponent("customers.csv"), atomically: true, encoding: .utf8)
        text = "customerId,firstName,lastName,email,dateAgreed\n"
        for c in stride(from: 0, to: customers, by: 2) {
            text += "CUST-\(c),First\(c),Last\(c),\(c % 10 == 0 ? "" : "user\(c)@example.com"),2018-\(c % 3 == 0 ? "09" : "11")-0\(1 + c % 9)\n"
        }
        try text.write(to: folder.appendingPathComponent("agreements.csv"), atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: {
            let url = folder.appendingPathComponent("orders.csv")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        defer { try? handle.close() }
        handle.write(Data("orderId,customerId,creationDate,status,offerId,subscriptionId,quantity,billingType,transactionType\n".utf8))
        var written = 0, line = 0
        let types = ["new", "renew", "addQuantity", "removeQuantity", "cancel"]
        while written < megabytes * 1_000_000 {
            var chunk = ""
            for _ in 0..<5_000 {
                let c = (line &* 7919) % customers
                chunk += "ORD-\(line),CUST-\(c),2018-\(10 + line % 3)-\(10 + line % 19),completed,OFFER-\(line % 40),SUB-\(c)-\(line % 3),\(1 + line % 25),\(line % 4 == 0 ? "usage" : "license"),\(types[line % 5])\n"
                line += 1
            }
            let data = Data(chunk.utf8)
            handle.write(data)
            written += data.count
        }
    }

    func arguments(asOf: String, out: URL) -> [String] {
        ["audit", "--customers", folder.appendingPathComponent("customers.csv").path,
         "--agreements", folder.appendingPathComponent("agreements.csv").path,
         "--orders", folder.appendingPathComponent("orders.csv").path,
         "--as-of", asOf, "--run-date", "2018-12-31", "--out", out.path, "--quiet"]
    }
}

/// A small deterministic generator, so a failing kill schedule can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Unattended safety (docs/operations.md, "Unattended safety"): the lock, and runs killed at random moments.
@Suite(.serialized) struct HistoryCrashTests {
    /// What the history says the newest complete run is, and what `latest` shows, must be the same run.
    @discardableResult
    func expectConsistent(_ out: URL, expectedAsOf: String? = nil, _ note: String) throws -> String {
        // `history` settles what a killed run left (as the next audit would), then lists.
        let list = try MCAAuditBinary.run(["history", "--out", out.path, "--format", "json", "--limit", "1"])
        try #require(list.status == 0, "\(note): history exited \(list.status): \(list.stderr)")
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        let newest = try #require(runs.first, "\(note): no complete run")
        let report = try jsonObject(out.appendingPathComponent("latest/report.json"))
        #expect(newest["asOf"] as? String == report["asOf"] as? String, "\(note)")
        #expect(newest["runDate"] as? String == report["runDate"] as? String, "\(note)")
        #expect((newest["summary"] as? NSDictionary) == (report["summary"] as? NSDictionary), "\(note)")
        if let expectedAsOf { #expect(report["asOf"] as? String == expectedAsOf, "\(note)") }
        // The trend of the report ends with the run itself and agrees with the history's counts.
        let trend = report["trend"] as? [[String: Any]]
        #expect(trend?.last?["asOf"] as? String == report["asOf"] as? String, "\(note)")
        return list.stderr
    }

    @Test func aConcurrentRunGets75AndTheLockDiesWithItsHolder() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)

        // Held by this test: the run does not wait, it exits 75 and writes nothing.
        let fd = open(out.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o640)
        try #require(fd >= 0)
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let locked = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out))
        #expect(locked.status == 75)
        #expect(locked.stderr.contains("is locked by another mca-audit run; try again later"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("2018-11-05").path))
        flock(fd, LOCK_UN)
        close(fd)

        // Held by a run that is then SIGKILLed: the kernel drops the lock, the next run goes ahead.
        let large = try LargeExports(folder: tmp.url, customers: 5_000, megabytes: 8)
        let holder = try MCAAuditBinary.start(large.arguments(asOf: "2018-11-20", out: out))
        let lockFile = out.appendingPathComponent(".lock").path
        let deadline = Date().addingTimeInterval(30)
        // RunLock writes the holder's pid once it has the lock.
        while (try? String(contentsOfFile: lockFile, encoding: .utf8)) != "\(holder.process.processIdentifier)\n", Date() < deadline {
            usleep(2_000)
        }
        let second = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out))
        #expect(second.status == 75, "the holder finished too early: \(second.stderr)")
        kill(holder.process.processIdentifier, SIGKILL)
        holder.process.waitUntilExit()
        #expect(holder.process.terminationReason == .uncaughtSignal)
        let third = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out))
        #expect(third.status == 0, "\(third.stderr)")
        try expectConsistent(out, expectedAsOf: "2018-11-05", "after the SIGKILLed holder")
    }

    /// The two moments a run is pending in the history, hit exactly: the run stops itself there
    /// (MCA_AUDIT_CRASH_TEST_STOP) and is SIGKILLed. After the commit, before the rename: the run is
    /// removed and `latest` stays on the previous report. After the publish, before `complete`: the
    /// run is completed. A re-run of the same as-of date is covered too.
    @Test(arguments: [("after-commit", "2018-11-07", false), ("after-publish", "2018-11-07", true),
                      ("after-commit", "2018-11-05", false), ("after-publish", "2018-11-05", true)])
    func aRunKilledWhilePendingIsSettled(point: String, asOf: String, published: Bool) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        try #require(try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out)).status == 0)
        let before = try Data(contentsOf: out.appendingPathComponent("2018-11-05/report.json"))
        try exports.write(HistoryRunTests.night2)

        // Only this child gets the variable (setenv would reach the binaries other suites start meanwhile).
        let victim = Process()
        victim.executableURL = MCAAuditBinary.url
        victim.arguments = exports.arguments(asOf: asOf, out: out)
        victim.currentDirectoryURL = RepoPaths.root
        victim.environment = ProcessInfo.processInfo.environment.merging(["MCA_AUDIT_CRASH_TEST_STOP": point]) { $1 }
        victim.standardOutput = FileHandle.nullDevice
        victim.standardError = FileHandle.nullDevice
        try victim.run()
        let pid = victim.processIdentifier
        let deadline = Date().addingTimeInterval(60)
        // Field 3 of /proc/PID/stat is the state: T once the run has stopped itself.
        while Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "T" { break }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        victim.waitUntilExit()
        try #require(victim.terminationReason == .uncaughtSignal)

        let settled = try expectConsistent(out, expectedAsOf: published ? asOf : "2018-11-05", "\(point) \(asOf)")
        #expect(settled.contains(published ? "its history entry is now complete" : "its history entry was removed"), "\(settled)")
        let list = try MCAAuditBinary.run(["history", "--out", out.path, "--format", "json"])
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        let expected = published && asOf != "2018-11-05" ? ["2018-11-07", "2018-11-05"] : ["2018-11-05"]
        #expect(runs.compactMap { $0["asOf"] as? String } == expected)
        if !published {
            // The folder of the 5th is the first run's, byte for byte (a re-run killed before its rename replaced nothing).
            #expect(try Data(contentsOf: out.appendingPathComponent("2018-11-05/report.json")) == before)
        }
        let next = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out))
        #expect(next.status == 0, "\(next.stderr)")
        try expectConsistent(out, expectedAsOf: asOf, "\(point) \(asOf), next run")
    }

    /// 20+ runs over a ~20 MB orders export, each SIGKILLed at a random moment of its life; after
    /// each, the history's newest complete run and `latest` agree, and the next run succeeds.
    @Test func runsKilledAtRandomMomentsLeaveHistoryAndReportsConsistent() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = try LargeExports(folder: tmp.url, customers: 20_000, megabytes: 20)
        let seed = UInt64(ProcessInfo.processInfo.environment["MCA_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix(state: seed)
        let note = "MCA_KILL_SEED=\(seed)"

        // A first complete run, timed: the kills are spread over as long as a run takes.
        let started = Date()
        let first = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-01", out: out))
        try #require(first.status == 0, "\(first.stderr)")
        // How long a run takes, as the loop learns it: the first run may have been slowed by
        // other tests running beside it, so every undisturbed run below can shorten it.
        var duration = Date().timeIntervalSince(started)
        try expectConsistent(out, expectedAsOf: "2018-11-01", note)

        // Nights after the first, as-of dates in order.
        var nights: [String] = []
        for month in [11, 12] { for day in 1...30 { nights.append("2018-\(month)-\(day < 10 ? "0" : "")\(day)") } }
        nights.removeFirst()
        var killed = 0, finishedFirst = 0, round = 0, used = ["2018-11-01"]
        // Where the kills landed: after the history commit (settled as complete or removed) or before it.
        var completedBySettling = 0, discardedBySettling = 0
        while killed < 20, round < 40 {
            round += 1
            // Every fourth round re-runs the night before: a re-run replaces a complete run.
            let asOf = round % 4 == 0 ? used[used.count - 1] : nights[used.count - 1]
            if asOf != used.last { used.append(asOf) }
            let victim = try MCAAuditBinary.start(exports.arguments(asOf: asOf, out: out))
            usleep(UInt32(Double.random(in: 0.05...1.05, using: &random) * duration * 1_000_000))
            kill(victim.process.processIdentifier, SIGKILL)
            victim.process.waitUntilExit()
            if victim.process.terminationReason == .uncaughtSignal {
                killed += 1
            } else {
                finishedFirst += 1
                duration *= 0.7
            }
            let settled = try expectConsistent(out, "\(note) round \(round) (\(asOf)), after the kill")
            if settled.contains("its history entry is now complete") { completedBySettling += 1 }
            if settled.contains("its history entry was removed") { discardedBySettling += 1 }

            let nextStarted = Date()
            let next = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out))
            duration = min(duration, Date().timeIntervalSince(nextStarted))
            #expect(next.status == 0, "\(note) round \(round): \(next.stderr)")
            try expectConsistent(out, expectedAsOf: asOf, "\(note) round \(round) (\(asOf)), after the next run")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".tmp-") || $0.hasPrefix(".old-") }
            #expect(leftovers.isEmpty, "\(note) round \(round): \(leftovers)")
        }
        #expect(killed >= 20, "\(note): only \(killed) runs were killed (\(finishedFirst) finished first)")
        print("kill loop \(note): \(killed) killed, \(finishedFirst) finished first; pending runs settled as complete: \(completedBySettling), removed: \(discardedBySettling); a run takes \(duration) s")
        // Every night is in the history once, whatever was killed.
        let list = try MCAAuditBinary.run(["history", "--out", out.path, "--format", "json"])
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        #expect(runs.compactMap { $0["asOf"] as? String } == used.reversed(), "\(note)")
    }
}
