import Foundation
import MCATestSupport
import Testing

/// The fixtures' report.xlsx as an officer sees it in LibreOffice Calc: every sheet, exported by
/// LibreOffice itself to CSV (cells as shown), holds the cells of the CSV file of the same list,
/// and the printed workbook is landscape. `.ci/run` installs LibreOffice (`libreoffice-calc-nogui`).
@Suite(.enabled(if: ExternalTool.find("soffice") != nil,
                "soffice (LibreOffice) is not installed here: apt-get install libreoffice-calc-nogui poppler-utils"))
struct LibreOfficeWorkbookTests {
    static let sheets = [
        ("Customers", "customers.csv"), ("Blocked new orders", "blocked-new-orders.csv"),
        ("Blocked seat changes", "blocked-seat-changes.csv"), ("Invalid confirmations", "invalid-confirmations.csv"),
        ("Order violations", "order-violations.csv"), ("Data quality", "data-quality.csv"), ("By reseller", "resellers.csv"),
    ]

    @Test func calcShowsTheCSVCellsOnEverySheetAndPrintsLandscape() throws {
        let soffice = try #require(ExternalTool.find("soffice"))
        let tmp = try TemporaryFolder()
        defer { tmp.remove() }
        let run = try audit(["--quiet", "--no-history", "--report", "csv,xlsx"], out: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = tmp.url.appendingPathComponent("2018-11-30")
        let exported = tmp.url.appendingPathComponent("calc")
        // A profile of its own, so that runs alongside (or a desktop session) do not share one.
        let profile = "-env:UserInstallation=file://" + tmp.url.appendingPathComponent("profile").path
        // Comma, double quote, UTF-8 (76), from line 1; cells as shown (dates yyyy-mm-dd); every sheet (-1).
        let csv = try ExternalTool.run(soffice, [profile, "--headless", "--convert-to",
                                                 "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                                                 "--outdir", exported.path, folder.appendingPathComponent("report.xlsx").path], seconds: 180)
        try #require(csv.status == 0, "\(csv.stderr)")
        for (sheet, file) in Self.sheets {
            let shown = csvCells(try String(contentsOf: exported.appendingPathComponent("report-\(sheet).csv"), encoding: .utf8))
            let expected = csvCells(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
            #expect(shown.count == expected.count, "\(sheet): rows")
            for (n, (a, b)) in zip(shown, expected).enumerated() {
                // Calc writes no trailing empty cells of a row only when the whole sheet lacks them.
                let padded = a + Array(repeating: "", count: max(0, b.count - a.count))
                #expect(padded == b, "\(sheet) row \(n + 1)")
            }
        }

        let pdf = try ExternalTool.run(soffice, [profile, "--headless", "--convert-to", "pdf", "--outdir", exported.path,
                                                 folder.appendingPathComponent("report.xlsx").path], seconds: 180)
        try #require(pdf.status == 0, "\(pdf.stderr)")
        let document = try Data(contentsOf: exported.appendingPathComponent("report.pdf"))
        // Every page's MediaBox is wider than tall: landscape.
        let text = String(decoding: document, as: UTF8.self)
        let boxes = text.components(separatedBy: "/MediaBox").dropFirst().compactMap { rest -> (Double, Double)? in
            let numbers = rest.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }.split(separator: " ").compactMap { Double($0) }
            return numbers.count == 4 ? (numbers[2] - numbers[0], numbers[3] - numbers[1]) : nil
        }
        #expect(!boxes.isEmpty)
        #expect(boxes.allSatisfy { $0.0 > $0.1 }, "\(boxes)")
        // One page per sheet: each list of the fixtures fits one page wide and tall.
        if let pdfinfo = ExternalTool.find("pdfinfo") {
            let info = try ExternalTool.run(pdfinfo, [exported.appendingPathComponent("report.pdf").path])
            #expect(info.stdout.contains("Pages:           \(Self.sheets.count)\n"), "\(info.stdout)")
        }
    }
}
