import MCAModel

/// The cells of one worksheet row, as SpreadsheetML: numbers as numbers, dates as date serials
/// with the date style, text as inline strings (so no shared-string table is held in memory).
///
/// Text is XML-escaped, loses the characters XML 1.0 cannot carry, and gets the same `'` prefix
/// as a CSV field when it would start a formula.
struct XLSXRowCells: TableCells {
    /// The row's XML so far.
    var buffer = TextBuffer(capacity: 4096)
    /// The 1-based row number of the row being written.
    private(set) var row = 0
    private var column = 0
    /// The widest cell of each column so far, in characters (`XLSXLayout`).
    private(set) var widths: [Int] = []
    /// The columns that hold numbers or dates, which a spreadsheet aligns right.
    private(set) var alignedRight: [Bool] = []

    /// Excel's first serial number (1900-03-01 = 61) past its made-up 1900-02-29; earlier dates stay text.
    private static let firstSerialDate = DayDate(daysSinceEpoch: -25_508)
    /// Days from Excel's serial 0 (1899-12-30, in the 1900 date system) to 1970-01-01.
    private static let epochSerial = 25_569

    /// Where the open row's start tag can take more attributes, and its tallest cell in lines.
    private var rowTagEnd = 0
    private var rowLines = 1

    mutating func startRow() {
        row += 1
        column = 0
        rowLines = 1
        buffer.append("<row r=\"")
        buffer.append(row)
        buffer.append(byte: UInt8(ascii: "\""))
        rowTagEnd = buffer.bytes.count
        buffer.append(byte: UInt8(ascii: ">"))
    }

    /// Closes the row; a row with text of several lines gets the height of its lines, as a
    /// spreadsheet does not always grow a row for wrapped text when it opens a file.
    mutating func endRow() {
        if rowLines > 1 {
            var cells: [UInt8] = []
            buffer.bytes.withUnsafeBytes { cells = Array($0[rowTagEnd...]) }
            buffer.bytes.truncate(to: rowTagEnd)
            buffer.append(" ht=\"")
            buffer.append(XLSXLayout.lineHeight * rowLines)
            buffer.append("\" customHeight=\"1\"")
            cells.withUnsafeBytes { buffer.bytes.append($0) }
        }
        buffer.append("</row>\n")
    }

    mutating func text(_ value: String?) { text(value, style: nil) }

    mutating func text(utf8: UnsafeBufferPointer<UInt8>?) { text(utf8.map { String(decoding: $0, as: UTF8.self) }) }

    /// A text cell with a cell format of styles.xml (`XLSXWorkbook.headerStyle`), or the default
    /// (`linesStyle` for text of several lines, so that its row grows instead of the lines
    /// running over the next one).
    mutating func text(_ value: String?, style: Int?) {
        defer { column += 1 }
        guard let value, !value.isEmpty else { return }
        let isHeader = style == XLSXWorkbook.headerStyle || style == XLSXWorkbook.numberHeaderStyle
        let (characters, lines) = XLSXLayout.size(value)
        measure(characters + (isHeader ? XLSXLayout.headerExtra : 0))
        rowLines = max(rowLines, lines)
        openCell(style: style ?? (lines > 1 ? XLSXWorkbook.linesStyle : nil))
        buffer.append(" t=\"inlineStr\"><is><t")
        let edge: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if let first = value.utf8.first, let last = value.utf8.last, edge(first) || edge(last) {
            buffer.append(" xml:space=\"preserve\"")
        }
        buffer.append(byte: UInt8(ascii: ">"))
        buffer.appendXMLCell(value)
        buffer.append("</t></is></c>")
    }

    mutating func number(_ value: Int?) {
        defer { column += 1 }
        guard let value else { return }
        measure(String(value).utf8.count)
        alignRight()
        openCell(style: nil)
        buffer.append("><v>")
        buffer.append(value)
        buffer.append("</v></c>")
    }

    mutating func date(_ value: DayDate?) {
        guard let value else { return text(nil) }
        guard value >= XLSXRowCells.firstSerialDate else { return text(value.iso) }
        defer { column += 1 }
        measure(10)
        alignRight()
        openCell(style: XLSXWorkbook.dateStyle)
        buffer.append("><v>")
        buffer.append(value.daysSinceEpoch + XLSXRowCells.epochSerial)
        buffer.append("</v></c>")
    }

    private mutating func measure(_ characters: Int) {
        while widths.count <= column { widths.append(0) }
        if characters > widths[column] { widths[column] = characters }
    }

    private mutating func alignRight() {
        while alignedRight.count <= column { alignedRight.append(false) }
        alignedRight[column] = true
    }

    /// Starts numbering after a row written elsewhere (the header, written last: `XLSXSheetSink`).
    mutating func skipRow() { row += 1 }

    /// The header row over data rows written by `data`: bold, aligned right above numbers and
    /// dates; its widths count in `data`'s.
    static func header(_ columns: [String], over data: XLSXRowCells) -> XLSXRowCells {
        var cells = XLSXRowCells()
        cells.widths = data.widths
        cells.startRow()
        for (index, name) in columns.enumerated() {
            let right = index < data.alignedRight.count && data.alignedRight[index]
            cells.text(name, style: right ? XLSXWorkbook.numberHeaderStyle : XLSXWorkbook.headerStyle)
        }
        cells.endRow()
        return cells
    }

    /// `<c r="B7"` and the style, without closing the start tag.
    private mutating func openCell(style: Int?) {
        buffer.append("<c r=\"")
        buffer.appendColumnName(column)
        buffer.append(row)
        buffer.append(byte: UInt8(ascii: "\""))
        if let style {
            buffer.append(" s=\"")
            buffer.append(style)
            buffer.append(byte: UInt8(ascii: "\""))
        }
    }
}

