import Foundation
import MCAEvaluate
import MCAHistory
import MCAModel
import MCAStorage
import MCATestSupport
import Testing

func day(_ iso: String) -> DayDate {
    guard let d = DayDate(iso: iso) else { Issue.record("bad date \(iso)"); return DayDate(daysSinceEpoch: 0) }
    return d
}

/// A customer outcome with the impact the rules give `status` in `phase`.
func outcome(_ id: String, _ status: CustomerStatus, phase: Phase = .mandatory, seats: Int = 0,
             reasons: [String]? = nil) -> CustomerOutcome {
    let blocking = status == .unconfirmed || status == .invalid
    let level: Impact = blocking ? (phase == .mandatory ? .blocked : .blockedAtCutover) : .allowed
    let defaultReasons: [String]
    switch status {
    case .confirmed: defaultReasons = []
    case .unconfirmed: defaultReasons = ["NO_CONFIRMATION"]
    case .invalid: defaultReasons = ["MISSING_EMAIL"]
    case .outOfScope: defaultReasons = ["CLOUD_NOT_SUPPORTED"]
    }
    return CustomerOutcome(
        customerId: id, companyName: "Company \(id)", domain: nil, cloud: status == .outOfScope ? .germany : .public,
        status: status, reasons: reasons ?? defaultReasons, confirmedOn: status == .confirmed ? day("2018-09-01") : nil,
        newOrders: level, seatChanges: seats == 0 ? .none : level, daysToCutover: nil,
        subscriptions: seats == 0 ? [] : [SeatSubscription(subscriptionId: "S-\(id)", offerId: "O", seats: seats)],
        newestRecord: nil)
}

/// A run's result with the summary counts worked out from its customers and violations.
func result(_ asOf: String, runDate: String? = nil, _ customers: [CustomerOutcome], violations: [String] = []) -> AuditResult {
    let date = day(asOf)
    var summary = Summary()
    summary.customers = customers.count
    for c in customers { summary.byStatus[c.status, default: 0] += 1 }
    summary.blockedNewOrders = customers.filter { $0.newOrders.isBlocking }.count
    summary.blockedSeatChanges = customers.filter { $0.seatChanges.isBlocking }.count
    summary.seatsAffected = customers.filter { $0.seatChanges.isBlocking }.reduce(0) { $0 + $1.seats }
    summary.violations = violations.count
    let sorted = customers.sorted { $0.customerId.lowercased() < $1.customerId.lowercased() }
    let v = violations.enumerated().map { i, id in
        Violation(customerId: id, orderId: "ORD-\(i)", lineItemNumber: 0, creationDate: date)
    }.sorted { $0.customerId.lowercased() < $1.customerId.lowercased() }
    return AuditResult(asOf: date, runDate: day(runDate ?? asOf), phase: Phase(asOf: date, policy: .default),
                       policy: .default, summary: summary, customers: CustomerOutcomes(sorted), violations: Spooled(v), dataQuality: [],
                       inputs: [InputSummary(kind: .customers, path: "c.csv", format: .csv, sha256: "ab", rowsRead: customers.count,
                                             rowsAccepted: customers.count)])
}

/// A temporary history file.
final class HistoryFile {
    let folder: TemporaryFolder
    var path: String { folder.url.appendingPathComponent("history.sqlite").path }
    init() throws { folder = try TemporaryFolder() }
    deinit { folder.remove() }
    func open() throws -> RunHistory { try RunHistory(path: path) }
}

/// Records a run all the way to complete, as an audit whose publish succeeded does.
@discardableResult
func recordComplete(_ history: RunHistory, _ r: AuditResult, outDir: String = "/reports", exitCode: Int32 = 0,
                    trendLimit: Int = 30) throws -> (run: HistoryRun, changes: RunChanges, trend: [TrendPoint]) {
    var run = try history.begin(r, outDir: outDir, exitCode: exitCode)
    let changes = try history.changes(for: run, since: try history.previousRun(before: r.asOf))
    let trend = try history.trend(for: run, limit: trendLimit)
    try history.setManifest(&run, sha256: "sha-\(r.asOf.iso)")
    try history.complete(&run)
    return (run, changes, trend)
}

