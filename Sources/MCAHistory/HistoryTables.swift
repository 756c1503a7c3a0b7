import GRDB
import MCAModel

/// How the history keeps customers' outcomes (docs/history.md, "Layout"): not every customer
/// of every run, but
/// - `customer_state`: every customer of the newest complete run (by as-of date);
/// - `customer_change` rows of a complete run: the customers whose row in that run differs from
///   their row in the next complete run (by as-of date), as they were in that run; a row with a
///   NULL `status` says the customer was not in that run;
/// - `customer_change` rows of a pending run: the customers whose row differs from the run's
///   `base_run_id` (a complete run), or every customer when it has none.
/// So a complete run's customers are `customer_state` overlaid with the rows of every complete run
/// from it to the newest, the nearest first; a night where 1 % of the customers change adds 1 % of
/// a full copy.
enum HistoryTables {
    /// The columns of a customer's row after its key, in the order every query here uses.
    static let values = ["customer_id", "company_name", "status", "reasons", "confirmed_on", "new_orders", "seat_changes",
                         "seats", "violations"]

    static var valueList: String { values.joined(separator: ", ") }

    static func valueList(_ alias: String) -> String { values.map { "\(alias).\($0)" }.joined(separator: ", ") }

    /// True when any value of the rows `a` and `b` differs (NULLs compared as values).
    static func differ(_ a: String, _ b: String) -> String {
        "(" + values.map { "\(a).\($0) IS NOT \(b).\($0)" }.joined(separator: " OR ") + ")"
    }

    static let createState = """
        CREATE TABLE customer_state (
            customer_key TEXT NOT NULL PRIMARY KEY,
            customer_id TEXT,
            company_name TEXT NOT NULL,
            status INTEGER NOT NULL,
            reasons TEXT NOT NULL,
            confirmed_on INTEGER,
            new_orders INTEGER NOT NULL,
            seat_changes INTEGER NOT NULL,
            seats INTEGER NOT NULL,
            violations INTEGER NOT NULL
        ) WITHOUT ROWID
        """

    static let createChange = """
        CREATE TABLE customer_change (
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            customer_key TEXT NOT NULL,
            customer_id TEXT,
            company_name TEXT,
            status INTEGER,
            reasons TEXT,
            confirmed_on INTEGER,
            new_orders INTEGER,
            seat_changes INTEGER,
            seats INTEGER,
            violations INTEGER,
            PRIMARY KEY (run_id, customer_key)
        ) WITHOUT ROWID
        """

    /// The views that read the tables as text (`sqlite3 history.sqlite`).
    static func createViews(_ db: Database) throws {
        func text(_ alias: String) -> String {
            """
            coalesce(\(alias).customer_id, \(alias).customer_key) AS customer_id, \(alias).company_name,
            \(HistoryCodes.sqlCase("\(alias).status", HistoryCodes.statuses)) AS status, \(alias).reasons,
            date(\(alias).confirmed_on * 86400, 'unixepoch') AS confirmed_on,
            \(HistoryCodes.sqlCase("\(alias).new_orders", HistoryCodes.impacts)) AS new_orders,
            \(HistoryCodes.sqlCase("\(alias).seat_changes", HistoryCodes.impacts)) AS seat_changes,
            \(alias).seats, \(alias).violations
            """
        }
        try db.execute(sql: "CREATE VIEW customer_state_text AS SELECT s.customer_key, \(text("s")) FROM customer_state s")
        // `status` NULL: the customer was not in that run.
        try db.execute(sql: """
            CREATE VIEW customer_change_text AS
            SELECT r.as_of, r.state, c.customer_key, \(text("c"))
            FROM customer_change c JOIN run r ON r.id = c.run_id
            """)
    }

    /// Inserts, as rows of `run`, every customer of the table `a` whose row differs from its row in
    /// `b` (or is not in `b`), and an absent row for every customer of `b` not in `a`. Both are
    /// tables (or subqueries) of `customer_key` and the values.
    static func insertDifference(run: Int64, of a: String, against b: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO customer_change (run_id, customer_key, \(valueList))
            SELECT ?, a.customer_key, \(valueList("a")) FROM \(a) a LEFT JOIN \(b) b ON b.customer_key = a.customer_key
            WHERE b.customer_key IS NULL OR \(differ("a", "b"))
            """, arguments: [run])
        try db.execute(sql: """
            INSERT INTO customer_change (run_id, customer_key)
            SELECT ?, b.customer_key FROM \(b) b WHERE NOT EXISTS (SELECT 1 FROM \(a) a WHERE a.customer_key = b.customer_key)
            """, arguments: [run])
    }
}

/// One customer's row in one run, read back from the history.
struct StoredOutcome: Equatable {
    var customerKey: String
    /// As written in that run's export.
    var customerId: String
    var companyName: String
    var confirmedOn: DayDate?
    var state: CustomerSnapshot

    /// The row from `customer_key` at `index` and the values after it; `nil` for an absent row.
    init?(_ row: Row, at index: Int, path: String) throws {
        guard !row.hasNull(atIndex: index + 3) else { return nil }
        customerKey = row[index]
        customerId = (row[index + 1] as String?) ?? customerKey
        companyName = row[index + 2]
        confirmedOn = (row[index + 5] as Int?).map { DayDate(daysSinceEpoch: $0) }
        guard let status = HistoryCodes.status(row[index + 3]), let newOrders = HistoryCodes.impact(row[index + 6]),
              let seatChanges = HistoryCodes.impact(row[index + 7]) else {
            throw HistoryError(path: path, reason: "a customer outcome has an unknown status or impact code")
        }
        let reasons: String = row[index + 4]
        state = CustomerSnapshot(status: status, reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                                 newOrders: newOrders, seatChanges: seatChanges, seats: row[index + 8], violations: row[index + 9])
    }
}
