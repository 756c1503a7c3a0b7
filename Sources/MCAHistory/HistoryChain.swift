import GRDB

/// The operations that keep `customer_state` and `customer_change` describing every run (see
/// `HistoryTables`) when a run completes, replaces another, or is pruned. Each runs inside the
/// caller's transaction: killed or failed, it leaves the history as it was.
enum HistoryChain {
    /// A complete run's place in the order of as-of dates.
    struct Link {
        var id: Int64
        var asOf: String
    }

    /// Complete runs, oldest as-of date first.
    static func completeRuns(in db: Database) throws -> [Link] {
        try Row.fetchAll(db, sql: "SELECT id, as_of FROM run WHERE state = 'complete' ORDER BY as_of")
            .map { Link(id: $0[0], asOf: $0[1]) }
    }

    /// The newest complete run: the one `customer_state` holds.
    static func newest(in db: Database) throws -> Link? {
        try Row.fetchOne(db, sql: "SELECT id, as_of FROM run WHERE state = 'complete' ORDER BY as_of DESC LIMIT 1")
            .map { Link(id: $0[0], asOf: $0[1]) }
    }

    // MARK: A run's customers as a table

    /// The SELECT of a complete run's customers (`customer_key` and the values, customers absent
    /// from it left out): `customer_state` overlaid with the nearest row of every complete run from
    /// it on.
    static func completeStateSQL(asOf: String) -> String {
        let v = HistoryTables.valueList
        return """
            WITH overlay AS (
                SELECT c.customer_key, \(HistoryTables.valueList("c")),
                       row_number() OVER (PARTITION BY c.customer_key ORDER BY r.as_of) AS nearest
                FROM customer_change c JOIN run r ON r.id = c.run_id
                WHERE r.state = 'complete' AND r.as_of >= '\(asOf)')
            SELECT customer_key, \(v) FROM overlay WHERE nearest = 1 AND status IS NOT NULL
            UNION ALL
            SELECT customer_key, \(v) FROM customer_state WHERE customer_key NOT IN (SELECT customer_key FROM overlay)
            """
    }

