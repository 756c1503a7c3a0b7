import MCAModel
import GRDB

/// The run history's tables, as versioned migrations: a history file written by an older build is
/// brought up to date when opened, and one written by a newer build is refused.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs and customer outcomes") { db in
            // One row per run. `state` is `pending` from before the report is published until the
            // history knows it was; only `complete` runs count for changes, trend and listings.
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    out_dir TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    run_date TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    phase TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'complete')),
                    manifest_sha256 TEXT,
                    policy TEXT NOT NULL,
                    inputs TEXT NOT NULL,
                    exit_code INTEGER NOT NULL,
                    customers INTEGER NOT NULL,
                    confirmed INTEGER NOT NULL,
                    unconfirmed INTEGER NOT NULL,
                    invalid INTEGER NOT NULL,
                    out_of_scope INTEGER NOT NULL,
                    blocked_new_orders INTEGER NOT NULL,
                    blocked_seat_changes INTEGER NOT NULL,
                    seats_affected INTEGER NOT NULL,
                    violations INTEGER NOT NULL,
                    rows_rejected INTEGER NOT NULL,
                    warnings INTEGER NOT NULL,
                    other_agreement_types INTEGER NOT NULL,
                    recorded_at TEXT NOT NULL
                )
                """)
            // At most one complete run per as-of date: a re-run replaces the old one when it completes.
            try db.execute(sql: "CREATE UNIQUE INDEX run_complete_as_of ON run (as_of) WHERE state = 'complete'")
            // One row per customer per run, kept small (a million customers a night add up): the
            // enumerations as the small integers of `HistoryCodes`, dates as days since 1970-01-01,
            // `customer_id` only when it is not already the key. `customer_outcome_text` reads it as text.
            try db.execute(sql: """
                CREATE TABLE customer_outcome (
                    run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    customer_key TEXT NOT NULL,
                    customer_id TEXT,
                    company_name TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    reasons TEXT NOT NULL,
                    confirmed_on INTEGER,
                    new_orders INTEGER NOT NULL,
                    seat_changes INTEGER NOT NULL,
                    seats INTEGER NOT NULL,
                    violations INTEGER NOT NULL,
                    PRIMARY KEY (run_id, customer_key)
                ) WITHOUT ROWID
                """)
            try db.execute(sql: """
                CREATE VIEW customer_outcome_text AS
                SELECT r.as_of, r.state, o.customer_key, coalesce(o.customer_id, o.customer_key) AS customer_id,
                       o.company_name, \(HistoryCodes.sqlCase("o.status", HistoryCodes.statuses)) AS status, o.reasons,
                       date(o.confirmed_on * 86400, 'unixepoch') AS confirmed_on,
                       \(HistoryCodes.sqlCase("o.new_orders", HistoryCodes.impacts)) AS new_orders,
                       \(HistoryCodes.sqlCase("o.seat_changes", HistoryCodes.impacts)) AS seat_changes,
                       o.seats, o.violations
                FROM customer_outcome o JOIN run r ON r.id = o.run_id
                """)
        }
        migrator.registerMigration("v2: what each run changed") { db in
            try HistoryMigration.storeChangesOnly(db)
        }
        return migrator
    }
}

/// The integers that stand for the enumerations in `customer_outcome`. Fixed here, never derived
/// from the order of the Swift cases, so a history file keeps its meaning across versions.
enum HistoryCodes {
    static let statuses: [(CustomerStatus, Int)] = [(.confirmed, 0), (.unconfirmed, 1), (.invalid, 2), (.outOfScope, 3)]
    static let impacts: [(Impact, Int)] = [(.allowed, 0), (.blocked, 1), (.blockedAtCutover, 2), (.none, 3)]

    static func code(_ status: CustomerStatus) -> Int {
        switch status {
        case .confirmed: return 0
        case .unconfirmed: return 1
        case .invalid: return 2
        case .outOfScope: return 3
        }
    }

    static func code(_ impact: Impact) -> Int {
        switch impact {
        case .allowed: return 0
        case .blocked: return 1
        case .blockedAtCutover: return 2
        case .none: return 3
        }
    }

    static func status(_ code: Int) -> CustomerStatus? { statuses.first { $0.1 == code }?.0 }
    static func impact(_ code: Int) -> Impact? { impacts.first { $0.1 == code }?.0 }

    /// `CASE column WHEN 0 THEN 'CONFIRMED' … END`.
    static func sqlCase<T: RawRepresentable>(_ column: String, _ codes: [(T, Int)]) -> String where T.RawValue == String {
        "CASE \(column)" + codes.map { " WHEN \($0.1) THEN '\($0.0.rawValue)'" }.joined() + " END"
    }
}
