import Foundation
import MCATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The runs `history --format json` lists, as (asOf, summary).
func listedRuns(_ out: URL, _ extra: [String] = []) throws -> [(asOf: String, summary: NSDictionary)] {
    let list = try MCAAuditBinary.run(["history", "--out", out.path, "--format", "json"] + extra)
    try #require(list.status == 0, "history exited \(list.status): \(list.stderr)")
    let runs = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
    return runs.map { ($0["asOf"] as? String ?? "?", $0["summary"] as? NSDictionary ?? [:]) }
}

/// One customer's outcomes by as-of date, as `history --customer ID --format json` gives them.
func timeline(_ out: URL, _ id: String) throws -> [String: NSDictionary] {
    let run = try MCAAuditBinary.run(["history", "--out", out.path, "--customer", id, "--format", "json"])
    guard run.status == 0 else { return [:] }
    let outcomes = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["outcomes"] as? [[String: Any]] ?? []
    var byDate: [String: NSDictionary] = [:]
    for outcome in outcomes { byDate[outcome["asOf"] as? String ?? "?"] = outcome as NSDictionary }
    return byDate
}

@Suite(.serialized) struct HistoryPruneCommandTests {
    @Test func pruneKeepsTheNewestRunsAndWhatTheyReport() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        _ = try HistoryRunTests().threeNights(tmp, out: out)
        let runs = try listedRuns(out)
        let before = try timeline(out, "c")
        let report = try jsonObject(out.appendingPathComponent("2018-11-08/report.json"))

        let prune = try MCAAuditBinary.run(["history", "--prune", "--keep", "2", "--out", out.path])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("kept the 2 newest runs, removed 1 run as of 2018-11-05…2018-11-05"), "\(prune.stdout)")
        let kept = try listedRuns(out)
        #expect(kept.map(\.asOf) == ["2018-11-08", "2018-11-07"])
        #expect(kept.map(\.summary) == runs.prefix(2).map(\.summary))
        // C's outcomes in the kept runs, as they were.
        #expect(before.count == 3)
        #expect(try timeline(out, "c") == before.filter { $0.key != "2018-11-05" })
        // Re-running the 8th compares with the kept 7th: the same changes; the trend lacks the 5th.
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night3)
        let rerun = try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-08", out: out))
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let again = try jsonObject(out.appendingPathComponent("2018-11-08/report.json"))
        #expect((again["changes"] as? NSDictionary) == (report["changes"] as? NSDictionary))
        #expect((again["trend"] as? NSArray) == NSArray(array: Array((report["trend"] as? [Any] ?? []).dropFirst())))
        #expect((again["trend"] as? [Any])?.count == 2)
        // The file is still a history the listing reads, and pruning again removes nothing.
        let nothing = try MCAAuditBinary.run(["history", "--prune", "--keep", "2", "--out", out.path])
        #expect(nothing.stdout.contains("no run removed"), "\(nothing.stdout)")
    }

    @Test func historyKeepPrunesAfterEachRun() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = NightlyExports(folder: tmp.url)
        for (night, asOf) in [(HistoryRunTests.night1, "2018-11-05"), (HistoryRunTests.night2, "2018-11-07"),
                              (HistoryRunTests.night3, "2018-11-08"), (HistoryRunTests.night3, "2018-11-09")] {
            try exports.write(night)
            let run = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out) + ["--history-keep", "2"])
            try #require(run.status == 0, "\(run.stderr)")
        }
        #expect(try listedRuns(out).map(\.asOf) == ["2018-11-09", "2018-11-08"])
        // The report folders are --keep's business, not --history-keep's.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("2018-11-05/report.json").path))
        let report = try jsonObject(out.appendingPathComponent("2018-11-09/report.json"))
        #expect(((report["changes"] as? [String: Any])?["previousAsOf"] as? String) == "2018-11-08")
    }

    @Test(arguments: [
        ["history", "--prune"], ["history", "--keep", "2"], ["history", "--prune", "--keep", "0"],
        ["history", "--prune", "--keep", "2", "--customer", "c"],
    ])
    func pruneUsageErrors(arguments: [String]) throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try MCAAuditBinary.run(arguments + ["--out", tmp.url.path])
        #expect(run.status == 64, "\(run.stderr)")
    }

    @Test func auditHistoryKeepUsageErrors() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        let out = tmp.url.appendingPathComponent("reports")
        #expect(try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--history-keep", "0"]).status == 64)
        #expect(try MCAAuditBinary.run(exports.arguments(asOf: "2018-11-05", out: out) + ["--history-keep", "3", "--no-history"]).status == 64)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func pruneWaitsForNoRunAndMissingHistoryIs66() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        #expect(try MCAAuditBinary.run(["history", "--prune", "--keep", "1", "--out", out.path]).status == 66)
        let exports = NightlyExports(folder: tmp.url)
        try exports.write(HistoryRunTests.night1)
        for asOf in ["2018-11-05", "2018-11-06"] {
            try #require(try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out)).status == 0)
        }
        let fd = open(out.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o640)
        try #require(fd >= 0)
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let locked = try MCAAuditBinary.run(["history", "--prune", "--keep", "1", "--out", out.path])
        flock(fd, LOCK_UN)
        close(fd)
        #expect(locked.status == 75, "\(locked.stderr)")
        #expect(try listedRuns(out).map(\.asOf) == ["2018-11-06", "2018-11-05"])
    }
}

