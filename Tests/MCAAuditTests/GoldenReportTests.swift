import Foundation
import MCATestSupport
import Testing

/// The full report set for the fixtures, compared byte for byte with `Fixtures/golden/2018-11-30/`.
/// Set MCA_RECORD_GOLDEN=1 to re-record after an intended change (and review the diff).
@Suite struct GoldenReportTests {
    static let golden = RepoPaths.fixture("golden/2018-11-30")

    @Test func fixtureReportsMatchTheGoldenFiles() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--quiet"], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let produced = tmp.url.appendingPathComponent("2018-11-30")
        let names = try files(in: produced)
        if ProcessInfo.processInfo.environment["MCA_RECORD_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: GoldenReportTests.golden)
            try FileManager.default.createDirectory(at: GoldenReportTests.golden, withIntermediateDirectories: true)
            for name in names {
                try FileManager.default.copyItem(at: produced.appendingPathComponent(name),
                                                 to: GoldenReportTests.golden.appendingPathComponent(name))
            }
        }
        #expect(try files(in: GoldenReportTests.golden) == names)
        for name in names {
            let got = try String(contentsOf: produced.appendingPathComponent(name), encoding: .utf8)
            let want = try String(contentsOf: GoldenReportTests.golden.appendingPathComponent(name), encoding: .utf8)
            if got != want {
                let g = got.components(separatedBy: "\n"), w = want.components(separatedBy: "\n")
                let first = zip(g, w).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("\(name) differs from the golden file at line \((first?.offset ?? min(g.count, w.count)) + 1):\n- \(first?.element.1 ?? "<end>")\n+ \(first?.element.0 ?? "<end>")")
            }
        }
    }

    /// The decisive values of the golden report, asserted one by one so a wrong re-recording cannot pass unnoticed.
    @Test func goldenReportSaysWhatTheFixturesMean() throws {
        let data = try Data(contentsOf: GoldenReportTests.golden.appendingPathComponent("report.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let customers = try #require(json["customers"] as? [[String: Any]])
        func customer(_ suffix: String) -> [String: Any]? {
            customers.first { ($0["customerId"] as? String)?.lowercased().hasSuffix(suffix.lowercased()) == true }
        }
        #expect(customers.count == 14)
        #expect(customer("C001")?["status"] as? String == "CONFIRMED")
        #expect(customer("C001")?["confirmedOn"] as? String == "2018-10-01")
        #expect(customer("C002")?["confirmedOn"] as? String == "2018-09-03")
        #expect(customer("C003")?["reasons"] as? [String] == ["NO_CONFIRMATION"])
        #expect(customer("C003")?["newOrders"] as? String == "BLOCKED")
        #expect(customer("C004")?["reasons"] as? [String] == ["INVALID_EMAIL", "INVALID_PHONE"])
        #expect(customer("C005")?["status"] as? String == "OUT_OF_SCOPE")
        #expect(customer("C007")?["cloud"] as? String == "usgovernment")
        #expect(customer("C008")?["reasons"] as? [String] == ["ACCEPTED_AFTER_AS_OF"])
        #expect(customer("C009")?["confirmedOn"] as? String == "2018-10-11")
        #expect(customer("C010")?["status"] as? String == "CONFIRMED")
        #expect(customer("C011")?["seatChanges"] as? String == "NONE")
        #expect(customer("C012")?["reasons"] as? [String] == ["UNAUTHORIZED_ROLE"])
        #expect(customer("C013")?["reasons"] as? [String] == ["FUTURE_DATE"])
        #expect(customer("C015")?["status"] as? String == "CONFIRMED")
        let c003subs = try #require(customer("C003")?["seatBasedSubscriptions"] as? [[String: Any]])
        #expect(c003subs.map { $0["seats"] as? Int } == [15, 3])
        let c013subs = try #require(customer("C013")?["seatBasedSubscriptions"] as? [[String: Any]])
        #expect(c013subs.count == 1 && c013subs[0]["subscriptionId"] is NSNull)
        let violations = try #require(json["violations"] as? [[String: Any]])
        #expect(violations.map { $0["orderId"] as? String } == ["o-3002", "o-3003", "o-4002", "o-8001", "o-1101"])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["blockedNewOrders"] as? Int == 6)
        #expect(summary["blockedSeatChanges"] as? Int == 5)
        #expect(summary["seatsAffected"] as? Int == 15 + 3 + 5 + 4 + 9 + 5)
        #expect(summary["rowsRejected"] as? Int == 7)
        #expect(summary["warnings"] as? Int == 2)
        #expect(summary["violations"] as? Int == 5)
    }
}

/// The same exports in CSV, XML and JSON give the same evaluation.
@Suite struct FormatParityTests {
    func report(_ format: String) throws -> [String: Any] {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let dir = format == "csv" ? "Fixtures" : "Fixtures/\(format)"
        let run = try MCAAuditBinary.run(["audit", "--customers", "\(dir)/customers.\(format)",
                                          "--agreements", "\(dir)/agreements.\(format)", "--orders", "\(dir)/orders.\(format)",
                                          "--as-of", "2018-11-30", "--run-date", "2018-12-03", "--out", tmp.url.path,
                                          "--report", "json", "--quiet"])
        #expect(run.status == 0, "\(format): \(run.stderr)")
        let data = try Data(contentsOf: tmp.url.appendingPathComponent("2018-11-30/report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: ["xml", "json"])
    func sameOutcomesAsCSV(format: String) throws {
        let csv = try report("csv"), other = try report(format)
        #expect(NSDictionary(dictionary: ["c": csv["customers"] ?? []]).isEqual(to: ["c": other["customers"] ?? []]))
        #expect(NSDictionary(dictionary: ["v": csv["violations"] ?? []]).isEqual(to: ["v": other["violations"] ?? []]))
        var a = csv["summary"] as? [String: Any] ?? [:], b = other["summary"] as? [String: Any] ?? [:]
        #expect(a["warnings"] as? Int == 2 && b["warnings"] as? Int == 1)  // the CSV has one ragged row
        a["warnings"] = nil
        b["warnings"] = nil
        #expect(NSDictionary(dictionary: a).isEqual(to: b))
    }
}

/// The headers partners really export (docs/inputs.md, "Field names").
@Suite struct RealLayoutTests {
    func run(_ agreements: String, _ extra: [String] = []) throws -> (BinaryRun, [String: Any]) {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(["audit", "--customers", "Fixtures/layouts/partner-center-customers.csv",
                                          "--agreements", agreements, "--orders", "Fixtures/layouts/orders.csv",
                                          "--as-of", "2018-11-30", "--run-date", "2018-12-03", "--out", tmp.url.path,
                                          "--report", "json"] + extra)
        let data = (try? Data(contentsOf: tmp.url.appendingPathComponent("2018-11-30/report.json"))) ?? Data("{}".utf8)
        return (run, try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
    }

    func statuses(_ json: [String: Any]) -> [String] {
        (json["customers"] as? [[String: Any]] ?? []).map { "\($0["status"] ?? "") \($0["confirmedOn"] ?? "")" }
    }

    @Test func microsoftsGetAllCustomersAgreementsSample() throws {
        let (run, json) = try run("Fixtures/layouts/GetAllCustomersAgreements.csv", ["--date-format", "M/d/yyyy h:mm:ss a"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(statuses(json) == ["CONFIRMED 2018-10-01", "UNCONFIRMED <null>"])
        // The unnamed 8th field is the agreement type, and the 7-field row of a customer without
        // agreement is whole: neither is RAGGED_ROW.
        #expect(!run.stderr.contains("RAGGED_ROW"), "\(run.stderr)")
        #expect((json["summary"] as? [String: Any])?["warnings"] as? Int == 0)
        let violations = json["violations"] as? [[String: Any]]
        #expect(violations?.count == 1)
    }

    @Test func withoutTheDateFormatTheUSDateIsAnInvalidDateNotAGuess() throws {
        let (run, json) = try run("Fixtures/layouts/GetAllCustomersAgreements.csv")
        #expect(run.status == 0)
        let first = (json["customers"] as? [[String: Any]])?.first
        #expect(first?["status"] as? String == "INVALID")
        #expect(first?["reasons"] as? [String] == ["INVALID_DATE"])
        // The hint names the layout, but the row is still judged unreadable.
        let hint = "Fixtures/layouts/GetAllCustomersAgreements.csv: 1 of the acceptance dates looks like 'M/d/yyyy h:mm:ss a' or "
            + "'d/M/yyyy h:mm:ss a', and the values cannot tell month-first from day-first; add --date-format \"M/d/yyyy h:mm:ss a\" "
            + "or --date-format \"d/M/yyyy h:mm:ss a\", whichever the exporting machine used"
        let notices = json["notices"] as? [[String: String]] ?? []
        #expect(notices.contains(["code": "DATE_LAYOUT_HINT", "message": hint]), "\(notices)")
        #expect(run.stderr.contains("mca-audit: notice: \(hint) [DATE_LAYOUT_HINT]"))
    }

    @Test func bulkAttestationToolRecordsAreCustomerAgreementRecords() throws {
        // Under the default (Cloud Agreement) policy they are records of another type: counted, not confirmations.
        let (run, json) = try run("Fixtures/layouts/CustomerAgreementRecords.csv")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(statuses(json) == ["UNCONFIRMED <null>", "UNCONFIRMED <null>"])
        #expect((json["summary"] as? [String: Any])?["otherAgreementTypes"] as? Int == 1)
        // Under the Customer Agreement policy they count.
        let (mca, mcaJSON) = try self.run("Fixtures/layouts/CustomerAgreementRecords.csv",
                                     ["--policy", "Policies/microsoft-customer-agreement-2020.json"])
        #expect(mca.status == 0, "\(mca.stderr)")
        #expect(statuses(mcaJSON) == ["CONFIRMED 2018-10-01", "UNCONFIRMED <null>"])
    }
}