func ids(_ list: [CustomerChange]) -> [String] { list.map(\.customerId) }

@Suite struct RunHistoryStorageTests {
    @Test func createsTheFileWithoutWorldAccessAndReopens() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .confirmed)]))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let again = try file.open()
        #expect(try again.runs().map(\.asOf.iso) == ["2018-11-07"])
    }

    @Test func refusesAFileThatIsNotAHistory() throws {
        let file = try HistoryFile()
        try Data("this is not SQLite, it is a text file long enough to have a header".utf8).write(to: URL(fileURLWithPath: file.path))
        #expect {
            _ = try file.open()
        } throws: { error in
            let e = error as? HistoryError
            return e?.path == file.path && e?.reason.hasPrefix("cannot open the run history:") == true
        }
    }

    @Test func refusesAHistoryWrittenByANewerSchema() throws {
        let file = try HistoryFile()
        _ = try file.open()
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Pretend a newer build applied a migration this one does not know.
        sqlite.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('v99: future')\"); c.commit()", file.path]
        try sqlite.run()
        sqlite.waitUntilExit()
        try #require(sqlite.terminationStatus == 0)
        #expect {
            _ = try file.open()
        } throws: { error in
            (error as? HistoryError)?.reason == "written by a newer mca-audit (unknown schema version); use that version or another --history file"
        }
    }

    @Test func recordsTheRunCountsInputsAndExitCode() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let r = result("2018-11-30", runDate: "2018-12-03",
                       [outcome("A", .confirmed), outcome("b", .unconfirmed, seats: 5), outcome("C", .invalid), outcome("D", .outOfScope)],
                       violations: ["b", "b"])
        try recordComplete(history, r, exitCode: 1)
        let runs = try history.runs()
        try #require(runs.count == 1)
        let run = runs[0]
        #expect(run.asOf.iso == "2018-11-30")
        #expect(run.runDate.iso == "2018-12-03")
        #expect(run.phase == .mandatory)
        #expect(run.state == .complete)
        #expect(run.exitCode == 1)
        #expect(run.outDir == "/reports")
        #expect(run.manifestSHA256 == "sha-2018-11-30")
        #expect(run.summary == r.summary)
        #expect(run.inputs.map(\.sha256) == ["ab"])
        #expect(run.inputs.map(\.path) == ["c.csv"])
        #expect(run.policyJSON == #"{"acceptedOnOrAfter":null,"acceptedTemplateIds":null,"agreementType":"MicrosoftCloudAgreement","authorizedRoles":["AdminAgent","SalesAgent"],"availableFrom":"2018-08-07","mandatoryFrom":"2018-11-07","supportedClouds":["public"],"version":1}"#)
        // Stored in the policy file's own form: it reads back as the run's policy.
        #expect(try Policy.load(json: Data(run.policyJSON.utf8)) == .default)
        let b = try history.customerHistory("B")
        #expect(b.count == 1)
        #expect(b.first?.customerId == "b")
        #expect(b.first?.state == CustomerSnapshot(status: .unconfirmed, reasons: ["NO_CONFIRMATION"], newOrders: .blocked,
                                                  seatChanges: .blocked, seats: 5, violations: 2))
        #expect(try history.customerHistory("A").first?.confirmedOn?.iso == "2018-09-01")
    }

    @Test func aPendingRunIsInvisibleAndAReRunReplacesTheRunOfItsDate() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .unconfirmed)]))
        var rerun = try history.begin(result("2018-11-07", runDate: "2018-11-09", [outcome("A", .confirmed), outcome("B", .confirmed)]),
                                      outDir: "/reports", exitCode: 0)
        // Until it completes, the old run is the one that counts.
        #expect(try history.runs().map(\.summary.customers) == [1])
        #expect(try history.pendingRuns().map(\.id) == [rerun.id])
        try history.complete(&rerun)
        let runs = try history.runs()
        #expect(runs.map(\.asOf.iso) == ["2018-11-07"])
        #expect(runs.map(\.runDate.iso) == ["2018-11-09"])
        #expect(runs.map(\.summary.customers) == [2])
        #expect(try history.pendingRuns().isEmpty)
        // The old run's customers went with it.
        #expect(try history.customerHistory("a").map(\.state.status) == [.confirmed])
    }

    @Test func runsAreListedNewestAsOfFirstWhateverTheOrderTheyRan() throws {
        let file = try HistoryFile()
        let history = try file.open()
        for date in ["2018-11-09", "2018-11-07", "2018-11-08"] { try recordComplete(history, result(date, [outcome("A", .confirmed)])) }
        #expect(try history.runs().map(\.asOf.iso) == ["2018-11-09", "2018-11-08", "2018-11-07"])
        #expect(try history.runs(limit: 2).map(\.asOf.iso) == ["2018-11-09", "2018-11-08"])
        #expect(try history.previousRun(before: day("2018-11-09"))?.asOf.iso == "2018-11-08")
        #expect(try history.previousRun(before: day("2018-11-07")) == nil)
    }

    @Test func discardRemovesOnlyAPendingRun() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let done = try recordComplete(history, result("2018-11-07", [outcome("A", .confirmed)])).run
        let pending = try history.begin(result("2018-11-08", [outcome("A", .confirmed)]), outDir: "/reports", exitCode: 0)
        try history.discard(pending)
        try history.discard(done)
        #expect(try history.runs().map(\.asOf.iso) == ["2018-11-07"])
        #expect(try history.pendingRuns().isEmpty)
        #expect(try history.customerHistory("A").count == 1)
    }
}

