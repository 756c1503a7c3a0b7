import MCAModel
import Foundation

/// `report.xlsx`: one worksheet per list of `ReportList`, with the columns of the CSV reports,
/// a bold header row that stays in view and filters, numbers and dates as real cell values.
///
/// Streamed: each sheet goes row by row to a part file in a scratch folder beside the report,
/// the parts are zipped into one archive there, and the archive is copied through `file` (so it is
/// hashed and created like every report file); the scratch folder is removed whatever happens.
enum XLSXReport {
    static let fileName = "report.xlsx"

    static func write(_ context: ReportContext, to file: ReportFile) throws {
        let folder = String(file.path.dropLast(file.name.count)) + "." + file.name + ".parts"
        try SystemCall.makeDirectory(folder, mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        var sheets: [XLSXWorkbook.Sheet] = []
        for (index, list) in ReportList.allCases.enumerated() {
            let part = try ReportFile(directory: folder, name: "sheet\(index + 1).xml")
            var sink = XLSXSheetSink(file: part)
            try list.write(context, to: &sink)
            _ = try part.close()
            sheets.append(XLSXWorkbook.Sheet(name: list.sheetName, head: sink.head, partFile: part.path, tail: sink.tail,
                                             filterRange: sink.filterRange))
        }
        let archive = folder + "/" + file.name
        try XLSXWorkbook(sheets: sheets).zip(to: archive)
        try copy(archive, to: file)
    }

    private static func copy(_ path: String, to file: ReportFile) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReportWriteError(path: path, reason: "cannot read the zip archive")
        }
        defer { try? handle.close() }
        do {
            while let chunk = try handle.read(upToCount: ReportFile.bufferSize), !chunk.isEmpty {
                try file.append { $0.bytes.append(contentsOf: chunk) }
            }
        } catch let error as ReportWriteError {
            throw error
        } catch {
            throw ReportWriteError(path: path, reason: "cannot read the zip archive: \(error)")
        }
    }
}
