import Foundation
import MCAGenerate
import MCAIngest
import MCAModel
import MCATestSupport

/// Exports generated into a fresh folder; the caller removes it.
struct Generated {
    let folder: TemporaryFolder
    let files: [GeneratedFile]
    var url: URL { folder.url }

    init(_ options: GenerateOptions) throws {
        folder = try TemporaryFolder()
        do {
            files = try ExportGenerator.generate(options, into: folder.url.path)
        } catch {
            folder.remove()
            throw error
        }
    }

    func remove() { folder.remove() }

    /// The bytes of the four files, in `ExportKind` order.
    func allBytes(_ format: InputFormat) throws -> [Data] { try ExportKind.allCases.map { try bytes(url, $0, format) } }

    /// The rows a file holds, as `generate` counted them.
    func count(_ kind: ExportKind) -> Int? { files.first { $0.kind == kind }?.records }
}

/// Whether this build's readers know the subscriptions export (`audit --subscriptions`): the
/// tests that read it with them run once they do.
let readersKnowSubscriptions = InputKind(rawValue: ExportKind.subscriptions.rawValue) != nil

struct NoReaderForKind: Error, CustomStringConvertible {
    let kind: ExportKind
    var description: String { "the readers of this build have no schema for \(kind.rawValue)" }
}

/// Every record of one generated file, read back with the product's reader for its format.
func records(_ folder: URL, _ kind: ExportKind, _ format: InputFormat) throws -> [RawRecord] {
    guard let input = InputKind(rawValue: kind.rawValue) else { throw NoReaderForKind(kind: kind) }
    let path = folder.appendingPathComponent(ExportGenerator.fileName(kind, format)).path
    let reader: any RecordReader = switch format {
    case .csv: CSVRecordReader()
    case .xml: XMLRecordReader()
    case .json: JSONRecordReader()
    }
    var all: [RawRecord] = []
    try reader.read(try FileByteSource(path: path), schema: .forKind(input)) { all.append($0) }
    return all
}

func bytes(_ folder: URL, _ kind: ExportKind, _ format: InputFormat) throws -> Data {
    try Data(contentsOf: folder.appendingPathComponent(ExportGenerator.fileName(kind, format)))
}

func text(_ folder: URL, _ kind: ExportKind, _ format: InputFormat) throws -> String {
    String(decoding: try bytes(folder, kind, format), as: UTF8.self)
}

/// A field's trimmed value, "" when absent (CSV writes absent fields as empty columns).
func value(_ r: RawRecord, _ f: Field) -> String { r[f].map { trimmed($0) } ?? "" }

/// The rows of a CSV file as dictionaries keyed by its header's names.
func csvRows(_ text: String) -> [[String: String]] {
    let cells = csvCells(text)
    guard let header = cells.first else { return [] }
    return cells.dropFirst().map { row in
        Dictionary(uniqueKeysWithValues: header.enumerated().map { ($0.element, $0.offset < row.count ? row[$0.offset] : "") })
    }
}
