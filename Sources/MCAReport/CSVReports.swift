import MCAModel

/// The six CSV reports (README, "Reports"; and `changes.csv`, docs/operations.md): RFC 4180 (CRLF, quotes doubled), UTF-8 without BOM, a header row.
/// The columns are those of `ReportTables`, shared with report.xlsx.
enum CSVReports {
    static let customersFile = ReportList.customers.csvFileName
    static let blockedNewOrdersFile = ReportList.blockedNewOrders.csvFileName
    static let blockedSeatChangesFile = ReportList.blockedSeatChanges.csvFileName
    static let invalidConfirmationsFile = ReportList.invalidConfirmations.csvFileName
    static let orderViolationsFile = ReportList.orderViolations.csvFileName
    static let dataQualityFile = ReportList.dataQuality.csvFileName
    /// Written only when the run keeps a history (docs/operations.md, "Run history").
    static let changesFile = "changes.csv"

    /// Every CSV report: its file name and how to write it.
    static func files(_ context: ReportContext) -> [(name: String, write: @Sendable (ReportFile) throws -> Void)] {
        let lists: [(name: String, write: @Sendable (ReportFile) throws -> Void)] = ReportList.allCases.map { list in
            (list.csvFileName, { file in
                var sink = CSVSink(file: file)
                try list.write(context, to: &sink)
            })
        }
        return lists + changeFiles(context)
    }

    /// `changes.csv` when the run keeps a history: one row per customer per list of report.json `changes`.
    static func changeFiles(_ context: ReportContext) -> [(name: String, write: @Sendable (ReportFile) throws -> Void)] {
        guard let changes = context.result.changes else { return [] }
        let lists = changes.lists
        return [(changesFile, { file in
            let rows = lists.indices.lazy.flatMap { list in
                lists[list].changes.indices.lazy.map { RankedRow(size: 0, index: list, subIndex: $0) }
            }
            let sink = CSVSink(file: file)
            try sink.write(changeTable(lists), rows: rows)
        })]
    }

    static func changeTable(_ lists: [(name: String, changes: [CustomerChange])]) -> ReportTable<RankedRow, TextBuffer> {
        ReportTable(columns: ["change", "customerId", "companyName", "statusBefore", "status", "newOrdersBefore",
                              "newOrders", "seatChangesBefore", "seatChanges", "seatsBefore", "seats", "violationsBefore",
                              "violations", "reasons"]) { t, row in
            let change = lists[row.index].changes[row.subIndex]
            t.text(lists[row.index].name)
            t.text(change.customerId)
            t.text(change.companyName)
            t.text(change.before?.status.rawValue)
            t.text(change.after.status.rawValue)
            t.text(change.before?.newOrders.rawValue)
            t.text(change.after.newOrders.rawValue)
            t.text(change.before?.seatChanges.rawValue)
            t.text(change.after.seatChanges.rawValue)
            t.number(change.before?.seats)
            t.number(change.after.seats)
            t.number(change.before?.violations)
            t.number(change.after.violations)
            t.list(change.after.reasons)
        }
    }
}

/// Writes a table as one CSV file: the header row, then a row per item, each ended by CRLF.
struct CSVSink: TableSink {
    let file: ReportFile

    func write<Row>(_ table: ReportTable<Row, TextBuffer>, rows: some Sequence<Row>) throws {
        try file.append { t in
            for column in table.columns { t.text(column) }
            t.endCSVRow()
        }
        for row in rows {
            try file.append { t in
                table.row(&t, row)
                t.endCSVRow()
            }
        }
    }
}

/// A `TextBuffer` takes a CSV row's fields, each followed by its separator.
extension TextBuffer: TableCells {
    /// A text field and its separator: empty when `nil`.
    mutating func text(_ text: String?) {
        if let text { appendCSV(text) }
        bytes.append(UInt8(ascii: ","))
    }

    /// A text field of UTF-8 bytes and its separator: empty when `nil`.
    mutating func text(utf8: UnsafeBufferPointer<UInt8>?) {
        if let utf8 { appendCSV(utf8: utf8) }
        bytes.append(UInt8(ascii: ","))
    }

    /// A number field, never prefixed, and its separator: empty when `nil`.
    mutating func number(_ number: Int?) {
        if let number { append(number) }
        bytes.append(UInt8(ascii: ","))
    }

    /// A date field `YYYY-MM-DD` and its separator: empty when `nil`.
    mutating func date(_ date: DayDate?) {
        if let date { append(date) }
        bytes.append(UInt8(ascii: ","))
    }

    /// Ends a row written with `text`, `number` and `date`: its last separator becomes the CRLF line end.
    mutating func endCSVRow() {
        if bytes.last == UInt8(ascii: ",") { bytes.truncate(to: bytes.count - 1) }
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
        let formula = startsFormula(first)
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
