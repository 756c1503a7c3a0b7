import MCAModel

/// Where a table row writes its cells: CSV fields (`TextBuffer`) or spreadsheet cells (`XLSXRowCells`).
///
/// A table calls one method per column, in the order of its `columns`, so each format decides
/// how a number, a date or a text looks while the tables say once what goes in which column.
protocol TableCells {
    /// A text cell; `nil` leaves it empty.
    mutating func text(_ value: String?)
    /// A number cell; `nil` leaves it empty.
    mutating func number(_ value: Int?)
    /// A date cell; `nil` leaves it empty.
    mutating func date(_ value: DayDate?)
    /// A text cell of UTF-8 bytes (read in place from an `OutcomeView`); `nil` leaves it empty.
    mutating func text(utf8: UnsafeBufferPointer<UInt8>?)
}

extension TableCells {
    /// Codes joined with `;` in one text cell (empty text when there is none).
    mutating func list(_ codes: some Sequence<String>) {
        var iterator = codes.makeIterator()
        guard let first = iterator.next() else { return text("") }
        guard let second = iterator.next() else { return text(first) }
        var joined = first + ";" + second
        while let next = iterator.next() { joined += ";" + next }
        text(joined)
    }

    /// A date as it was read: the date, the unreadable text as written, or empty.
    mutating func date(_ field: DateField?) {
        switch field {
        case .date(let value): date(value)
        case .invalid(let raw): text(raw)
        case .missing, nil: text(nil)
        }
    }
}

/// A list's header, and how one row writes its cells (in the order of `columns`).
///
/// A row is an index into the result's arrays (`Int`, or a `RankedRow` for a subscription), so
/// cells are read in place and no customer is copied for a row.
struct ReportTable<Row, Cells: TableCells> {
    let columns: [String]
    let row: (inout Cells, Row) -> Void
}

/// Something that writes whole tables in one format: a CSV file, a worksheet.
protocol TableSink {
    associatedtype Cells: TableCells
    /// Writes the header and then every row, in order.
    mutating func write<Row>(_ table: ReportTable<Row, Cells>, rows: some Sequence<Row>) throws
}

/// The report lists (README, "Reports") that are written as tables: one CSV file each, one sheet each in report.xlsx.
/// Reports/README.md documents every column; keep it in step with the tables here.
enum ReportList: CaseIterable, Sendable {
    case customers, blockedNewOrders, blockedSeatChanges, invalidConfirmations, orderViolations, dataQuality, resellers

    var csvFileName: String {
        switch self {
        case .customers: return "customers.csv"
        case .blockedNewOrders: return "blocked-new-orders.csv"
        case .blockedSeatChanges: return "blocked-seat-changes.csv"
        case .invalidConfirmations: return "invalid-confirmations.csv"
        case .orderViolations: return "order-violations.csv"
        case .dataQuality: return "data-quality.csv"
        case .resellers: return "resellers.csv"
        }
    }

    /// The worksheet's name in report.xlsx (at most 31 characters, none of `[]:*?/\`).
    var sheetName: String {
        switch self {
        case .customers: return "Customers"
        case .blockedNewOrders: return "Blocked new orders"
        case .blockedSeatChanges: return "Blocked seat changes"
        case .invalidConfirmations: return "Invalid confirmations"
        case .orderViolations: return "Order violations"
        case .dataQuality: return "Data quality"
        case .resellers: return "By reseller"
        }
    }

    /// Writes this list (header, then every row in report order) through `sink`.
    func write<Sink: TableSink>(_ context: ReportContext, to sink: inout Sink) throws {
        let customers = context.result.customers
        switch self {
        case .customers:
            try sink.write(ReportTables.customers(customers, context.result.resellers), rows: customers.indices)
        case .blockedNewOrders:
            try sink.write(ReportTables.blockedNewOrders(customers),
                           rows: customers.indices.lazy.filter { customers.brief($0).newOrders.isBlocking })
        case .blockedSeatChanges:
            try sink.write(ReportTables.blockedSeatChanges(customers), rows: blockedSubscriptionRows(customers))
        case .invalidConfirmations:
            try sink.write(ReportTables.invalidConfirmations(customers, context.redactor),
                           rows: customers.indices.lazy.filter { customers.brief($0).status == .invalid })
        case .orderViolations:
            let violations = context.result.violations
            try sink.write(ReportTables.orderViolations(CompanyLookup(customers)), rows: violations)
        case .dataQuality:
            let findings = context.result.dataQuality
            try sink.write(ReportTables.dataQuality(context.redactor), rows: findings)
        case .resellers:
            let rows = context.result.resellers.rows
            try sink.write(ReportTables.resellers(rows), rows: rows.indices)
        }
    }
}

