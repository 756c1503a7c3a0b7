#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import GRDBSQLite
import MCAModel

/// Records a pending run's customers as what differs from the run it is compared with, and works
/// out its `changes` on the way: one pass over the run's customers and the previous run's rows,
/// both in customer-key order. At a million customers a night this is the history's whole cost,
/// so it reads the outcomes in place and SQLite's rows through their pointers, and makes Strings
/// only for the customers that changed.
enum RunDelta {
    /// Inserts the rows of the pending run `id` (see `HistoryTables`): against `previous` (complete),
    /// or every customer without one; returns the changes since `previous`.
    static func record(_ result: AuditResult, run id: Int64, against previous: HistoryRun?, in db: Database,
                       path: String) throws -> RunChanges {
        let violations = ViolationTally(result.violations)
        var baseSQL: String?
        if let previous {
            if try HistoryChain.newest(in: db)?.id == previous.id {
                baseSQL = "SELECT customer_key, \(HistoryTables.valueList) FROM customer_state ORDER BY customer_key"
            } else {
                try HistoryChain.materialize(run: previous.id, into: "mca_base", in: db, path: path)
                baseSQL = "SELECT customer_key, \(HistoryTables.valueList) FROM temp.mca_base ORDER BY customer_key"
            }
        }
        defer { if baseSQL != nil { HistoryChain.drop("mca_base", in: db) } }
        var changes = previous.map { RunChanges(previousAsOf: $0.asOf, previousRunDate: $0.runDate) } ?? RunChanges()
        do {
            var tally = violations
            try merge(result, order: nil, violations: &tally, baseSQL: baseSQL, run: id, changes: &changes, in: db, path: path)
        } catch is OutOfOrder {
            // Outcomes not in key order (the evaluator sorts them; a caller may not): again, sorted.
            try db.execute(sql: "DELETE FROM customer_change WHERE run_id = ?", arguments: [id])
            changes = previous.map { RunChanges(previousAsOf: $0.asOf, previousRunDate: $0.runDate) } ?? RunChanges()
            var tally = violations
            try merge(result, order: keyOrder(result.customers), violations: &tally, baseSQL: baseSQL, run: id,
                      changes: &changes, in: db, path: path)
        }
        changes.sortInCustomerOrder()
        return changes
    }

    private struct OutOfOrder: Error {}

    /// Positions of the outcomes by key bytes; equal keys keep their order (the first one counts).
    private static func keyOrder(_ customers: CustomerOutcomes) -> [Int] {
        let keys = customers.indices.map { Array(customerKey(customers.customerId($0)).utf8) }
        return customers.indices.sorted { a, b in
            keys[a] != keys[b] ? keys[a].lexicographicallyPrecedes(keys[b]) : a < b
        }
    }