@Suite struct RunHistoryChangesTests {
    @Test func theFirstRunHasNoChangesAndATrendOfItself() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let r = result("2018-11-07", [outcome("A", .unconfirmed), outcome("B", .confirmed)])
        let (_, changes, trend) = try recordComplete(history, r)
        #expect(changes == RunChanges())
        #expect(changes.previousAsOf == nil)
        #expect(trend == [TrendPoint(asOf: day("2018-11-07"), runDate: day("2018-11-07"), summary: r.summary)])
    }

    /// Three nights over changing exports: every list, exactly.
    @Test func threeConsecutiveRuns() throws {
        let file = try HistoryFile()
        let history = try file.open()
        // Night 1, before the cutover: B and C at risk, D invalid (at risk).
        let r1 = result("2018-11-05", [outcome("A", .confirmed), outcome("B", .unconfirmed, phase: .optional, seats: 3),
                                       outcome("C", .unconfirmed, phase: .optional), outcome("D", .invalid, phase: .optional),
                                       outcome("E", .outOfScope)])
        try recordComplete(history, r1)
        // Night 2, the cutover: B confirms; C now blocked; D still invalid, now blocked; new F invalid;
        // A gets invalid (blocked); E gone from the export; C has a violation.
        let r2 = result("2018-11-07", [outcome("A", .invalid), outcome("B", .confirmed, seats: 3), outcome("C", .unconfirmed),
                                       outcome("D", .invalid), outcome("F", .invalid)],
                        violations: ["C"])
        let (_, c2, t2) = try recordComplete(history, r2)
        #expect(c2.previousAsOf?.iso == "2018-11-05")
        #expect(c2.previousRunDate?.iso == "2018-11-05")
        #expect(ids(c2.newlyBlocked) == ["A", "C", "D", "F"])
        #expect(ids(c2.newlyConfirmed) == ["B"])
        #expect(ids(c2.newlyInvalid) == ["A", "F"])
        #expect(ids(c2.resolved) == ["B"])
        #expect(ids(c2.newViolations) == ["C"])
        let a = c2.newlyBlocked[0]
        #expect(a.companyName == "Company A")
        #expect(a.before == CustomerSnapshot(status: .confirmed, reasons: [], newOrders: .allowed, seatChanges: .none, seats: 0, violations: 0))
        #expect(a.after == CustomerSnapshot(status: .invalid, reasons: ["MISSING_EMAIL"], newOrders: .blocked, seatChanges: .none, seats: 0, violations: 0))
        #expect(c2.newlyBlocked[2].before?.newOrders == .blockedAtCutover)
        #expect(c2.newlyBlocked[2].after.newOrders == .blocked)
        #expect(c2.newlyBlocked[3].before == nil)
        #expect(c2.newViolations[0].before?.violations == 0)
        #expect(c2.newViolations[0].after.violations == 1)
        #expect(t2.map(\.asOf.iso) == ["2018-11-05", "2018-11-07"])
        #expect(t2.map(\.summary) == [r1.summary, r2.summary])

        // Night 3: C confirms (its old violation stays); D's defect changes (still invalid: no change);
        // F gets two violations; A (written `a` now) out of scope.
        let r3 = result("2018-11-08", [outcome("a", .outOfScope), outcome("B", .confirmed, seats: 3), outcome("C", .confirmed),
                                       outcome("D", .invalid, reasons: ["INVALID_EMAIL"]), outcome("F", .invalid)],
                        violations: ["C", "F", "F"])
        let (_, c3, t3) = try recordComplete(history, r3)
        #expect(c3.previousAsOf?.iso == "2018-11-07")
        #expect(ids(c3.newlyBlocked) == [])
        #expect(ids(c3.newlyConfirmed) == ["C"])
        #expect(ids(c3.newlyInvalid) == [])
        #expect(ids(c3.resolved) == ["a", "C"])
        #expect(ids(c3.newViolations) == ["F"])
        #expect(c3.newViolations[0].before?.violations == 0)
        #expect(c3.newViolations[0].after.violations == 2)
        #expect(c3.resolved[0].before?.status == .invalid)
        #expect(c3.resolved[0].after.status == .outOfScope)
        #expect(t3.map(\.asOf.iso) == ["2018-11-05", "2018-11-07", "2018-11-08"])
        #expect(t3.map(\.summary.blockedNewOrders) == [3, 4, 2])
        // A's outcome over time, whatever case its id was written in.
        #expect(try history.customerHistory("A").map(\.state.status) == [.confirmed, .invalid, .outOfScope])
        #expect(try history.customerHistory(" a ").map(\.customerId) == ["A", "A", "a"])
    }

    @Test func aRunIsComparedWithTheNewestCompleteRunBeforeItsAsOf() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .unconfirmed)]))
        try recordComplete(history, result("2018-11-09", [outcome("A", .confirmed)]))
        // Re-running the 8th compares with the 7th, not with the later 9th; the trend stops at the 8th.
        let (_, changes, trend) = try recordComplete(history, result("2018-11-08", [outcome("A", .invalid)]))
        #expect(changes.previousAsOf?.iso == "2018-11-07")
        #expect(ids(changes.newlyInvalid) == ["A"])
        #expect(ids(changes.newlyBlocked) == [])
        #expect(trend.map(\.asOf.iso) == ["2018-11-07", "2018-11-08"])
        // A pending run is never the one compared with.
        _ = try history.begin(result("2018-11-10", [outcome("A", .unconfirmed)]), outDir: "/reports", exitCode: 0)
        #expect(try history.previousRun(before: day("2018-11-11"))?.asOf.iso == "2018-11-09")
    }

    @Test func theTrendKeepsTheLastRuns() throws {
        let file = try HistoryFile()
        let history = try file.open()
        for n in 1...6 { try recordComplete(history, result("2018-11-0\(n)", [outcome("A", .confirmed)])) }
        let (_, _, trend) = try recordComplete(history, result("2018-11-07", [outcome("A", .confirmed)]), trendLimit: 3)
        #expect(trend.map(\.asOf.iso) == ["2018-11-05", "2018-11-06", "2018-11-07"])
    }
}

