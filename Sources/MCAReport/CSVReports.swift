import MCAEvaluate
import MCAModel

/// A CSV report: its header, and how one row writes its fields (with `TextBuffer.csvField`, in
/// the order of `columns`).
///
/// A row is an index into the result's arrays (`Int`, or a `RankedRow` for a subscription), so
/// fields are read in place and no customer is copied for a row.
struct CSVTable<Row> {
    let columns: [String]
    let row: (inout TextBuffer, Row) -> Void
}

/// The six CSV reports of SPEC 4 (and `changes.csv`, SPEC 6): RFC 4180 (CRLF, quotes doubled), UTF-8 without BOM, a header row.
/// Reports/README.md documents every column; keep it in step with the tables here.
enum CSVReports {
    static let customersFile = "customers.csv"
    static let blockedNewOrdersFile = "blocked-new-orders.csv"
    static let blockedSeatChangesFile = "blocked-seat-changes.csv"
    static let invalidConfirmationsFile = "invalid-confirmations.csv"
    static let orderViolationsFile = "order-violations.csv"
    static let dataQualityFile = "data-quality.csv"
    /// Written only when the run keeps a history (SPEC 6).
    static let changesFile = "changes.csv"

    /// Every CSV report: its file name and how to write it.
    static func files(_ context: ReportContext) -> [(name: String, write: @Sendable (ReportFile) throws -> Void)] {
        let customers = context.result.customers
        let violations = context.result.violations
        let findings = context.result.dataQuality
        let redactor = context.redactor
        let files: [(name: String, write: @Sendable (ReportFile) throws -> Void)] = [
            (customersFile, { try write(customerTable(customers), rows: customers.indices, to: $0) }),
            (blockedNewOrdersFile, {
                try write(blockedNewOrderTable(customers),
                          rows: customers.indices.lazy.filter { customers[$0].newOrders.isBlocking }, to: $0)
            }),
            (blockedSeatChangesFile, {
                try write(blockedSeatChangeTable(customers), rows: blockedSubscriptionRows(customers), to: $0)
            }),
            (invalidConfirmationsFile, {
                try write(invalidConfirmationTable(customers, redactor),
                          rows: customers.indices.lazy.filter { customers[$0].status == .invalid }, to: $0)
            }),
            (orderViolationsFile, {
                try write(violationTable(violations, CompanyLookup(customers)), rows: violations.indices, to: $0)
            }),
            (dataQualityFile, { try write(dataQualityTable(findings, redactor), rows: findings.indices, to: $0) }),
        ]
        return files + changeFiles(context)
    }

    /// `changes.csv` when the run keeps a history: one row per customer per list of report.json `changes`.
    static func changeFiles(_ context: ReportContext) -> [(name: String, write: @Sendable (ReportFile) throws -> Void)] {
        guard let changes = context.result.changes else { return [] }
        let lists = changes.lists
        return [(changesFile, {
            let rows = lists.indices.lazy.flatMap { list in
                lists[list].changes.indices.lazy.map { RankedRow(size: 0, index: list, subIndex: $0) }
            }
            try write(changeTable(lists), rows: rows, to: $0)
        })]
    }

    static func changeTable(_ lists: [(name: String, changes: [CustomerChange])]) -> CSVTable<RankedRow> {
        CSVTable(columns: ["change", "customerId", "companyName", "statusBefore", "status", "newOrdersBefore", "newOrders",
                           "seatChangesBefore", "seatChanges", "seatsBefore", "seats", "violationsBefore", "violations",
                           "reasons"]) { t, row in
            let change = lists[row.index].changes[row.subIndex]
            t.csvField(lists[row.index].name)
            t.csvField(change.customerId)
            t.csvField(change.companyName)
            t.csvField(change.before?.status.rawValue)
            t.csvField(change.after.status.rawValue)
            t.csvField(change.before?.newOrders.rawValue)
            t.csvField(change.after.newOrders.rawValue)
            t.csvField(change.before?.seatChanges.rawValue)
            t.csvField(change.after.seatChanges.rawValue)
            t.csvField(change.before?.seats)
            t.csvField(change.after.seats)
            t.csvField(change.before?.violations)
            t.csvField(change.after.violations)
            t.csvList(change.after.reasons)
        }
    }

    static func write<Row>(_ table: CSVTable<Row>, rows: some Sequence<Row>, to file: ReportFile) throws {
        try file.append { t in
            for column in table.columns { t.csvField(column) }
            t.endCSVRow()
        }
        for row in rows {
            try file.append { t in
                table.row(&t, row)
                t.endCSVRow()
            }
        }
    }

    static func customerTable(_ c: [CustomerOutcome]) -> CSVTable<Int> {
        CSVTable(columns: ["customerId", "companyName", "domain", "cloud", "status", "reasons", "confirmedOn", "newOrders",
                           "seatChanges", "daysToCutover", "seatBasedSubscriptions", "seats"]) { t, i in
            t.csvField(c[i].customerId)
            t.csvField(c[i].companyName)
            t.csvField(c[i].domain)
            t.csvField(c[i].cloud.rawValue)
            t.csvField(c[i].status.rawValue)
            t.csvList(c[i].reasons)
            t.csvField(c[i].confirmedOn)
            t.csvField(c[i].newOrders.rawValue)
            t.csvField(c[i].seatChanges.rawValue)
            t.csvField(c[i].daysToCutover)
            t.csvField(c[i].subscriptions.count)
            t.csvField(seatTotal(c, i))
        }
    }