/// The columns of each list and what goes in them, for every format.
enum ReportTables {
    static func customers<Cells>(_ customers: CustomerOutcomes, _ resellers: ResellerResults) -> ReportTable<Int, Cells> {
        ReportTable(columns: ["customerId", "companyName", "domain", "cloud", "status", "reasons", "confirmedOn",
                              "newOrders", "seatChanges", "daysToCutover", "seatBasedSubscriptions", "seats",
                              "resellers"]) { t, i in
            customers.withView(i) { c in
                t.text(utf8: c.customerId)
                t.text(utf8: c.companyName)
                t.text(utf8: c.domain)
                t.text(c.cloud.rawValue)
                t.text(c.status.rawValue)
                t.list(c.reasons)
                t.date(c.confirmedOn)
                t.text(c.newOrders.rawValue)
                t.text(c.seatChanges.rawValue)
                t.number(c.daysToCutover)
                t.number(c.subscriptions.count)
                t.number(c.seats)
            }
            t.list(resellers.resellers(at: i).lazy.map { resellers.ids[Int($0)] })
        }
    }

    static func blockedNewOrders<Cells>(_ customers: CustomerOutcomes) -> ReportTable<Int, Cells> {
        ReportTable(columns: ["customerId", "companyName", "cloud", "status", "reasons", "newOrders", "daysToCutover",
                              "seats"]) { t, i in
            customers.withView(i) { c in
                t.text(utf8: c.customerId)
                t.text(utf8: c.companyName)
                t.text(c.cloud.rawValue)
                t.text(c.status.rawValue)
                t.list(c.reasons)
                t.text(c.newOrders.rawValue)
                t.number(c.daysToCutover)
                t.number(c.seats)
            }
        }
    }

    static func blockedSeatChanges<Cells>(_ customers: CustomerOutcomes) -> ReportTable<RankedRow, Cells> {
        ReportTable(columns: ["customerId", "companyName", "status", "seatChanges", "subscriptionId", "offerId",
                              "offerName", "seats", "daysToCutover"]) { t, row in
            customers.withView(row.index) { c in
                let s = c.subscriptions[row.subIndex]
                t.text(utf8: c.customerId)
                t.text(utf8: c.companyName)
                t.text(c.status.rawValue)
                t.text(c.seatChanges.rawValue)
                t.text(utf8: s.subscriptionId)
                t.text(utf8: s.offerId)
                t.text(utf8: s.offerName)
                t.number(s.seats)
                t.number(c.daysToCutover)
            }
        }
    }

    static func invalidConfirmations<Cells>(_ customers: CustomerOutcomes, _ redactor: Redactor) -> ReportTable<Int, Cells> {
        ReportTable(columns: ["customerId", "companyName", "defects", "firstName", "lastName", "email", "phoneNumber",
                              "dateAgreed", "agreementType", "templateId", "recordedByRole"]) { t, i in
            let c = customers[i]
            t.text(c.customerId)
            t.text(c.companyName)
            t.list(c.reasons)
            t.text(c.newestRecord?.firstName)
            t.text(c.newestRecord?.lastName)
            t.text(redactor.email(c.newestRecord?.email))
            t.text(redactor.phone(c.newestRecord?.phoneNumber))
            t.date(c.newestRecord?.dateAgreed)
            t.text(c.newestRecord?.agreementType)
            t.text(c.newestRecord?.templateId)
            t.text(c.newestRecord?.recordedByRole)
        }
    }

    /// - Parameter companies: asked in row order, which is the order it needs.
    static func orderViolations<Cells>(_ companies: CompanyLookup) -> ReportTable<Violation, Cells> {
        ReportTable(columns: ["customerId", "companyName", "orderId", "lineItemNumber", "creationDate", "subscriptionId",
                              "offerId", "quantity", "code", "resellerId"]) { t, v in
            t.text(v.customerId)
            t.text(companies.companyName(of: v.customerId))
            t.text(v.orderId)
            t.number(v.lineItemNumber)
            t.date(v.creationDate)
            t.text(v.subscriptionId)
            t.text(v.offerId)
            t.number(v.quantity)
            t.text(Violation.code)
            t.text(v.resellerId)
        }
    }

    static func dataQuality<Cells>(_ redactor: Redactor) -> ReportTable<Finding, Cells> {
        ReportTable(columns: ["file", "line", "severity", "code", "message"]) { t, f in
            t.text(f.file)
            t.number(f.line)
            t.text(f.severity.rawValue)
            t.text(f.code.rawValue)
            t.text(redactor.scrub(f.message))
        }
    }
}

/// The spreadsheet formula rule (docs/security.md): a cell starting with `=`, `+`, `-`, `@`, tab or carriage
/// return would run as a formula, so CSV and xlsx cells prefix it with `'`.
@inline(__always)
func startsFormula(_ first: UInt8) -> Bool {
    first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
        || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
}