@Suite struct ChangeClassifierTests {
    static let allowed = CustomerSnapshot(status: .confirmed, reasons: [], newOrders: .allowed, seatChanges: .allowed, seats: 2, violations: 0)
    static let atRisk = CustomerSnapshot(status: .unconfirmed, reasons: ["NO_CONFIRMATION"], newOrders: .blockedAtCutover,
                                         seatChanges: .blockedAtCutover, seats: 2, violations: 0)
    static let blocked = CustomerSnapshot(status: .unconfirmed, reasons: ["NO_CONFIRMATION"], newOrders: .blocked,
                                          seatChanges: .blocked, seats: 2, violations: 0)
    static let invalid = CustomerSnapshot(status: .invalid, reasons: ["MISSING_EMAIL"], newOrders: .blocked,
                                          seatChanges: .blocked, seats: 2, violations: 0)
    static let outOfScope = CustomerSnapshot(status: .outOfScope, reasons: ["CLOUD_NOT_SUPPORTED"], newOrders: .allowed,
                                             seatChanges: .allowed, seats: 2, violations: 0)
    static func violating(_ s: CustomerSnapshot, _ n: Int) -> CustomerSnapshot { var s = s; s.violations = n; return s }

    @Test(arguments: [
        (nil, allowed, ["newlyConfirmed"]),
        (nil, blocked, ["newlyBlocked"]),
        (nil, invalid, ["newlyBlocked", "newlyInvalid"]),
        (nil, violating(blocked, 1), ["newlyBlocked", "newViolations"]),
        (nil, outOfScope, []),
        (allowed, allowed, []),
        (allowed, atRisk, ["newlyBlocked"]),
        (atRisk, blocked, ["newlyBlocked"]),
        (blocked, atRisk, []),
        (blocked, invalid, ["newlyInvalid"]),
        (invalid, blocked, []),
        (blocked, allowed, ["newlyConfirmed", "resolved"]),
        (atRisk, outOfScope, ["resolved"]),
        (outOfScope, allowed, ["newlyConfirmed"]),
        (violating(blocked, 2), violating(blocked, 3), ["newViolations"]),
        (violating(blocked, 3), violating(blocked, 2), []),
    ] as [(CustomerSnapshot?, CustomerSnapshot, [String])])
    func lists(before: CustomerSnapshot?, after: CustomerSnapshot, expected: [String]) {
        var changes = RunChanges()
        changes.record(CustomerChange(customerId: "X", companyName: "X Ltd", before: before, after: after))
        #expect(changes.lists.filter { !$0.changes.isEmpty }.map(\.name) == expected)
        #expect(changes.isEmpty == expected.isEmpty)
    }

