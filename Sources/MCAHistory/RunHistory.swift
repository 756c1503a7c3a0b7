#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import GRDBSQLite
import MCAModel

/// The run history (docs/operations.md, "Run history"): one SQLite file with every run's counts and every customer's outcome.
///
/// A run goes through it in steps, so that the history and the published report can never
/// disagree after a crash (see `recover(outDir:finishPublish:)`):
/// 1. `recordPending`, in one transaction: record the run and all its customers as `pending`,
///    compare them with the complete runs before (`changes`, `trend`), have the report written
///    into its temporary folder, and record the SHA-256 of its `manifest.json`;
/// 2. the caller publishes the report (rename into place, switch `latest`);
/// 3. `complete` marks the run complete, replacing a complete run of the same as-of date in the
///    same transaction.
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
            try migrator.migrate(queue)
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(path: path, reason: "cannot open the run history: \(RunHistory.describe(error))")
        }
    }

    // MARK: Recording a run

    /// Records a run as `pending` and has its report written, in ONE transaction, so that a run
    /// whose report cannot be written leaves the history file as it was:
    /// 1. inserts the run and every customer's outcome;
    /// 2. compares them with the newest complete run with an earlier as-of date (`changes`) and
    ///    takes the counts of the runs before it (`trend`, at most `trendLimit` points with this run);
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
                var run = try RunHistory.insert(result, outDir: outDir, exitCode: exitCode, recordedAt: recordedAt, in: db)
                let previous = try RunHistory.previousRun(before: result.asOf, in: db, path: path)
                let changes = try RunHistory.changes(for: run, since: previous, in: db, path: path)
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

    /// Records a run and every customer's outcome as `pending`, in one transaction (the first step
    /// of `recordPending`, on its own).
    public func begin(_ result: AuditResult, outDir: String, exitCode: Int32, recordedAt: Date = Date()) throws -> HistoryRun {
        try write { db in try RunHistory.insert(result, outDir: outDir, exitCode: exitCode, recordedAt: recordedAt, in: db) }
    }

    private static func insert(_ result: AuditResult, outDir: String, exitCode: Int32, recordedAt: Date,
                               in db: Database) throws -> HistoryRun {
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
                recorded_at)
            VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                run.outDir, run.asOf.iso, run.runDate.iso, run.timeZone, run.phase.rawValue, run.policyJSON,
                RunHistory.json(run.inputs), Int(run.exitCode), s.customers, s.count(.confirmed),
                s.count(.unconfirmed), s.count(.invalid), s.count(.outOfScope), s.blockedNewOrders,
                s.blockedSeatChanges, s.seatsAffected, s.violations, s.rowsRejected, s.warnings,
                s.otherAgreementTypes, run.recordedAt,
            ])
        run.id = db.lastInsertedRowID
        try RunHistory.insertOutcomes(of: result, run: run.id, violations: RunHistory.violationCounts(result.violations), in: db)
        return run
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
        try write { db in try RunHistory.complete(id: id, asOf: run.asOf, in: db, path: self.path) }
        run.state = .complete
    }

    /// Removes a pending run whose report was not published.
    public func discard(_ run: HistoryRun) throws {
        let id = run.id
        try write { db in try db.execute(sql: "DELETE FROM run WHERE id = ? AND state = 'pending'", arguments: [id]) }
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
        try read { db in try RunHistory.changes(for: run, since: previous, in: db, path: path) }
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
        // Only rows where something `changes` looks at differs; the lists are decided in Swift.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT coalesce(c.customer_id, c.customer_key), c.company_name,
                   c.status, c.reasons, c.new_orders, c.seat_changes, c.seats, c.violations,
                   p.status, p.reasons, p.new_orders, p.seat_changes, p.seats, p.violations
            FROM customer_outcome c
            LEFT JOIN customer_outcome p ON p.run_id = ? AND p.customer_key = c.customer_key
            WHERE c.run_id = ?
              AND (p.status IS NULL OR p.status <> c.status OR p.new_orders <> c.new_orders
                   OR p.seat_changes <> c.seat_changes OR p.violations < c.violations)
            """, arguments: [previous.id, run.id])
        while let row = try rows.next() {
            let after = try RunHistory.state(row, from: 2, path: path)
            let before: CustomerSnapshot? = row.hasNull(atIndex: 8) ? nil : try RunHistory.state(row, from: 8, path: path)
            changes.record(CustomerChange(customerId: row[0], companyName: row[1], before: before, after: after))
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
            try Row.fetchAll(db, sql: """
                SELECT r.as_of, r.run_date, coalesce(o.customer_id, o.customer_key), o.company_name, o.confirmed_on,
                       o.status, o.reasons, o.new_orders, o.seat_changes, o.seats, o.violations
                FROM run r JOIN customer_outcome o ON o.run_id = r.id AND o.customer_key = ?
                WHERE r.state = 'complete'
                ORDER BY r.as_of
                """, arguments: [key])
                .map { row in
                    CustomerRunEntry(asOf: try RunHistory.date(row[0], path: self.path),
                                     runDate: try RunHistory.date(row[1], path: self.path),
                                     customerId: row[2], companyName: row[3],
                                     confirmedOn: (row[4] as Int?).map { DayDate(daysSinceEpoch: $0) },
                                     state: try RunHistory.state(row, from: 5, path: self.path))
                }
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

    /// Inserts every customer's outcome through SQLite's own binding calls: at a million customers
    /// a night, building GRDB arguments per row would cost more than the insert itself.
    private static func insertOutcomes(of result: AuditResult, run id: Int64, violations: [String: Int], in db: Database) throws {
        // The first of two ids that differ only in case wins, as in the evaluation.
        let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO customer_outcome VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let statement = insert.sqliteStatement
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        func bind(_ text: String, _ index: Int32) {
            _ = text.withCString { sqlite3_bind_text(statement, index, $0, -1, transient) }
        }
        // `statement` belongs to `insert`, which must outlive every use of it.
        defer {
            sqlite3_reset(statement)
            withExtendedLifetime(insert) {}
        }
        for customer in result.customers {
            let customerId = customer.customerId
            let key = customerKey(customerId)
            sqlite3_reset(statement)
            sqlite3_bind_int64(statement, 1, id)
            bind(key, 2)
            if key == customerId { sqlite3_bind_null(statement, 3) } else { bind(customerId, 3) }
            bind(customer.companyName, 4)
            sqlite3_bind_int64(statement, 5, Int64(HistoryCodes.code(customer.status)))
            bind(customer.reasons.joined(separator: ","), 6)
            if let date = customer.confirmedOn {
                sqlite3_bind_int64(statement, 7, Int64(date.daysSinceEpoch))
            } else {
                sqlite3_bind_null(statement, 7)
            }
            sqlite3_bind_int64(statement, 8, Int64(HistoryCodes.code(customer.newOrders)))
            sqlite3_bind_int64(statement, 9, Int64(HistoryCodes.code(customer.seatChanges)))
            sqlite3_bind_int64(statement, 10, Int64(customer.seats))
            sqlite3_bind_int64(statement, 11, Int64(violations[key] ?? 0))
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }

    private static func complete(id: Int64, asOf: DayDate, in db: Database, path: String) throws {
        try db.execute(sql: "DELETE FROM run WHERE as_of = ? AND state = 'complete' AND id <> ?", arguments: [asOf.iso, id])
        try db.execute(sql: "UPDATE run SET state = 'complete' WHERE id = ?", arguments: [id])
        guard db.changesCount == 1 else { throw HistoryError(path: path, reason: "run \(id) is gone from the history") }
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

    static func violationCounts(_ violations: some Sequence<Violation>) -> [String: Int] {
        var counts: [String: Int] = [:]
        var last: (id: String, key: String)?
        for violation in violations {
            let id = violation.customerId
            // Violations are sorted by customer, so the key is worked out once per customer.
            let key: String
            if let last, last.id == id { key = last.key } else { key = customerKey(id) }
            last = (id, key)
            counts[key, default: 0] += 1
        }
        return counts
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

    /// A `CustomerSnapshot` from six columns starting at `index`: status, reasons, newOrders, seatChanges, seats, violations.
    private static func state(_ row: Row, from index: Int, path: String) throws -> CustomerSnapshot {
        guard let status = HistoryCodes.status(row[index]), let newOrders = HistoryCodes.impact(row[index + 2]),
              let seatChanges = HistoryCodes.impact(row[index + 3]) else {
            throw HistoryError(path: path, reason: "a customer outcome has an unknown status or impact code")
        }
        let reasons: String = row[index + 1]
        return CustomerSnapshot(status: status, reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                                newOrders: newOrders, seatChanges: seatChanges, seats: row[index + 4], violations: row[index + 5])
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
