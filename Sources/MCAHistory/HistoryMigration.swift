import GRDB

/// Carries a history file written before the history stored only what each run changed (every
/// customer of every run in `customer_outcome`) over to `customer_state` and `customer_change`
/// (see `HistoryTables`), inside the migration's transaction: a migration that fails or is killed
/// leaves the file as it was.
enum HistoryMigration {
    static func storeChangesOnly(_ db: Database) throws {
        // The complete run a pending run's rows are relative to; NULL: they hold every customer.
        try db.execute(sql: "ALTER TABLE run ADD COLUMN base_run_id INTEGER")
        try db.execute(sql: HistoryTables.createState)
        try db.execute(sql: HistoryTables.createChange)

        func outcomes(_ run: Int64) -> String {
            "(SELECT customer_key, \(HistoryTables.valueList) FROM customer_outcome WHERE run_id = \(run))"
        }
        let complete = try Int64.fetchAll(db, sql: "SELECT id FROM run WHERE state = 'complete' ORDER BY as_of")
        if let newest = complete.last {
            try db.execute(sql: """
                INSERT INTO customer_state (customer_key, \(HistoryTables.valueList))
                SELECT customer_key, \(HistoryTables.valueList) FROM customer_outcome WHERE run_id = ?
                """, arguments: [newest])
        }
        for (run, next) in zip(complete, complete.dropFirst()) {
            try HistoryTables.insertDifference(run: run, of: outcomes(run), against: outcomes(next), in: db)
        }
        // A pending run keeps every customer: it has no base run.
        try db.execute(sql: """
            INSERT INTO customer_change (run_id, customer_key, \(HistoryTables.valueList))
            SELECT o.run_id, o.customer_key, \(HistoryTables.valueList("o"))
            FROM customer_outcome o JOIN run r ON r.id = o.run_id WHERE r.state = 'pending'
            """)
        try db.execute(sql: "DROP VIEW customer_outcome_text")
        try db.execute(sql: "DROP TABLE customer_outcome")
        try HistoryTables.createViews(db)
    }
}