    @Test func listsAreSortedLikeTheCustomers() {
        var changes = RunChanges()
        for id in ["b", "C", "a", "B2"] {
            changes.record(CustomerChange(customerId: id, companyName: id, before: nil, after: ChangeClassifierTests.blocked))
        }
        changes.sortInCustomerOrder()
        #expect(ids(changes.newlyBlocked) == ["a", "b", "B2", "C"])
    }
}

@Suite struct RunHistoryRecordPendingTests {
    struct ReportFailed: Error {}

    @Test func recordsTheRunWithItsManifestAndHandsTheWriterChangesAndTrend() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .unconfirmed)]))
        var handed: (RunChanges, [TrendPoint])?
        var run = try history.recordPending(result("2018-11-08", [outcome("A", .confirmed)]), outDir: "/reports",
                                            exitCode: 1, trendLimit: 30) { changes, trend in
            handed = (changes, trend)
            return "manifest-sha"
        }
        #expect(run.state == .pending)
        #expect(run.manifestSHA256 == "manifest-sha")
        #expect(handed.map { ids($0.0.newlyConfirmed) } == ["A"])
        #expect(handed.map { $0.1.map(\.asOf.iso) } == ["2018-11-07", "2018-11-08"])
        #expect(try history.pendingRuns().map(\.manifestSHA256) == ["manifest-sha"])
        try history.complete(&run)
        #expect(try history.runs().map(\.exitCode) == [1, 0])
    }

    @Test func aReportThatCannotBeWrittenLeavesTheHistoryFileAsItWas() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .unconfirmed)]))
        let before = try Data(contentsOf: URL(fileURLWithPath: file.path))
        #expect(throws: ReportFailed.self) {
            _ = try history.recordPending(result("2018-11-08", [outcome("A", .confirmed), outcome("B", .invalid)]),
                                          outDir: "/reports", exitCode: 0, trendLimit: 30) { _, _ in throw ReportFailed() }
        }
        #expect(try history.pendingRuns().isEmpty)
        #expect(try history.customerHistory("B").isEmpty)
        // Reopening (as the next run does) changes nothing either.
        _ = try file.open()
        #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)) == before)
    }
}

