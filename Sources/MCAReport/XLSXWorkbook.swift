import MCAModel
import Foundation
import ZIPFoundation

/// An Office Open XML spreadsheet package (ECMA-376): the worksheet parts, already written to
/// files, and the small parts around them, zipped with deflate into one `.xlsx`.
///
/// Every zip entry carries the same fixed time and permissions, so the same sheets always give
/// the same bytes.
struct XLSXWorkbook {
    /// A worksheet: its tab name, its `<worksheet>` XML (`head`, then the file's rows, then
    /// `tail`), and its autoFilter range.
    struct Sheet {
        var name: String
        var head: String
        var partFile: String
        var tail: String
        var filterRange: String
    }

    /// Cell format 1 of styles.xml: a date, shown `yyyy-mm-dd`.
    static let dateStyle = 1
    /// Cell format 2 of styles.xml: a bold header cell.
    static let headerStyle = 2
    /// Cell format 3 of styles.xml: a bold header cell aligned right, over a column of numbers or dates.
    static let numberHeaderStyle = 3
    /// Cell format 4 of styles.xml: text of several lines, wrapped, from the top of its (taller) row.
    static let linesStyle = 4
    /// The time of every zip entry: 1980-01-01 00:00:00, the first a zip (MS-DOS) time can hold.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    let sheets: [Sheet]

    /// Zips the package into `archivePath` (which must not exist), entries streamed from their files.
    func zip(to archivePath: String) throws {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .create)
        } catch {
            throw ReportWriteError(path: archivePath, reason: "cannot create the zip archive: \(error)")
        }
        let parts: [(path: String, xml: String)] = [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", XLSXWorkbook.packageRelationships),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", XLSXWorkbook.styles),
        ]
        for part in parts {
            let data = Data(part.xml.utf8)
            try add(part.path, size: data.count, to: archive, at: archivePath) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        for (index, sheet) in sheets.enumerated() {
            guard let handle = FileHandle(forReadingAtPath: sheet.partFile) else {
                throw ReportWriteError(path: sheet.partFile, reason: "cannot read the worksheet part")
            }
            defer { try? handle.close() }
            let rows = Int(try handle.seekToEnd())
            let head = Data(sheet.head.utf8), tail = Data(sheet.tail.utf8)
            // The provider is asked for consecutive chunks: each is cut from head, rows and tail.
            try add("xl/worksheets/sheet\(index + 1).xml", size: head.count + rows + tail.count, to: archive, at: archivePath) { position, size in
                var chunk = Data()
                var at = Int(position)
                let end = at + size
                if at < head.count {
                    chunk += head.subdata(in: at..<min(end, head.count))
                    at = min(end, head.count)
                }
                if at < end, at < head.count + rows {
                    try handle.seek(toOffset: UInt64(at - head.count))
                    let want = min(end, head.count + rows) - at
                    let read = try handle.read(upToCount: want) ?? Data()
                    chunk += read
                    at += read.count
                }
                if at < end, at >= head.count + rows {
                    chunk += tail.subdata(in: (at - head.count - rows)..<min(end - head.count - rows, tail.count))
                }
                return chunk
            }
        }
    }

    private func add(_ path: String, size: Int, to archive: Archive, at archivePath: String,
                     provider: @escaping Provider) throws {
        do {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(size),
                                 modificationDate: XLSXWorkbook.entryDate, permissions: 0o644,
                                 compressionMethod: .deflate, bufferSize: ReportFile.bufferSize, provider: provider)
        } catch let error as ReportWriteError {
            throw error
        } catch {
            throw ReportWriteError(path: archivePath, reason: "cannot add \(path) to the zip archive: \(error)")
        }
    }

    private static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    private static let relationshipType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    var contentTypes: String {
        var xml = XLSXWorkbook.xmlDeclaration + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/styles.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
        """
        for index in sheets.indices {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return xml + "</Types>\n"
    }

    static let packageRelationships = xmlDeclaration + """
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
    <Relationship Id="rId1" Type="\(relationshipType)/officeDocument" Target="xl/workbook.xml"/>\
    </Relationships>

    """

    var workbook: String {
        var xml = XLSXWorkbook.xmlDeclaration + """
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="\(XLSXWorkbook.relationshipType)"><bookViews><workbookView/></bookViews><sheets>
        """
        for (index, sheet) in sheets.enumerated() {
            xml += "<sheet name=\"\(sheet.name)\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        xml += "</sheets><definedNames>"
        // Excel names every autoFilter range so; without the name it still filters, but repairs the file.
        for (index, sheet) in sheets.enumerated() {
            let range = sheet.filterRange.split(separator: ":").map { absolute($0) }.joined(separator: ":")
            xml += "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(index)\" hidden=\"1\">"
                + "'\(sheet.name)'!\(range)</definedName>"
            // The header row printed at the top of every page.
            xml += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">'\(sheet.name)'!$1:$1</definedName>"
        }
        return xml + "</definedNames></workbook>\n"
    }

    /// `B7` → `$B$7`.
    private func absolute(_ cell: Substring) -> String {
        let letters = cell.prefix { $0.isLetter }
        return "$" + letters + "$" + cell.dropFirst(letters.count)
    }

    var workbookRelationships: String {
        var xml = XLSXWorkbook.xmlDeclaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for index in sheets.indices {
            xml += "<Relationship Id=\"rId\(index + 1)\" Type=\"\(XLSXWorkbook.relationshipType)/worksheet\" "
                + "Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(XLSXWorkbook.relationshipType)/styles\" "
            + "Target=\"styles.xml\"/>"
        return xml + "</Relationships>\n"
    }

    /// Cell formats: 0 the default, 1 (`dateStyle`) a `yyyy-mm-dd` date, 2 (`headerStyle`) bold,
    /// 3 (`numberHeaderStyle`) bold and right-aligned, 4 (`linesStyle`) wrapped from the top.
    static let styles = xmlDeclaration + """
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
    <numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>\
    <fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
    <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
    <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
    <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
    <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
    <cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
    <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">\
    <alignment horizontal="right"/></xf>\
    <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">\
    <alignment vertical="top" wrapText="1"/></xf></cellXfs>\
    <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
    </styleSheet>

    """
}
