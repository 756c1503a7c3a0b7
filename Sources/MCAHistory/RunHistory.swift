#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import MCAModel

/// The run history (docs/operations.md, "Run history"): one SQLite file with every run's counts and
/// what each run changed, from which every customer's outcome in every run can be read back (see
/// `HistoryTables`).
///
/// A run goes through it in steps, so that the history and the published report can never
/// disagree after a crash (see `recover(outDir:finishPublish:)`):
/// 1. `recordPending`, in one transaction: record the run as `pending` with the customers that
///    differ from the run it is compared with (`changes`), take the counts of the complete runs
///    before it (`trend`), have the report written
///    into its temporary folder, and record the SHA-256 of its `manifest.json`;
/// 2. the caller publishes the report (rename into place, switch `latest`);
/// 3. `complete` marks the run complete and gives it its place among the complete runs, replacing
///    a complete run of the same as-of date, in the same transaction.
/// Only complete runs are ever compared with, listed or counted.
public final class RunHistory: Sendable {
    /// The history file.
    public let path: String
    private let queue: DatabaseQueue

    /// Opens the history file, creating it (mode 0640) when missing, and brings its tables up to date.
    /// - Throws: `HistoryError` when the file cannot be created or opened, is not a history, or was
    ///   written by a newer mca-audit.
    public init(path: String) throws {
        self.path = path
        try RunHistory.createIfMissing(path)
        var config = Configuration()
        config.label = "mca-audit history"
        // A waiting writer (or a reader during a commit) retries rather than failing at once.
        config.busyMode = .timeout(30)
        let migrator = HistorySchema.migrator
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            // WAL lets a `history` listing read while a run writes. Set once, when the file is new:
            // it is a property of the file, and GRDB's own WAL set-up writes to the file at every
            // open, which would make a run that fails change the history. Default synchronous
            // (FULL): a commit is on disk before the report it describes is published.
            try queue.writeWithoutTransaction { db in
                if try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                }
            }
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw HistoryError(path: path, reason: "written by a newer mca-audit (unknown schema version); use that version or another --history file")
            }
            if try !queue.read({ try migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(queue)
                // Creating or converting the tables took several transactions: their pages go into
                // the file now, so the write-ahead log starts small again (on a nearly full disk the
                // checkpoint at close needs room for both).
                try queue.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(path: path, reason: "cannot open the run history: \(RunHistory.describe(error))")
        }
    }

    // MARK: Recording a run

    /// Records a run as `pending` and has its report written, in ONE transaction, so that a run
    /// whose report cannot be written leaves the history file as it was:
    /// 1. inserts the run, compares its customers with the newest complete run with an earlier
    ///    as-of date (`changes`) and stores those that differ;
    /// 2. takes the counts of the runs before it (`trend`, at most `trendLimit` points with this run);
    /// 3. calls `writeReport` with them, which writes the report files and returns the SHA-256 of
    ///    their `manifest.json`;
    /// 4. stores that SHA-256 (by which recovery recognises the published report) and commits.
    /// Publish the report after this returns, then call `complete`.
    /// - Parameters:
    ///   - result: The evaluated run.
    ///   - outDir: The absolute path of the reports folder it will be published into.
    ///   - exitCode: The exit code the run will end with once published (0 or 1).
    ///   - recordedAt: Wall-clock time, kept for people reading the history; never in a report.
    /// - Returns: The pending run.
    /// - Throws: what `writeReport` throws, or `HistoryError`; either way nothing was recorded.
    public func recordPending(_ result: AuditResult, outDir: String, exitCode: Int32, trendLimit: Int,
                              recordedAt: Date = Date(),
                              writeReport: (RunChanges, [TrendPoint]) throws -> String) throws -> HistoryRun {
        var failure: (any Error)?
        do {
            return try write { db in
                var (run, changes) = try RunHistory.insert(result, outDir: outDir, exitCode: exitCode, recordedAt: recordedAt,
                                                           in: db, path: path)
                let trend = try RunHistory.trend(for: run, limit: trendLimit, in: db, path: path)
                let sha: String
                do { sha = try writeReport(changes, trend) } catch {
                    // Not a history error: rethrown as it is, once the transaction is rolled back.
                    failure = error
                    throw error
                }
                try RunHistory.setManifest(id: run.id, sha256: sha, in: db, path: path)
                run.manifestSHA256 = sha
                return run
            }
        } catch {
            throw failure ?? error
        }
    }

    /// Records a run as `pending` with the customers that differ from the run it is compared with,
    /// in one transaction (the first step of `recordPending`, on its own).
    public func begin(_ result: AuditResult, outDir: String, exitCode: Int32, recordedAt: Date = Date()) throws -> HistoryRun {
        try write { db in
            try RunHistory.insert(result, outDir: outDir, exitCode: exitCode, recordedAt: recordedAt, in: db, path: path).run
        }
    }

    /// Records the run as pending against the newest complete run with an earlier as-of date (the
    /// one it is compared with): only the customers that differ from it are stored.
    private static func insert(_ result: AuditResult, outDir: String, exitCode: Int32, recordedAt: Date,
                               in db: Database, path: String) throws -> (run: HistoryRun, changes: RunChanges) {
        let previous = try RunHistory.previousRun(before: result.asOf, in: db, path: path)
        var run = HistoryRun(
            id: 0, outDir: outDir, asOf: result.asOf, runDate: result.runDate, timeZone: result.timeZone,
            phase: result.phase, state: .pending, manifestSHA256: nil,
            policyJSON: RunHistory.json(result.policy),
            inputs: result.inputs.map(InputFingerprint.init), exitCode: exitCode, summary: result.summary,
            recordedAt: RunHistory.timestamp(recordedAt))
        let s = run.summary
        try db.execute(sql: """
            INSERT INTO run (out_dir, as_of, run_date, time_zone, phase, state, manifest_sha256, policy, inputs,
                exit_code, customers, confirmed, unconfirmed, invalid, out_of_scope, blocked_new_orders,
                blocked_seat_changes, seats_affected, violations, rows_rejected, warnings, other_agreement_types,
                recorded_at, base_run_id)
            VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                run.outDir, run.asOf.iso, run.runDate.iso, run.timeZone, run.phase.rawValue, run.policyJSON,
                RunHistory.json(run.inputs), Int(run.exitCode), s.customers, s.count(.confirmed),
                s.count(.unconfirmed), s.count(.invalid), s.count(.outOfScope), s.blockedNewOrders,
                s.blockedSeatChanges, s.seatsAffected, s.violations, s.rowsRejected, s.warnings,
                s.otherAgreementTypes, run.recordedAt, previous?.id,
            ])
        run.id = db.lastInsertedRowID
        let changes = try RunDelta.record(result, run: run.id, against: previous, in: db, path: path)
        return (run, changes)
    }

    /// Records the SHA-256 of the pending run's `manifest.json` (the last step of `recordPending`, on its own).
    public func setManifest(_ run: inout HistoryRun, sha256: String) throws {
        let id = run.id
        try write { db in try RunHistory.setManifest(id: id, sha256: sha256, in: db, path: path) }
        run.manifestSHA256 = sha256
    }

    private static func setManifest(id: Int64, sha256: String, in db: Database, path: String) throws {
        try db.execute(sql: "UPDATE run SET manifest_sha256 = ? WHERE id = ? AND state = 'pending'", arguments: [sha256, id])
        guard db.changesCount == 1 else { throw HistoryError(path: path, reason: "run \(id) is no longer pending") }
    }

    /// Marks a pending run complete once its report is published; a complete run of the same as-of
    /// date is removed in the same transaction (a re-run replaces it).
    public func complete(_ run: inout HistoryRun) throws {
        let id = run.id
        let first = try write { db in try HistoryChain.complete(run: id, in: db, path: self.path) }
        run.state = .complete
        // The first run's customers were written twice (pending, then `customer_state`): half the
        // file is free. At a large partner that is worth giving back now rather than leaving for a
        // hundred nights of changes to fill; a small history (or a small disk, where the rewrite
        // may not fit) is left alone. The run is complete whether or not this succeeds.
        if first, (try? freeBytes()) ?? 0 >= RunHistory.firstRunCompactionBytes { try? compact() }
    }

    /// Removes a pending run whose report was not published (its rows go with it; no other run is
    /// recorded against a pending one).
    public func discard(_ run: HistoryRun) throws {
        let id = run.id
        try write { db in try db.execute(sql: "DELETE FROM run WHERE id = ? AND state = 'pending'", arguments: [id]) }
    }

    // MARK: Pruning

    /// Removes all but the `keep` newest complete runs (by as-of date; at least 1), in one
    /// transaction: what the kept runs report (`changes`, `trend`, a customer's timeline) stays the
    /// same, and a prune killed at any moment leaves the history as it was. Pending runs stay.
    /// The file keeps its size until `compact`.
    /// - Returns: The runs removed, oldest first.
    @discardableResult
    public func prune(keep: Int) throws -> [HistoryRun] {
        try write { db in
            let all = try Row.fetchAll(db, sql: "SELECT * FROM run WHERE state = 'complete' ORDER BY as_of")
                .map { try RunHistory.run(from: $0, path: self.path) }
            let removed = Set(try HistoryChain.prune(keep: keep, in: db, path: self.path))
            return all.filter { removed.contains($0.id) }
        }
    }

    /// Free space worth compacting after a history's first run: about 80,000 customers' rows.
    static let firstRunCompactionBytes = 8 << 20

    /// The bytes of the file's free pages.
    func freeBytes() throws -> Int {
        try read { db in
            (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
    }

    /// The share of the file's pages that are free (left by removed runs), from 0 to 1.
    public func freeFraction() throws -> Double {
        try read { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            return pages > 0 ? Double(free) / Double(pages) : 0
        }
    }

    /// Rewrites the file without its free pages (VACUUM), then empties the write-ahead log into it.
    /// VACUUM is one transaction: killed, or failing for want of disk space, it leaves the history
    /// as it was, only not smaller.
    public func compact() throws {
        func checkpoint() throws {
            try queue.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        do {
            try queue.vacuum()
            try checkpoint()
        } catch {
            // A failed VACUUM leaves its pages in the write-ahead log: give that space back too.
            try? checkpoint()
            throw wrap(error)
        }
    }

    /// Settles the runs that a killed process left `pending` in `outDir` (call it holding the lock on
    /// `outDir`, before anything else reads the history).
    ///
    /// A pending run whose manifest SHA-256 is known is offered to `finishPublish`, which returns
    /// whether `outDir/<as-of>/manifest.json` has that SHA-256 — after pointing `latest` at the
    /// folder, the step the killed run may not have reached. If so, the run becomes complete;
    /// otherwise (or with no SHA-256: the report was never written) it is removed.
    /// Pending runs of other reports folders are left alone: their own runs settle them.
    /// - Returns: What was done, oldest run first.
    @discardableResult
    public func recover(outDir: String, finishPublish: (HistoryRun) -> Bool) throws -> [RecoveredRun] {
        let pending = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run WHERE state = 'pending' AND out_dir = ? ORDER BY id", arguments: [outDir])
                .map { try RunHistory.run(from: $0, path: self.path) }
        }
        var done: [RecoveredRun] = []
        for var run in pending {
            if run.manifestSHA256 != nil, finishPublish(run) {
                try complete(&run)
                done.append(.completed(run))
            } else {
                try discard(run)
                done.append(.discarded(run))
            }
        }
        return done
    }

    // MARK: Comparing runs

    /// The newest complete run with an as-of date before `asOf`: the one a run is compared with.
    public func previousRun(before asOf: DayDate) throws -> HistoryRun? {
        try read { db in try RunHistory.previousRun(before: asOf, in: db, path: path) }
    }

    /// What changed between `previous` and `run` (both recorded); empty lists when there is no previous run.
    public func changes(for run: HistoryRun, since previous: HistoryRun?) throws -> RunChanges {
        // Writes temporary tables only; the transaction leaves the file as it was.
        try write { db in try RunHistory.changes(for: run, since: previous, in: db, path: path) }
    }

    /// The counts of up to `limit` runs ending with `run`: the complete runs with an earlier as-of
    /// date, then `run` itself, oldest first.
    public func trend(for run: HistoryRun, limit: Int) throws -> [TrendPoint] {
        try read { db in try RunHistory.trend(for: run, limit: limit, in: db, path: path) }
    }

    private static func previousRun(before asOf: DayDate, in db: Database, path: String) throws -> HistoryRun? {
        try Row.fetchOne(db, sql: "SELECT * FROM run WHERE state = 'complete' AND as_of < ? ORDER BY as_of DESC LIMIT 1",
                         arguments: [asOf.iso])
            .map { try RunHistory.run(from: $0, path: path) }
    }

    private static func changes(for run: HistoryRun, since previous: HistoryRun?, in db: Database, path: String) throws -> RunChanges {
        guard let previous else { return RunChanges() }
        var changes = RunChanges(previousAsOf: previous.asOf, previousRunDate: previous.runDate)
        defer { HistoryChain.drop("mca_after", "mca_before", in: db) }
        try HistoryChain.materialize(run: run.id, into: "mca_after", in: db, path: path)
        try HistoryChain.materialize(run: previous.id, into: "mca_before", in: db, path: path)
        // Only rows where something `changes` looks at differs; the lists are decided in Swift.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT c.customer_key, \(HistoryTables.valueList("c")), p.customer_key, \(HistoryTables.valueList("p"))
            FROM temp.mca_after c LEFT JOIN temp.mca_before p ON p.customer_key = c.customer_key
            WHERE p.status IS NULL OR p.status <> c.status OR p.new_orders <> c.new_orders
               OR p.seat_changes <> c.seat_changes OR p.violations < c.violations
            """)
        while let row = try rows.next() {
            guard let after = try StoredOutcome(row, at: 0, path: path) else { continue }
            let before = try StoredOutcome(row, at: 10, path: path)
            changes.record(CustomerChange(customerId: after.customerId, companyName: after.companyName, before: before?.state,
                                          after: after.state))
        }
        changes.sortInCustomerOrder()
        return changes
    }

    private static func trend(for run: HistoryRun, limit: Int, in db: Database, path: String) throws -> [TrendPoint] {
        guard limit > 0 else { return [] }
        let earlier = try Row.fetchAll(db, sql: "SELECT * FROM run WHERE state = 'complete' AND as_of < ? ORDER BY as_of DESC LIMIT ?",
                                       arguments: [run.asOf.iso, limit - 1])
            .map { try RunHistory.run(from: $0, path: path) }
        return earlier.reversed().map(\.trendPoint) + [run.trendPoint]
    }

    // MARK: Listing

    /// Complete runs, newest as-of date first; at most `limit` of them when given.
    public func runs(limit: Int? = nil) throws -> [HistoryRun] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run WHERE state = 'complete' ORDER BY as_of DESC LIMIT ?",
                             arguments: [limit ?? -1])
                .map { try RunHistory.run(from: $0, path: self.path) }
        }
    }

    /// Runs still `pending` (of any reports folder), oldest first.
    public func pendingRuns() throws -> [HistoryRun] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run WHERE state = 'pending' ORDER BY id")
                .map { try RunHistory.run(from: $0, path: self.path) }
        }
    }

    /// One customer's outcome in every complete run that had it, oldest first. The id is compared
    /// case-insensitively, as in the evaluation.
    public func customerHistory(_ customerId: String) throws -> [CustomerRunEntry] {
        let key = customerKey(trimmed(customerId))
        return try read { db in
            // Newest run first: its row is in `customer_state`; each older run has a row where the
            // customer differs from the run after it, and is as in the run after it otherwise.
            var current = try Row.fetchOne(db, sql: "SELECT customer_key, \(HistoryTables.valueList) FROM customer_state WHERE customer_key = ?",
                                           arguments: [key])
                .flatMap { try StoredOutcome($0, at: 0, path: self.path) }
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.as_of, r.run_date, c.run_id IS NOT NULL, c.customer_key, \(HistoryTables.valueList("c"))
                FROM run r LEFT JOIN customer_change c ON c.run_id = r.id AND c.customer_key = ?
                WHERE r.state = 'complete'
                ORDER BY r.as_of DESC
                """, arguments: [key])
            var entries: [CustomerRunEntry] = []
            for row in rows {
                if row[2] as Bool { current = try StoredOutcome(row, at: 3, path: self.path) }
                guard let outcome = current else { continue }
                entries.append(CustomerRunEntry(asOf: try RunHistory.date(row[0], path: self.path),
                                                runDate: try RunHistory.date(row[1], path: self.path),
                                                customerId: outcome.customerId, companyName: outcome.companyName,
                                                confirmedOn: outcome.confirmedOn, state: outcome.state))
            }
            return entries.reversed()
        }
    }

    // MARK: Internals

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw wrap(error) }
    }

    @discardableResult
    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw wrap(error) }
    }

    private func wrap(_ error: any Error) -> HistoryError {
        if let error = error as? HistoryError { return error }
        return HistoryError(path: path, reason: RunHistory.describe(error))
    }

    private static func createIfMissing(_ path: String) throws {
        // Created here rather than by SQLite so it gets the reports' mode; SQLite gives its -wal and
        // -shm files the mode of the database file.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw HistoryError(path: path, reason: "cannot create the run history: \(String(cString: strerror(errno)))")
        }
        close(fd)
    }

    private static func run(from row: Row, path: String) throws -> HistoryRun {
        let id: Int64 = row["id"]
        func text(_ column: String) throws -> String {
            guard let value = row[column] as String? else { throw HistoryError(path: path, reason: "run \(id): no \(column)") }
            return value
        }
        guard let phase = Phase(rawValue: try text("phase")), let state = RunState(rawValue: try text("state")) else {
            throw HistoryError(path: path, reason: "run \(id): unknown phase or state")
        }
        var summary = Summary()
        summary.customers = row["customers"]
        // Only the statuses that occur, as the evaluator counts them.
        for (status, column) in [(CustomerStatus.confirmed, "confirmed"), (.unconfirmed, "unconfirmed"), (.invalid, "invalid"),
                                 (.outOfScope, "out_of_scope")] {
            let count: Int = row[column]
            if count != 0 { summary.byStatus[status] = count }
        }
        summary.blockedNewOrders = row["blocked_new_orders"]
        summary.blockedSeatChanges = row["blocked_seat_changes"]
        summary.seatsAffected = row["seats_affected"]
        summary.violations = row["violations"]
        summary.rowsRejected = row["rows_rejected"]
        summary.warnings = row["warnings"]
        summary.otherAgreementTypes = row["other_agreement_types"]
        let inputs = (try? JSONDecoder().decode([InputFingerprint].self, from: Data(try text("inputs").utf8))) ?? []
        return HistoryRun(
            id: id, outDir: try text("out_dir"), asOf: try date(try text("as_of"), path: path),
            runDate: try date(try text("run_date"), path: path), timeZone: try text("time_zone"), phase: phase,
            state: state, manifestSHA256: row["manifest_sha256"], policyJSON: try text("policy"), inputs: inputs,
            exitCode: Int32(truncatingIfNeeded: row["exit_code"] as Int), summary: summary,
            recordedAt: try text("recorded_at"))
    }

    private static func date(_ text: String, path: String) throws -> DayDate {
        guard let date = DayDate(iso: text) else { throw HistoryError(path: path, reason: "unreadable date '\(text)'") }
        return date
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}

/// The key a customer is recorded under: its id with ASCII letters lower-cased, the way the
/// evaluation joins ids (docs/inputs.md, "Field names": compared case-insensitively).
func customerKey(_ id: String) -> String {
    var bytes = Array(id.utf8)
    var changed = false
    for i in bytes.indices where bytes[i] >= UInt8(ascii: "A") && bytes[i] <= UInt8(ascii: "Z") {
        bytes[i] += 32
        changed = true
    }
    return changed ? String(decoding: bytes, as: UTF8.self) : id
}