    /// Creates the temporary table `temp.<name>` with every customer of the run `id` (complete or
    /// pending). Drop it with `drop`.
    static func materialize(run id: Int64, into name: String, in db: Database, path: String) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS temp.\(name)")
        try db.execute(sql: HistoryTables.createState.replacingOccurrences(of: "CREATE TABLE customer_state",
                                                                           with: "CREATE TEMP TABLE \(name)"))
        guard let row = try Row.fetchOne(db, sql: "SELECT state, as_of, base_run_id FROM run WHERE id = ?", arguments: [id]) else {
            throw HistoryError(path: path, reason: "run \(id) is gone from the history")
        }
        let state: String = row[0]
        let v = HistoryTables.valueList
        if state == RunState.complete.rawValue {
            try db.execute(sql: "INSERT INTO temp.\(name) (customer_key, \(v)) " + completeStateSQL(asOf: row[1]))
            return
        }
        if let base = row[2] as Int64? {
            guard let baseAsOf = try String.fetchOne(db, sql: "SELECT as_of FROM run WHERE id = ? AND state = 'complete'",
                                                     arguments: [base]) else {
                throw HistoryError(path: path, reason: "run \(id) is recorded against run \(base), which is gone from the history")
            }
            try db.execute(sql: "INSERT INTO temp.\(name) (customer_key, \(v)) " + completeStateSQL(asOf: baseAsOf))
            try db.execute(sql: "DELETE FROM temp.\(name) WHERE customer_key IN (SELECT customer_key FROM customer_change WHERE run_id = ?)",
                           arguments: [id])
        }
        try db.execute(sql: """
            INSERT INTO temp.\(name) (customer_key, \(v))
            SELECT customer_key, \(v) FROM customer_change WHERE run_id = ? AND status IS NOT NULL
            """, arguments: [id])
    }

    static func drop(_ names: String..., in db: Database) {
        for name in names { try? db.execute(sql: "DROP TABLE IF EXISTS temp.\(name)") }
    }

    // MARK: Completing a run

    /// Makes the pending run `id` complete: it takes its place among the complete runs by as-of
    /// date, replacing a complete run of the same date, and every other complete or pending run
    /// keeps its customers.
    /// - Returns: Whether the run was the history's first complete run: all its rows moved into
    ///   `customer_state`, leaving as much free space in the file.
    @discardableResult
    static func complete(run id: Int64, in db: Database, path: String) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT state, as_of, base_run_id FROM run WHERE id = ?", arguments: [id]) else {
            throw HistoryError(path: path, reason: "run \(id) is gone from the history")
        }
        guard (row[0] as String) == RunState.pending.rawValue else { return false }
        let asOf: String = row[1]
        let base: Int64? = row[2]
        let runs = try completeRuns(in: db)
        let replaced = runs.first { $0.asOf == asOf }
        let newest = runs.last
        let previous = runs.last { $0.asOf < asOf }
        let next = runs.first { $0.asOf > asOf }

        if replaced == nil, next == nil, base == newest?.id {
            // The nightly case: the newest run, recorded against the run before it. Only the
            // customers that changed move: their old rows become that run's, their new ones
            // replace them in `customer_state`.
            if let newest {
                try db.execute(sql: """
                    INSERT INTO customer_change (run_id, customer_key, \(HistoryTables.valueList))
                    SELECT ?, c.customer_key, \(HistoryTables.valueList("s"))
                    FROM customer_change c LEFT JOIN customer_state s ON s.customer_key = c.customer_key
                    WHERE c.run_id = ?
                    """, arguments: [newest.id, id])
            }
            try db.execute(sql: """
                DELETE FROM customer_state
                WHERE customer_key IN (SELECT customer_key FROM customer_change WHERE run_id = ? AND status IS NULL)
                """, arguments: [id])
            try db.execute(sql: """
                INSERT OR REPLACE INTO customer_state (customer_key, \(HistoryTables.valueList))
                SELECT customer_key, \(HistoryTables.valueList) FROM customer_change WHERE run_id = ? AND status IS NOT NULL
                """, arguments: [id])
            // The newest run's customers are all in `customer_state`.
            try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ?", arguments: [id])
        } else {
            // Out of date order, a re-run, or recorded against a run that is no longer the one
            // before it: rebuilt from the customers of the runs around it.
            if let replaced { try foldPendingRuns(basedOn: replaced, in: db, path: path) }
            defer { drop("mca_run", "mca_previous", "mca_next", in: db) }
            try materialize(run: id, into: "mca_run", in: db, path: path)
            if let previous { try materialize(run: previous.id, into: "mca_previous", in: db, path: path) }
            if let next { try materialize(run: next.id, into: "mca_next", in: db, path: path) }
            if let replaced { try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [replaced.id]) }
            try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ?", arguments: [id])
            if next != nil {
                try HistoryTables.insertDifference(run: id, of: "temp.mca_run", against: "temp.mca_next", in: db)
            } else {
                // The newest run now; the run before it (the one that was the newest, unless this
                // one replaces it) gets its rows below.
                try db.execute(sql: "DELETE FROM customer_state WHERE customer_key NOT IN (SELECT customer_key FROM temp.mca_run)")
                try db.execute(sql: """
                    INSERT OR REPLACE INTO customer_state (customer_key, \(HistoryTables.valueList))
                    SELECT r.customer_key, \(HistoryTables.valueList("r"))
                    FROM temp.mca_run r LEFT JOIN customer_state s ON s.customer_key = r.customer_key
                    WHERE s.customer_key IS NULL OR \(HistoryTables.differ("r", "s"))
                    """)
            }
            if let previous {
                try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ?", arguments: [previous.id])
                try HistoryTables.insertDifference(run: previous.id, of: "temp.mca_previous", against: "temp.mca_run", in: db)
            }
        }
        try db.execute(sql: "UPDATE run SET state = 'complete', base_run_id = NULL WHERE id = ?", arguments: [id])
        return newest == nil && base == nil
    }

    // MARK: Removing runs

    /// Before the complete run `run` goes: the pending runs recorded against it are recorded
    /// against the next complete run instead (its rows, where theirs say nothing, added to theirs),
    /// or, when it is the newest, hold every customer.
    static func foldPendingRuns(basedOn run: Link, in db: Database, path: String) throws {
        let pending = try Int64.fetchAll(db, sql: "SELECT id FROM run WHERE state = 'pending' AND base_run_id = ?", arguments: [run.id])
        guard !pending.isEmpty else { return }
        let next = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE state = 'complete' AND as_of > ? ORDER BY as_of LIMIT 1",
                                      arguments: [run.asOf])
        for id in pending {
            if let next {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO customer_change (run_id, customer_key, \(HistoryTables.valueList))
                    SELECT ?, customer_key, \(HistoryTables.valueList) FROM customer_change WHERE run_id = ?
                    """, arguments: [id, run.id])
            } else {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO customer_change (run_id, customer_key, \(HistoryTables.valueList))
                    SELECT ?, customer_key, \(HistoryTables.valueList) FROM customer_state
                    """, arguments: [id])
                try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ? AND status IS NULL", arguments: [id])
            }
            try db.execute(sql: "UPDATE run SET base_run_id = ? WHERE id = ?", arguments: [next, id])
        }
    }

    /// Removes all but the `keep` newest complete runs (at least one is kept). What the kept runs
    /// report does not change: the oldest kept run's rows are relative to the run after it, which
    /// stays. Returns the ids removed, oldest first.
    static func prune(keep: Int, in db: Database, path: String) throws -> [Int64] {
        let runs = try completeRuns(in: db)
        let removed = Array(runs.dropLast(max(keep, 1)))
        for run in removed {
            try foldPendingRuns(basedOn: run, in: db, path: path)
            try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ?", arguments: [run.id])
            try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [run.id])
        }
        return removed.map(\.id)
    }
}