extension HistoryCrashTests {
    /// Prunes SIGKILLed at random moments, `history --prune` (its transaction, VACUUM or checkpoint)
    /// and `audit --history-keep` alike: afterwards the history lists either every run or the kept
    /// ones, each with the counts and customer outcomes it had, and agrees with `latest`.
    @Test func prunesKilledAtRandomMomentsLeaveTheHistoryConsistent() throws {
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let out = tmp.url.appendingPathComponent("reports")
        let exports = try LargeExports(folder: tmp.url, customers: 20_000, megabytes: 4)
        let seed = UInt64(ProcessInfo.processInfo.environment["MCA_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix(state: seed)
        let note = "MCA_KILL_SEED=\(seed)"
        let sample = ["CUST-0", "CUST-1", "CUST-2", "CUST-17", "CUST-19999"]
        // What every run reported when it was recorded: counts and the sample customers' outcomes.
        var counts: [String: NSDictionary] = [:]
        var outcomes: [String: [String: NSDictionary]] = [:]
        func remember() throws {
            for run in try listedRuns(out) { counts[run.asOf] = counts[run.asOf] ?? run.summary }
            for id in sample { outcomes[id, default: [:]].merge(try timeline(out, id)) { old, _ in old } }
        }
        func expectUnchanged(_ note: String) throws -> [String] {
            let runs = try listedRuns(out)
            // A run killed meanwhile may be listed before anything is known of it.
            let known = runs.filter { counts[$0.asOf] != nil }
            for run in known { #expect(run.summary == counts[run.asOf], "\(note): \(run.asOf)") }
            let dates = Set(known.map(\.asOf))
            for id in sample {
                let now = try timeline(out, id)
                #expect(now.filter { dates.contains($0.key) } == (outcomes[id] ?? [:]).filter { dates.contains($0.key) }, "\(note): \(id)")
            }
            let check = try runPython3("import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
                                       out.appendingPathComponent("history.sqlite").path)
            #expect(check == "ok\n", "\(note)")
            return runs.map(\.asOf)
        }

        var nights = (1...30).map { "2018-11-\($0 < 10 ? "0" : "")\($0)" }.makeIterator()
        for _ in 0..<4 {
            let next = nights.next()
            let asOf = try #require(next)
            try #require(try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out)).status == 0)
        }
        try remember()
        // How long a prune takes that removes nothing (it still rewrites the file).
        let started = Date()
        try #require(try MCAAuditBinary.run(["history", "--prune", "--keep", "100", "--out", out.path]).status == 0)
        let pruneDuration = Date().timeIntervalSince(started)

        var killed = 0, pruned = 0, left = 0
        for round in 1...14 {
            let runsBefore = try listedRuns(out).map(\.asOf)
            let keep = 2 + round % 2
            let viaAudit = round % 4 == 0
            let asOf = viaAudit ? nights.next() ?? "" : ""
            let victim = viaAudit
                ? try MCAAuditBinary.start(exports.arguments(asOf: asOf, out: out) + ["--history-keep", "\(keep)"])
                : try MCAAuditBinary.start(["history", "--prune", "--keep", "\(keep)", "--out", out.path])
            let span = viaAudit ? 3.0 : pruneDuration * 1.2
            usleep(UInt32(Double.random(in: 0...span, using: &random) * 1_000_000))
            kill(victim.process.processIdentifier, SIGKILL)
            victim.process.waitUntilExit()
            if victim.process.terminationReason == .uncaughtSignal { killed += 1 }
            let after = try expectUnchanged("\(note) round \(round), after the kill")
            let newest = runsBefore + (viaAudit ? [asOf] : [])
            let expectedAfterPrune = Array(newest.sorted().suffix(keep).reversed())
            if viaAudit {
                // The killed run's own entry is there or not; the older ones are all or the kept ones.
                let older = after.filter { $0 != asOf }
                #expect(older == runsBefore || older == expectedAfterPrune.filter { $0 != asOf }, "\(note) round \(round): \(after)")
                try expectConsistent(out, "\(note) round \(round)")
                // The night again, undisturbed, and what it reports remembered.
                let next = try MCAAuditBinary.run(exports.arguments(asOf: asOf, out: out))
                #expect(next.status == 0, "\(note) round \(round): \(next.stderr)")
                try remember()
            } else {
                if after == runsBefore { left += 1 } else { pruned += 1 }
                #expect(after == runsBefore || after == expectedAfterPrune, "\(note) round \(round): \(runsBefore) → \(after)")
            }
            // A new night now and then, so that there is something to prune.
            if round % 3 == 0, let night = nights.next() {
                try #require(try MCAAuditBinary.run(exports.arguments(asOf: night, out: out)).status == 0)
                try remember()
            }
        }
        #expect(killed >= 6, "\(note): only \(killed) of 14 were killed")
        print("prune kill loop \(note): \(killed) killed; history --prune found done \(pruned), not done \(left); a prune takes \(pruneDuration) s")
    }
}
