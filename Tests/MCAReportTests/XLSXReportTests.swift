import Crypto
import Foundation
import MCAEvaluate
import MCAModel
import MCATestSupport
import Testing
@testable import MCAReport

@Suite struct XLSXReportTests {
    static let xlsxOptions = ReportOptions(formats: [.csv, .xlsx], toolVersion: "0.1.0")

    /// The sheet XML of one row written through `body`.
    private func row(_ body: (inout XLSXRowCells) -> Void) -> String {
        var cells = XLSXRowCells()
        cells.startRow()
        body(&cells)
        cells.endRow()
        return cells.buffer.text
    }

    @Test func numbersDatesAndTextBecomeTypedCells() {
        let xml = row { c in
            c.text("Contoso")
            c.number(-12)
            c.date(DayDate(iso: "2018-11-30"))
            c.text(nil)
            c.number(nil)
            c.date(DayDate(iso: "1899-12-31"))
            c.date(DateField.invalid("13/45/2018"))
            c.list(["A", "B"])
        }
        #expect(xml == #"<row r="1"><c r="A1" t="inlineStr"><is><t>Contoso</t></is></c><c r="B1"><v>-12</v></c>"#
            + #"<c r="C1" s="1"><v>43434</v></c><c r="F1" t="inlineStr"><is><t>1899-12-31</t></is></c>"#
            + #"<c r="G1" t="inlineStr"><is><t>13/45/2018</t></is></c><c r="H1" t="inlineStr"><is><t>A;B</t></is></c></row>"#
            + "\n")
    }

    @Test(arguments: [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"), ("\r=x", "'&#13;=x"), ("a=b", "a=b"),
        ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
        ("a\u{0}b\u{1B}c\u{FFFE}d\u{FFFF}e\u{FFFD}", "abcde\u{FFFD}"),
        ("\u{1}=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("_x0041_ and _x12_", "_x005F_x0041_ and _x12_"),
        ("line\r\nnext", "line&#13;\nnext"),
        ("Café 東京 😀", "Café 東京 😀"),
    ])
    func textIsEscapedDefusedAndLegal(input: String, cell: String) {
        let xml = row { $0.text(input) }
        let space = input.unicodeScalars.first.map { " \t\r\n".unicodeScalars.contains($0) } ?? false ? " xml:space=\"preserve\"" : ""
        // Text of several lines is wrapped (cell format 4), so it does not run over the next row.
        // Its row is as tall as its lines.
        let style = input.contains("\n") ? " s=\"4\"" : ""
        let height = input.contains("\n") ? #" ht="30" customHeight="1""# : ""
        #expect(xml == "<row r=\"1\"\(height)><c r=\"A1\"\(style) t=\"inlineStr\"><is><t\(space)>\(cell)</t></is></c></row>\n")
    }

    @Test func headerIsBoldAndAlignedRightOverNumbersAndDates() {
        var data = XLSXRowCells()
        data.skipRow()
        data.startRow()
        data.text("Contoso Ltd")
        data.number(12)
        data.date(DayDate(iso: "2018-11-30"))
        data.text(nil)
        data.endRow()
        #expect(data.buffer.text.hasPrefix(#"<row r="2">"#), "data rows start under the header")
        let header = XLSXRowCells.header(["companyName", "seats", "confirmedOn", "notes"], over: data)
        #expect(header.buffer.text == #"<row r="1"><c r="A1" s="2" t="inlineStr"><is><t>companyName</t></is></c>"#
            + #"<c r="B1" s="3" t="inlineStr"><is><t>seats</t></is></c>"#
            + #"<c r="C1" s="3" t="inlineStr"><is><t>confirmedOn</t></is></c>"#
            + #"<c r="D1" s="2" t="inlineStr"><is><t>notes</t></is></c></row>"# + "\n")
        // Widths: the widest of header (plus room for the filter button) and data.
        #expect(header.widths == [14, 8, 14, 8])
    }

    @Test func columnNamesGoPastZ() {
        var t = TextBuffer()
        for index in [0, 25, 26, 51, 701, 702, 16_383] {
            t.appendColumnName(index)
            t.append(" ")
        }
        #expect(t.text == "A Z AA AZ ZZ AAA XFD ")
    }

    @Test func workbookIsAValidPackageWithOneSheetPerList() throws {
        let (folder, files) = try writeReports(options: XLSXReportTests.xlsxOptions)
        defer { folder.cleanUp() }
        #expect(files.contains("report.xlsx"))
        // The scratch parts are gone; only report files are left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == files)
        #expect(try folder.mode("report.xlsx") == 0o640)
        let entries = try ZipEntries.read(folder.url.appendingPathComponent("report.xlsx"))
        #expect(entries.keys.sorted() == [
            "[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/workbook.xml",
            "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
            "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml", "xl/worksheets/sheet7.xml",
        ])
        let text = entries.mapValues { String(decoding: $0, as: UTF8.self) }
        let workbook = try #require(text["xl/workbook.xml"])
        for (index, list) in ReportList.allCases.enumerated() {
            #expect(workbook.contains("<sheet name=\"\(list.sheetName)\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"))
            #expect(text["[Content_Types].xml"]?.contains("/xl/worksheets/sheet\(index + 1).xml") == true)
        }
        #expect(workbook.contains("'Customers'!$A$1:$M$7</definedName>"))
        let customers = try #require(text["xl/worksheets/sheet1.xml"])
        #expect(customers.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(customers.contains(#"<autoFilter ref="A1:M7"/>"#))
        #expect(customers.contains(#"<c r="A1" s="2" t="inlineStr"><is><t>customerId</t></is></c>"#))
        #expect(customers.contains(#"<c r="L1" s="3" t="inlineStr"><is><t>seats</t></is></c>"#), "over numbers: aligned right")
        #expect(customers.contains(#"<c r="G1" s="3" t="inlineStr"><is><t>confirmedOn</t></is></c>"#), "over dates: aligned right")
        #expect(customers.contains(#"<c r="G2" s="1"><v>43344</v></c>"#), "confirmedOn 2018-09-01 as a date serial")
        #expect(customers.contains(#"<c r="L3"><v>30</v></c>"#), "seats as a number")
        #expect(customers.contains(#"<t>'=HYPERLINK("evil.example","Click")</t>"#))
        #expect(customers.contains("<t>&lt;script&gt;alert(1)&lt;/script&gt;</t>"))
        // Every sheet has the CSV list's rows: header + one <row> per CSV line.
        for (index, list) in ReportList.allCases.enumerated() {
            let sheet = try #require(text["xl/worksheets/sheet\(index + 1).xml"])
            let rows = sheet.components(separatedBy: "<row ").count - 1
            #expect(rows == (try folder.csvLines(list.csvFileName)).count, "\(list.sheetName)")
        }
    }

    @Test func workbookIsByteIdenticalOnRewriteAndInTheManifest() throws {
        let (first, _) = try writeReports(options: XLSXReportTests.xlsxOptions)
        defer { first.cleanUp() }
        let (second, _) = try writeReports(options: XLSXReportTests.xlsxOptions)
        defer { second.cleanUp() }
        let bytes = try first.data("report.xlsx")
        #expect(bytes == (try second.data("report.xlsx")))
        #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let manifest = try first.text("manifest.json")
        #expect(manifest.contains("\"formats\": [\"csv\", \"xlsx\"]"))
        #expect(manifest.contains("\"report.xlsx\": \"\(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())\""))
    }

    @Test func redactedWorkbookHoldsNoContact() throws {
        var options = XLSXReportTests.xlsxOptions
        options.redact = true
        let (folder, _) = try writeReports(options: options)
        defer { folder.cleanUp() }
        let entries = try ZipEntries.read(folder.url.appendingPathComponent("report.xlsx"))
        let sheets = entries.values.map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(!sheets.contains(SampleAudit.contactEmail) && !sheets.contains("jane.doe"))
        #expect(!sheets.contains(SampleAudit.contactPhone))
        #expect(sheets.contains("<t>j***@contoso.com</t>"))
    }

    @Test func xlsxIsOptIn() {
        #expect(!ReportOptions(toolVersion: "1").formats.contains(.xlsx))
        #expect(ReportFormat.defaultFormats == [.json, .html, .md, .csv])
    }
}