@Suite struct RunHistoryRecoveryTests {
    @Test func aRunKilledBeforeItsReportWasWrittenIsDiscarded() throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-07", [outcome("A", .confirmed)]))
        let pending = try history.begin(result("2018-11-08", [outcome("A", .confirmed)]), outDir: "/reports", exitCode: 0)
        var asked: [Int64] = []
        let done = try history.recover(outDir: "/reports") { asked.append($0.id); return true }
        // With no manifest SHA-256 the report was never written: nothing to ask about.
        #expect(asked == [])
        #expect(done.count == 1)
        #expect(done.first == .discarded(pending))
        #expect(try history.runs().map(\.asOf.iso) == ["2018-11-07"])
        #expect(try history.customerHistory("A").count == 1)
    }

    @Test(arguments: [true, false])
    func aRunKilledAroundThePublishIsSettledByWhatWasPublished(published: Bool) throws {
        let file = try HistoryFile()
        let history = try file.open()
        try recordComplete(history, result("2018-11-08", [outcome("A", .unconfirmed)]))
        // A re-run of the 8th, killed after recording the manifest: the old run stays until settled.
        var pending = try history.begin(result("2018-11-08", runDate: "2018-11-10", [outcome("A", .confirmed)]),
                                        outDir: "/reports", exitCode: 0)
        try history.setManifest(&pending, sha256: "new-sha")
        var offered: [HistoryRun] = []
        let done = try history.recover(outDir: "/reports") { run in
            offered.append(run)
            return published
        }
        #expect(offered.map(\.manifestSHA256) == ["new-sha"])
        #expect(offered.map(\.reportFolder) == ["/reports/2018-11-08"])
        pending.state = .complete
        if published {
            #expect(done == [.completed(pending)])
            #expect(try history.runs().map(\.runDate.iso) == ["2018-11-10"])
            #expect(try history.customerHistory("A").map(\.state.status) == [.confirmed])
        } else {
            pending.state = .pending
            #expect(done == [.discarded(pending)])
            #expect(try history.runs().map(\.runDate.iso) == ["2018-11-08"])
            #expect(try history.customerHistory("A").map(\.state.status) == [.unconfirmed])
        }
        #expect(try history.pendingRuns().isEmpty)
        #expect(try history.recover(outDir: "/reports") { _ in true } == [])
    }

    @Test func pendingRunsOfAnotherReportsFolderAreLeftAlone() throws {
        let file = try HistoryFile()
        let history = try file.open()
        let other = try history.begin(result("2018-11-08", [outcome("A", .confirmed)]), outDir: "/elsewhere", exitCode: 0)
        #expect(try history.recover(outDir: "/reports") { _ in true } == [])
        #expect(try history.pendingRuns() == [other])
    }

    @Test func aCompletedRunCannotBeMarkedAgainOrGivenAManifest() throws {
        let file = try HistoryFile()
        let history = try file.open()
        var run = try recordComplete(history, result("2018-11-08", [outcome("A", .confirmed)])).run
        #expect(throws: HistoryError.self) { try history.setManifest(&run, sha256: "x") }
    }
}