    private static func merge(_ result: AuditResult, order: [Int]?, violations: inout ViolationTally, baseSQL: String?, run id: Int64,
                              changes: inout RunChanges, in db: Database, path: String) throws {
        let customers = result.customers
        let insert = try db.makeStatement(sql: """
            INSERT INTO customer_change (run_id, customer_key, \(HistoryTables.valueList)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let base = try baseSQL.map { try db.makeStatement(sql: $0) }
        let writer = RowWriter(statement: insert.sqliteStatement, run: id, connection: db.sqliteConnection)
        let reader = base.map { BaseReader(statement: $0.sqliteStatement, connection: db.sqliteConnection) }
        // Both statements belong to GRDB's objects, which must outlive every use of them.
        defer {
            sqlite3_reset(insert.sqliteStatement)
            if let base { sqlite3_reset(base.sqliteStatement) }
            withExtendedLifetime(insert) {}
            withExtendedLifetime(base) {}
        }
        let comparing = reader != nil
        try reader?.step()
        var key: [UInt8] = []
        var lastKey: [UInt8] = []
        var failure: (any Error)?
        for n in customers.indices {
            let position = order?[n] ?? n
            customers.withView(position) { view in
                do {
                    key.removeAll(keepingCapacity: true)
                    for byte in view.customerId {
                        key.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
                    }
                    if n > 0 {
                        let order = compare(key, lastKey)
                        // Two ids that differ only in case: the first one counts, as in the evaluation.
                        if order == 0 { return }
                        if order < 0 { throw OutOfOrder() }
                    }
                    swap(&key, &lastKey)
                    let violationCount = violations.count(for: lastKey)
                    var before: CustomerSnapshot?
                    if let reader {
                        // Customers of the previous run before this one are not in this run.
                        while reader.hasRow, compare(reader.key, lastKey) < 0 {
                            try writer.insertAbsent(key: reader.key)
                            try reader.step()
                        }
                        if reader.hasRow, compare(reader.key, lastKey) == 0 {
                            let same = reader.matches(view, violations: violationCount)
                            if !same { before = try reader.snapshot(path: path) }
                            try reader.step()
                            if same { return }
                        }
                    }
                    let reasons = view.reasons.joined(separator: ",")
                    try writer.insert(key: lastKey, view, reasons: reasons, violations: violationCount)
                    if comparing {
                        let after = CustomerSnapshot(status: view.status, reasons: Array(view.reasons), newOrders: view.newOrders,
                                                     seatChanges: view.seatChanges, seats: view.seats, violations: violationCount)
                        changes.record(CustomerChange(customerId: String(decoding: view.customerId, as: UTF8.self),
                                                      companyName: String(decoding: view.companyName, as: UTF8.self),
                                                      before: before, after: after))
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        while let reader, reader.hasRow {
            try writer.insertAbsent(key: reader.key)
            try reader.step()
        }
    }

    /// -1, 0 or 1 as `a` sorts before, with or after `b`, byte by byte (SQLite's BINARY collation).
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let x = a.baseAddress, let y = b.baseAddress {
            let c = memcmp(x, y, common)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in compare(a, b) } }
    }

    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Int {
        b.withUnsafeBufferPointer { b in compare(a, b) }
    }
}

/// The number of violations of each customer, by key, read in ascending key order beside the
/// customers (no String made per customer).
struct ViolationTally {
    /// The keys, one after the other, in ascending byte order; `ends[i]` is where key `i` ends.
    private var keys: [UInt8] = []
    private var ends: [Int] = []
    private var counts: [Int] = []
    /// The next key `count(for:)` looks at.
    private var position = 0

    init(_ violations: some Sequence<Violation>) {
        var tallied: [(key: [UInt8], count: Int)] = []
        var sorted = true
        var lastId: String?
        for violation in violations {
            // Violations come grouped by customer: the key is worked out once per customer.
            if violation.customerId == lastId, !tallied.isEmpty {
                tallied[tallied.count - 1].count += 1
                continue
            }
            lastId = violation.customerId
            let key = Array(customerKey(violation.customerId).utf8)
            if let last = tallied.last {
                let order = RunDelta.compare(last.key, key)
                if order == 0 {
                    tallied[tallied.count - 1].count += 1
                    continue
                }
                if order > 0 { sorted = false }
            }
            tallied.append((key, 1))
        }
        if !sorted {
            // Not in key order (an evaluator sorts them so; a caller may not): sorted, equal keys added up.
            var merged: [(key: [UInt8], count: Int)] = []
            for entry in tallied.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                if let last = merged.last, last.key == entry.key {
                    merged[merged.count - 1].count += entry.count
                } else {
                    merged.append(entry)
                }
            }
            tallied = merged
        }
        for entry in tallied {
            keys.append(contentsOf: entry.key)
            ends.append(keys.count)
            counts.append(entry.count)
        }
    }

    /// The violations of the customer `key`; the keys asked for must ascend.
    mutating func count(for key: [UInt8]) -> Int {
        keys.withUnsafeBufferPointer { all in
            while position < ends.count {
                let start = position == 0 ? 0 : ends[position - 1]
                let order = RunDelta.compare(UnsafeBufferPointer(rebasing: all[start..<ends[position]]), key)
                if order > 0 { return 0 }
                position += 1
                if order == 0 { return counts[position - 1] }
            }
            return 0
        }
    }
}

/// The base run's rows, one at a time, read in place: valid until the next `step`.
private final class BaseReader {
    let statement: OpaquePointer
    let connection: OpaquePointer?
    private(set) var hasRow = false

    init(statement: OpaquePointer, connection: OpaquePointer?) {
        self.statement = statement
        self.connection = connection
    }

    func step() throws {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: hasRow = true
        case SQLITE_DONE: hasRow = false
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    func text(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }

    var key: UnsafeBufferPointer<UInt8> { text(0) ?? UnsafeBufferPointer(start: nil, count: 0) }
    private func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    private func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    /// Whether this row says what `view` says (with `violations`), value by value.
    func matches(_ view: OutcomeView, violations: Int) -> Bool {
        guard int(3) == Int64(HistoryCodes.code(view.status)), int(6) == Int64(HistoryCodes.code(view.newOrders)),
              int(7) == Int64(HistoryCodes.code(view.seatChanges)), int(8) == Int64(view.seats),
              int(9) == Int64(violations) else { return false }
        if let date = view.confirmedOn {
            if isNull(5) || int(5) != Int64(date.daysSinceEpoch) { return false }
        } else if !isNull(5) {
            return false
        }
        // `customer_id` is NULL when the id is its own key (no upper-case letter).
        if let id = text(1) {
            if RunDelta.compare(id, view.customerId) != 0 { return false }
        } else if view.customerId.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return false
        }
        guard let name = text(2), RunDelta.compare(name, view.companyName) == 0 else { return false }
        return reasonsMatch(view.reasons)
    }

    /// Whether column 4 is the reasons joined with commas, without joining them.
    private func reasonsMatch(_ reasons: ReasonList) -> Bool {
        let stored = text(4) ?? UnsafeBufferPointer(start: nil, count: 0)
        var offset = 0
        for (i, reason) in reasons.enumerated() {
            if i > 0 {
                guard offset < stored.count, stored[offset] == UInt8(ascii: ",") else { return false }
                offset += 1
            }
            for byte in reason.utf8 {
                guard offset < stored.count, stored[offset] == byte else { return false }
                offset += 1
            }
        }
        return offset == stored.count
    }

    func snapshot(path: String) throws -> CustomerSnapshot {
        guard let status = HistoryCodes.status(Int(int(3))), let newOrders = HistoryCodes.impact(Int(int(6))),
              let seatChanges = HistoryCodes.impact(Int(int(7))) else {
            throw HistoryError(path: path, reason: "a customer outcome has an unknown status or impact code")
        }
        let reasons = text(4).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return CustomerSnapshot(status: status, reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                                newOrders: newOrders, seatChanges: seatChanges, seats: Int(int(8)), violations: Int(int(9)))
    }
}

/// Inserts rows of one run through SQLite's own binding calls.
private struct RowWriter {
    let statement: OpaquePointer
    let run: Int64
    let connection: OpaquePointer?
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(statement: OpaquePointer, run: Int64, connection: OpaquePointer?) {
        self.statement = statement
        self.run = run
        self.connection = connection
    }

    private func bind(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int32) {
        // A zero-length text needs a non-NULL pointer, or SQLite stores NULL.
        let empty: StaticString = ""
        let start = bytes.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(empty.utf8Start)
        sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), RowWriter.transient)
    }

    func insert(key: [UInt8], _ view: OutcomeView, reasons: String, violations: Int) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        sqlite3_bind_int64(statement, 1, run)
        key.withUnsafeBufferPointer { bind($0, 2) }
        if RunDelta.compare(view.customerId, key) != 0 { bind(view.customerId, 3) }
        bind(view.companyName, 4)
        sqlite3_bind_int64(statement, 5, Int64(HistoryCodes.code(view.status)))
        var reasons = reasons
        reasons.withUTF8 { bind($0, 6) }
        if let date = view.confirmedOn { sqlite3_bind_int64(statement, 7, Int64(date.daysSinceEpoch)) }
        sqlite3_bind_int64(statement, 8, Int64(HistoryCodes.code(view.newOrders)))
        sqlite3_bind_int64(statement, 9, Int64(HistoryCodes.code(view.seatChanges)))
        sqlite3_bind_int64(statement, 10, Int64(view.seats))
        sqlite3_bind_int64(statement, 11, Int64(violations))
        try done()
    }

    /// A row saying the customer `key` is not in the run.
    func insertAbsent(key: UnsafeBufferPointer<UInt8>) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        sqlite3_bind_int64(statement, 1, run)
        bind(key, 2)
        try done()
    }

    private func done() throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
    }
}