/// Writes a table as one worksheet part, streamed row by row into `file` (the `<sheetData>` rows
/// only: the columns' widths are known once every row is written, and they come before the rows,
/// so `head`, which ends with the header row, and `tail` are zipped around the file): the header
/// row bold (aligned right over numbers and dates), frozen (a pane split below
/// it) and filtered (an autoFilter over every row written), columns as wide as their content
/// (`XLSXLayout`), printed landscape, one page wide, the header row on every page.
struct XLSXSheetSink: TableSink {
    /// Excel's row limit; a longer list is cut there (the CSV file holds every row).
    static let maxRows = 1_048_576

    let file: ReportFile
    /// How many rows were written, the header included, and how many columns.
    private(set) var rows = 0
    private(set) var columns = 0
    /// Data rows left out at `maxRows`.
    private(set) var rowsLeftOut = 0
    /// The part's XML before and after the rows of `file`, once `write` is done.
    private(set) var head = ""
    private(set) var tail = ""

    init(file: ReportFile) { self.file = file }

    /// The autoFilter range, `A1:L15`.
    var filterRange: String {
        var t = TextBuffer()
        t.append("A1:")
        t.appendColumnName(max(columns, 1) - 1)
        t.append(max(rows, 1))
        return t.text
    }

    mutating func write<Row>(_ table: ReportTable<Row, XLSXRowCells>, rows items: some Sequence<Row>) throws {
        columns = table.columns.count
        var cells = XLSXRowCells()
        cells.skipRow() // the header, written into `head` once the columns are known
        for item in items {
            guard cells.row < XLSXSheetSink.maxRows else {
                rowsLeftOut += 1
                continue
            }
            cells.startRow()
            table.row(&cells, item)
            cells.endRow()
            if cells.buffer.bytes.count >= ReportFile.bufferSize { try flush(&cells) }
        }
        rows = cells.row
        try flush(&cells)
        let header = XLSXRowCells.header(table.columns, over: cells)
        var h = TextBuffer()
        h.append("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
        <sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>
        <sheetViews><sheetView workbookViewId="0">\
        <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
        <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>
        <sheetFormatPr defaultRowHeight="\(XLSXLayout.lineHeight)"/>
        <cols>
        """)
        for (index, characters) in header.widths.enumerated() {
            h.append("<col min=\"")
            h.append(index + 1)
            h.append("\" max=\"")
            h.append(index + 1)
            h.append("\" width=\"")
            h.append(XLSXLayout.width(characters))
            h.append("\" customWidth=\"1\"/>")
        }
        h.append("</cols>\n<sheetData>\n")
        header.buffer.bytes.withUnsafeBytes { h.bytes.append($0) }
        head = h.text
        tail = "</sheetData>\n<autoFilter ref=\"" + filterRange + "\"/>\n" + XLSXLayout.printSetup + "</worksheet>\n"
    }

    private func flush(_ cells: inout XLSXRowCells) throws {
        try file.append { t in cells.buffer.bytes.withUnsafeBytes { t.bytes.append($0) } }
        cells.buffer.bytes.removeAll()
    }
}

extension TextBuffer {
    /// The column letters of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
    mutating func appendColumnName(_ index: Int) {
        var letters: [UInt8] = []
        var rest = index + 1
        while rest > 0 {
            let digit = (rest - 1) % 26
            letters.append(UInt8(ascii: "A") + UInt8(digit))
            rest = (rest - 1) / 26
        }
        bytes.append(contentsOf: letters.reversed())
    }

    /// Text of a spreadsheet cell as XML element content: `& < >` escaped, a carriage return kept
    /// as `&#13;` (a parser would turn a literal one into a line feed), every character XML 1.0
    /// forbids dropped, `_xHHHH_` (which Excel reads as an escape) written as `_x005F_xHHHH_`, and
    /// a `'` put first when the first character kept would start a formula.
    mutating func appendXMLCell(_ text: String) {
        withUTF8Bytes(text) { appendXMLCell(utf8: $0) }
    }

    private static let xmlCellSpecial = ByteSet { b in
        b < 0x20 || b == UInt8(ascii: "&") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">")
            || b == UInt8(ascii: "_") || b == 0xEF
    }

    private mutating func appendXMLCell(utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var first = true
        while true {
            let special = TextBuffer.xmlCellSpecial.firstIndex(in: utf8, from: start)
            if special > start {
                if first, startsFormula(utf8[start]) { bytes.append(UInt8(ascii: "'")) }
                first = false
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<special]))
            }
            guard special < utf8.count else { return }
            let b = utf8[special]
            start = special + 1
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters; other EF sequences are.
            if b == 0xEF {
                if special + 2 < utf8.count, utf8[special + 1] == 0xBF, utf8[special + 2] >= 0xBE {
                    start = special + 3
                } else {
                    first = false
                    bytes.append(b)
                }
                continue
            }
            if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { continue }
            if first, startsFormula(b) { bytes.append(UInt8(ascii: "'")) }
            first = false
            switch b {
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case 0x0D: append("&#13;")
            case UInt8(ascii: "_"): append(TextBuffer.isExcelEscape(utf8, at: special) ? "_x005F_" : "_")
            default: bytes.append(b)
            }
        }
    }

    /// Whether `_xHHHH_` starts at `index`.
    private static func isExcelEscape(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"), utf8[index + 6] == UInt8(ascii: "_") else {
            return false
        }
        return (index + 2...index + 5).allSatisfy { i in
            let c = utf8[i]
            return (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
                || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
        }
    }
}