    static func blockedNewOrderTable(_ c: [CustomerOutcome]) -> CSVTable<Int> {
        CSVTable(columns: ["customerId", "companyName", "cloud", "status", "reasons", "newOrders", "daysToCutover", "seats"]) { t, i in
            t.csvField(c[i].customerId)
            t.csvField(c[i].companyName)
            t.csvField(c[i].cloud.rawValue)
            t.csvField(c[i].status.rawValue)
            t.csvList(c[i].reasons)
            t.csvField(c[i].newOrders.rawValue)
            t.csvField(c[i].daysToCutover)
            t.csvField(seatTotal(c, i))
        }
    }

    static func blockedSeatChangeTable(_ c: [CustomerOutcome]) -> CSVTable<RankedRow> {
        CSVTable(columns: ["customerId", "companyName", "status", "seatChanges", "subscriptionId", "offerId", "offerName",
                           "seats", "daysToCutover"]) { t, row in
            let (i, s) = (row.index, row.subIndex)
            t.csvField(c[i].customerId)
            t.csvField(c[i].companyName)
            t.csvField(c[i].status.rawValue)
            t.csvField(c[i].seatChanges.rawValue)
            t.csvField(c[i].subscriptions[s].subscriptionId)
            t.csvField(c[i].subscriptions[s].offerId)
            t.csvField(c[i].subscriptions[s].offerName)
            t.csvField(c[i].subscriptions[s].seats)
            t.csvField(c[i].daysToCutover)
        }
    }

    static func invalidConfirmationTable(_ c: [CustomerOutcome], _ redactor: Redactor) -> CSVTable<Int> {
        CSVTable(columns: ["customerId", "companyName", "defects", "firstName", "lastName", "email", "phoneNumber",
                           "dateAgreed", "agreementType", "templateId", "recordedByRole"]) { t, i in
            t.csvField(c[i].customerId)
            t.csvField(c[i].companyName)
            t.csvList(c[i].reasons)
            t.csvField(c[i].newestRecord?.firstName)
            t.csvField(c[i].newestRecord?.lastName)
            t.csvField(redactor.email(c[i].newestRecord?.email))
            t.csvField(redactor.phone(c[i].newestRecord?.phoneNumber))
            t.csvField(c[i].newestRecord?.dateAgreed.reportText)
            t.csvField(c[i].newestRecord?.agreementType)
            t.csvField(c[i].newestRecord?.templateId)
            t.csvField(c[i].newestRecord?.recordedByRole)
        }
    }

    /// - Parameter companies: asked in row order, which is the order it needs.
    static func violationTable(_ v: [Violation], _ companies: CompanyLookup) -> CSVTable<Int> {
        CSVTable(columns: ["customerId", "companyName", "orderId", "lineItemNumber", "creationDate", "subscriptionId",
                           "offerId", "quantity", "code"]) { t, i in
            t.csvField(v[i].customerId)
            t.csvField(companies.companyName(of: v[i].customerId))
            t.csvField(v[i].orderId)
            t.csvField(v[i].lineItemNumber)
            t.csvField(v[i].creationDate)
            t.csvField(v[i].subscriptionId)
            t.csvField(v[i].offerId)
            t.csvField(v[i].quantity)
            t.csvField(Violation.code)
        }
    }

    static func dataQualityTable(_ f: [Finding], _ redactor: Redactor) -> CSVTable<Int> {
        CSVTable(columns: ["file", "line", "severity", "code", "message"]) { t, i in
            t.csvField(f[i].file)
            t.csvField(f[i].line)
            t.csvField(f[i].severity.rawValue)
            t.csvField(f[i].code.rawValue)
            t.csvField(redactor.scrub(f[i].message))
        }
    }
}

extension TextBuffer {
    /// A text field and its separator: empty when `nil`.
    mutating func csvField(_ text: String?) {
        if let text { appendCSV(text) }
        bytes.append(UInt8(ascii: ","))
    }

    /// A number field, never prefixed, and its separator: empty when `nil`.
    mutating func csvField(_ number: Int?) {
        if let number { append(number) }
        bytes.append(UInt8(ascii: ","))
    }

    /// A date field `YYYY-MM-DD` and its separator: empty when `nil`.
    mutating func csvField(_ date: DayDate?) {
        if let date { append(date) }
        bytes.append(UInt8(ascii: ","))
    }

    /// Codes joined with `;` in one field, and its separator.
    mutating func csvList(_ codes: [String]) {
        csvField(codes.count == 1 ? codes[0] : codes.joined(separator: ";"))
    }

    /// Ends a row written with `csvField`: its last separator becomes the CRLF line end.
    mutating func endCSVRow() {
        if bytes.last == UInt8(ascii: ",") { bytes.removeLast() }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// One CSV field. A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR
    /// first) gets a leading `'`; a value with a comma, quote, CR, LF or surrounding space is quoted.
    mutating func appendCSV(_ text: String) {
        withUTF8Bytes(text) { appendCSV(utf8: $0) }
    }

    private static let csvSpecial = ByteSet { b in
        b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0D || b == 0x0A
    }

    private mutating func appendCSV(utf8: UnsafeBufferPointer<UInt8>) {
        guard let first = utf8.first, let last = utf8.last else { return }
        let formula = first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
        let quote = first == UInt8(ascii: " ") || last == UInt8(ascii: " ")
            || TextBuffer.csvSpecial.firstIndex(in: utf8) < utf8.count
        if !quote {
            if formula { bytes.append(UInt8(ascii: "'")) }
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        if formula { bytes.append(UInt8(ascii: "'")) }
        for b in utf8 {
            if b == UInt8(ascii: "\"") { bytes.append(b) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
