import Foundation
import MCATestSupport
import Testing

/// The fixtures' report.xlsx read back by openpyxl (an independent reader, from PyPI, in a venv
/// under .build/): sheets, headers, frozen panes and filters, and every cell's value and type
/// against the CSV report of the same list and the counts of report.json.
@Suite struct XLSXReadBackTests {
    /// Dumps a workbook as JSON: per sheet its title, frozen pane, filter and every cell as [type, value].
    static let dumpScript = """
    import datetime, json, sys
    import openpyxl
    wb = openpyxl.load_workbook(sys.argv[1])
    def cell(v):
        if v is None: return None
        if isinstance(v, bool): return ["bool", v]
        if isinstance(v, int): return ["int", v]
        if isinstance(v, float): return ["float", v]
        if isinstance(v, datetime.datetime): return ["datetime", v.isoformat()]
        if isinstance(v, str): return ["str", v]
        return [type(v).__name__, str(v)]
    sheets = [{"title": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
               "rows": [[cell(c.value) for c in row] for row in ws.iter_rows()]} for ws in wb.worksheets]
    json.dump({"sheets": sheets}, sys.stdout)
    """

    /// (sheet, CSV file) in workbook order.
    static let lists = [
        ("Customers", "customers.csv"), ("Blocked new orders", "blocked-new-orders.csv"),
        ("Blocked seat changes", "blocked-seat-changes.csv"), ("Invalid confirmations", "invalid-confirmations.csv"),
        ("Order violations", "order-violations.csv"), ("Data quality", "data-quality.csv"), ("By reseller", "resellers.csv"),
    ]
    static let numberColumns: Set = ["daysToCutover", "seatBasedSubscriptions", "seats", "lineItemNumber", "quantity", "line",
                                     "customers", "unconfirmed", "invalid", "blockedNewOrders", "blockedSeatChanges",
                                     "seatsAffected", "violations"]
    static let dateColumns: Set = ["confirmedOn", "creationDate", "dateAgreed"]

    struct Sheet {
        var title: String
        var freeze: String?
        var filter: String?
        /// Each cell as (type, text): "int" 25 → ("int", "25"), a date → ("datetime", "2018-10-01T00:00:00").
        var rows: [[(type: String, text: String)?]]
    }

    @Test func openpyxlReadsTheFixtureWorkbook() throws {
        let python = try OpenpyxlPython.path()
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--quiet", "--report", "json,csv,xlsx"], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = tmp.url.appendingPathComponent("2018-11-30")
        let script = tmp.url.appendingPathComponent("dump.py")
        try Data(XLSXReadBackTests.dumpScript.utf8).write(to: script)
        let dump = try ExternalTool.run(python, [script.path, folder.appendingPathComponent("report.xlsx").path], seconds: 120)
        try #require(dump.status == 0, "\(dump.stderr)")
        let sheets = try parse(dump.stdout)

        #expect(sheets.map(\.title) == XLSXReadBackTests.lists.map(\.0))
        for (sheet, (_, csvName)) in zip(sheets, XLSXReadBackTests.lists) {
            let csv = csvCells(try String(contentsOf: folder.appendingPathComponent(csvName), encoding: .utf8))
            let header = csv[0]
            #expect(sheet.freeze == "A2", "\(sheet.title)")
            #expect(sheet.filter == "A1:\(columnName(header.count))\(csv.count)", "\(sheet.title)")
            #expect(sheet.rows.count == csv.count, "\(sheet.title)")
            #expect(sheet.rows.first?.map { $0?.type } == header.map { _ in "str" }, "\(sheet.title)")
            #expect(sheet.rows.first?.map { $0?.text } == header, "\(sheet.title)")
            for (sheetRow, csvRow) in zip(sheet.rows.dropFirst(), csv.dropFirst()) {
                #expect(sheetRow.count == header.count, "\(sheet.title): \(csvRow)")
                for (column, (cell, field)) in zip(sheetRow, csvRow).enumerated() {
                    let name = header[column]
                    let expected: (String, String)?
                    if field.isEmpty {
                        expected = nil
                    } else if XLSXReadBackTests.numberColumns.contains(name) {
                        expected = ("int", field)
                    } else if XLSXReadBackTests.dateColumns.contains(name), isISODate(field) {
                        expected = ("datetime", field + "T00:00:00")
                    } else {
                        expected = ("str", field)
                    }
                    #expect(cell?.type == expected?.0 && cell?.text == expected?.1,
                            "\(sheet.title) \(name): \(String(describing: cell)) for CSV field '\(field)'")
                }
            }
        }

        // Decisive fixture values, typed.
        let customers = try #require(sheets.first)
        let c001 = try #require(customers.rows.first { $0.first??.text.hasSuffix("C001") == true })
        #expect(c001[6]?.type == "datetime" && c001[6]?.text == "2018-10-01T00:00:00")
        #expect(c001[11]?.type == "int" && c001[11]?.text == "25")
        let c011 = try #require(customers.rows.first { $0.first??.text.hasSuffix("C011") == true })
        #expect(c011[1]?.type == "str" && c011[1]?.text == #"'=HYPERLINK("http://evil.example","Click me")"#)

        // The same counts as report.json.
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        let byStatus = try #require(summary["byStatus"] as? [String: Int])
        func dataRows(_ index: Int) -> Int { sheets[index].rows.count - 1 }
        #expect(dataRows(0) == summary["customers"] as? Int)
        #expect(dataRows(0) == 14)
        #expect(dataRows(1) == summary["blockedNewOrders"] as? Int)
        #expect(dataRows(3) == byStatus["INVALID"])
        #expect(dataRows(4) == summary["violations"] as? Int)
        #expect(dataRows(5) == (summary["rowsRejected"] as? Int ?? -1) + (summary["warnings"] as? Int ?? -1))
        let seatsColumn = 7
        let seats = sheets[2].rows.dropFirst().reduce(0) { $0 + (Int($1[seatsColumn]?.text ?? "") ?? 0) }
        #expect(seats == summary["seatsAffected"] as? Int)
        #expect(seats > 0)
    }

    private func parse(_ text: String) throws -> [Sheet] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let sheets = try #require(root["sheets"] as? [[String: Any]])
        return sheets.map { sheet in
            let rows = (sheet["rows"] as? [[Any]] ?? []).map { row in
                row.map { cell -> (type: String, text: String)? in
                    guard let pair = cell as? [Any], pair.count == 2, let type = pair[0] as? String else { return nil }
                    return (type, pair[1] as? String ?? "\(pair[1])")
                }
            }
            return Sheet(title: sheet["title"] as? String ?? "", freeze: sheet["freeze"] as? String,
                         filter: sheet["filter"] as? String, rows: rows)
        }
    }

    /// `A` for 1, `L` for 12.
    private func columnName(_ count: Int) -> String {
        String(UnicodeScalar(UInt8(ascii: "A") + UInt8(count - 1)))
    }

    private func isISODate(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
    }
}
